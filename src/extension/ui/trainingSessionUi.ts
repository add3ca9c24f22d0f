/**
 * What the user sees while runs train: one output channel per run with the trainer's log, a status
 * bar item (run, step/total, loss, ETA) that opens that log, a progress notification whose Cancel
 * stops gracefully, and the final message (failure with "Show Log"; a config error opens the file
 * at its line).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainerEvent } from '../../core/protocol/trainerEvents';
import { formatBytes, formatCount, formatDuration, formatValue } from '../../core/format';
import type { TrainerExit } from '../process/trainerProcess';
import type { TrainingHandle, TrainingService } from '../process/trainingService';
import { COMMANDS } from '../commands/ids';


export class TrainingSessionUi implements vscode.Disposable {
  private readonly channels = new Map<string, vscode.OutputChannel>();
  private readonly statusBar = vscode.window.createStatusBarItem('trainingRuns.progress', vscode.StatusBarAlignment.Left, 50);
  private readonly disposables: Array<{ dispose(): void }> = [];
  private readonly lastStep = new Map<TrainingHandle, TrainerEvent & { type: 'step' }>();
  private focused: TrainingHandle | undefined;

  constructor(
    private readonly service: TrainingService,
    private readonly hooks: { onStarted?(runDir: string): void } = {},
  ) {
    this.statusBar.name = 'Training progress';
    this.disposables.push(
      this.statusBar,
      service.onDidStart((h) => this.attach(h)),
      service.onDidEnd(({ handle, exit }) => void this.ended(handle, exit)),
    );
  }

  /** The output channel of a run folder (or a config, before its folder is known). */
  channelFor(key: string): vscode.OutputChannel {
    let channel = this.channels.get(key);
    if (!channel) {
      channel = vscode.window.createOutputChannel(`Training: ${path.basename(key)}`);
      this.channels.set(key, channel);
    }
    return channel;
  }

  hasChannel(key: string): boolean {
    return this.channels.has(key);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    for (const c of this.channels.values()) c.dispose();
    this.channels.clear();
  }

  private keyOf(handle: TrainingHandle): string {
    return handle.runDir ?? handle.request.configPath;
  }

  private attach(handle: TrainingHandle): void {
    let channel = this.channelFor(this.keyOf(handle));
    let lastStepLine = 0;
    const launch = handle.process.launch;
    channel.appendLine(`\n▶ ${new Date().toLocaleString()}  ${launch.execPath} ${[launch.script, ...launch.args].join(' ')}  (pid ${handle.process.pid ?? '?'}, cwd ${launch.cwd})`);
    handle.process.onLog(({ stream, text }) => channel.append(stream === 'runner' ? `[extension] ${text}` : text));
    handle.process.onEvent((event) => {
      if (event.type === 'started' && this.keyOf(handle) !== path.resolve(event.runDir)) {
        // The folder became known only now: continue in that run's own channel.
        channel = this.channelFor(path.resolve(event.runDir));
      }
      // Step events may come every step: keep the log readable (about one line a second).
      const now = Date.now();
      if (event.type === 'step' && now - lastStepLine < 1000 && event.step < event.maxSteps) return this.noteStep(handle, event);
      if (event.type === 'step') lastStepLine = now;
      const line = describeEvent(event);
      if (line) channel.appendLine(line);
      if (event.type === 'started') this.hooks.onStarted?.(path.resolve(event.runDir));
      if (event.type === 'step') this.noteStep(handle, event);
    });
    this.focused = handle;
    this.renderStatusBar();
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Training ${path.basename(handle.runDir ?? handle.request.configPath)}`, cancellable: true },
      (progress, token) => {
        token.onCancellationRequested(() => void this.service.stop(handle));
        let reported = 0;
        let lastReport = 0;
        const sub = handle.process.onEvent((event) => {
          if (event.type !== 'step' || Date.now() - lastReport < 250) return;
          lastReport = Date.now();
          const pct = (100 * event.step) / event.maxSteps;
          const eta = event.etaSec != null ? ` · ETA ${formatDuration(event.etaSec)}` : '';
          progress.report({ message: `step ${formatCount(event.step)}/${formatCount(event.maxSteps)} · loss ${formatValue(event.loss)}${eta}`, increment: Math.max(0, pct - reported) });
          reported = Math.max(reported, pct);
        });
        return handle.exited.finally(() => sub.dispose());
      },
    );
  }

  private noteStep(handle: TrainingHandle, event: TrainerEvent & { type: 'step' }): void {
    this.lastStep.set(handle, event);
    this.focused = handle;
    this.renderStatusBar();
  }

  private renderStatusBar(): void {
    const active = this.service.active();
    const handle = this.focused && active.includes(this.focused) ? this.focused : active[active.length - 1];
    if (!handle) {
      this.statusBar.hide();
      return;
    }
    const name = path.basename(handle.runDir ?? handle.request.configPath);
    const step = this.lastStep.get(handle);
    const more = active.length > 1 ? ` (+${active.length - 1})` : '';
    const figures = step
      ? ` ${formatCount(step.step)}/${formatCount(step.maxSteps)} · loss ${formatValue(step.loss)}${step.etaSec != null ? ` · ETA ${formatDuration(step.etaSec)}` : ''}`
      : ' starting…';
    this.statusBar.text = `$(pulse) ${name}${figures}${more}`;
    this.statusBar.tooltip = `Training ${handle.runDir ?? handle.request.configPath}\nClick to show its log.`;
    this.statusBar.command = { title: 'Show Training Log', command: COMMANDS.showLog, arguments: [this.keyOf(handle)] };
    this.statusBar.show();
  }

  private async ended(handle: TrainingHandle, exit: TrainerExit): Promise<void> {
    this.lastStep.delete(handle);
    if (this.focused === handle) this.focused = undefined;
    this.renderStatusBar();
    const key = this.keyOf(handle);
    const channel = this.channelFor(key);
    const name = path.basename(handle.runDir ?? handle.request.configPath);
    channel.appendLine(`■ ${exit.status} (exit code ${exit.exitCode ?? '-'}${exit.signal ? `, ${exit.signal}` : ''})${exit.message ? `: ${exit.message}` : ''}`);
    if (exit.status !== 'failed') {
      const note = exit.forcedKill ? ' (killed after the stop timeout)' : '';
      void vscode.window.showInformationMessage(`Training ${name}: ${exit.status}${note}.`);
      return;
    }
    const failure = exit.failure;
    if (failure?.file) {
      const where = `${failure.file}${failure.line ? `:${failure.line}${failure.column ? `:${failure.column}` : ''}` : ''}`;
      void this.openAt(failure.file, failure.line, failure.column);
      void vscode.window.showErrorMessage(`Training ${name}: ${where}: ${failure.message}`, 'Show Log').then((choice) => choice && channel.show());
      return;
    }
    const message = failure?.message ?? exit.message ?? 'the trainer failed';
    void vscode.window.showErrorMessage(`Training ${name} failed: ${message}`, 'Show Log').then((choice) => choice && channel.show());
  }

  private async openAt(file: string, line?: number, column?: number): Promise<void> {
    try {
      const pos = new vscode.Position(Math.max(0, (line ?? 1) - 1), Math.max(0, (column ?? 1) - 1));
      await vscode.window.showTextDocument(vscode.Uri.file(file), { selection: new vscode.Range(pos, pos), preview: false });
    } catch {
      // The file may be gone (a --set override has no file); the message still names the place.
    }
  }
}

function describeEvent(e: TrainerEvent): string | null {
  switch (e.type) {
    case 'started':
      return `started: ${e.runDir} · backend ${e.backend.name} (${e.backend.reason}) · from step ${e.startStep} to ${e.maxSteps}`;
    case 'step':
      return `step ${e.step}/${e.maxSteps} · epoch ${e.epoch} · loss ${formatValue(e.loss)} · lr ${formatValue(e.lr)} · ${e.stepsPerSec.toFixed(1)} steps/s`;
    case 'checkpoint_saved':
      return `saved ${e.name} (${formatBytes(e.bytes)}, ${Math.round(e.durationMs)} ms, training paused ${Math.round(e.blockingMs)} ms)${e.deleted.length ? `; removed ${e.deleted.join(', ')}` : ''}`;
    case 'resumed':
      return `resumed from ${e.path} at step ${e.step} (optimizer ${e.restoredOptimizer ? 'restored' : 'fresh'}, scheduler ${e.restoredScheduler ? 'restored' : 'fresh'})${e.skipped.map((s) => `\n  skipped ${s.path}: ${s.reason}`).join('')}`;
    case 'warning':
      return `warning: ${e.message}`;
    case 'finished':
      return `${e.status} at step ${e.step} · loss ${formatValue(e.loss)} · ${formatDuration(e.durationMs / 1000)}`;
    case 'failed':
      return `failed (${e.kind}): ${e.file ? `${e.file}${e.line ? `:${e.line}` : ''}: ` : ''}${e.message}`;
  }
}
