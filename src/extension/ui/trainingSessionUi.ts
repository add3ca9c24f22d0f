/**
 * What the user sees while runs train: one output channel per run with the trainer's log (one line
 * per event, eventLines.ts), a status bar item (run, step/total, last loss, ETA) that opens that
 * log, a dismissable start notification offering Stop, and the final message (stopped: which
 * checkpoint was saved; finished: Open Loss Curves / Show Log; failure with "Show Log"; a config
 * error opens the file at its line).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainerEvent } from '../../core/protocol/trainerEvents';
import { describeEvent, endedMessage, failureLine } from './eventLines';
import { formatCount, formatDuration, formatValue } from '../../core/format';
import type { TrainerExit } from '../process/trainerProcess';
import type { TrainingHandle, TrainingService } from '../process/trainingService';
import type { RunStore } from '../store/runStore';
import { COMMANDS } from '../commands/ids';
import type { Prompts } from './prompts';

const STOP = 'Stop';
const OPEN_CURVES = 'Open Loss Curves';
const SHOW_LOG = 'Show Log';

export class TrainingSessionUi implements vscode.Disposable {
  private readonly channels = new Map<string, vscode.OutputChannel>();
  private readonly statusBar = vscode.window.createStatusBarItem(
    'trainingRuns.progress',
    vscode.StatusBarAlignment.Left,
    50,
  );
  private readonly disposables: Array<{ dispose(): void }> = [];
  private readonly lastSaved = new Map<TrainingHandle, TrainerEvent & { type: 'checkpoint_saved' }>();
  private focused: TrainingHandle | undefined;
  private statusBarShown = false;

  /** Notifications go through `prompts`, so that the real-host tests see them (message and buttons). */
  constructor(
    private readonly service: TrainingService,
    private readonly prompts: Prompts,
    /** The status bar shows the run store's live progress of the run in focus. */
    private readonly store: Pick<RunStore, 'get' | 'onDidChangeRun'>,
    private readonly hooks: { onStarted?(runDir: string): void } = {},
  ) {
    this.statusBar.name = 'Training progress';
    this.disposables.push(
      this.statusBar,
      service.onDidStart((h) => this.attach(h)),
      service.onDidEnd(({ handle, exit }) => void this.ended(handle, exit)),
      store.onDidChangeRun(({ dir }) => {
        if (this.service.active().some((h) => h.runDir === dir)) this.renderStatusBar();
      }),
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

  /** The progress item's text, or null while it is hidden (no run trains): for the real-host tests. */
  get statusBarText(): string | null {
    return this.statusBarShown ? this.statusBar.text : null;
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
    channel.appendLine(
      `\n▶ ${new Date().toLocaleString()}  ${launch.execPath} ${[launch.script, ...launch.args].join(' ')}  (pid ${handle.process.pid ?? '?'}, cwd ${launch.cwd})`,
    );
    handle.process.onLog(({ stream, text }) => channel.append(stream === 'runner' ? `[extension] ${text}` : text));
    handle.process.onEvent((event) => {
      if (event.type === 'started' && this.keyOf(handle) !== path.resolve(event.runDir)) {
        // The folder became known only now: continue in that run's own channel.
        channel = this.channelFor(path.resolve(event.runDir));
      }
      // Step events may come every step: keep the log readable (about one line a second).
      const now = Date.now();
      if (event.type === 'step' && now - lastStepLine < 1000 && event.step < event.maxSteps)
        return this.noteStep(handle);
      if (event.type === 'step') lastStepLine = now;
      const line = describeEvent(event);
      if (line) channel.appendLine(line);
      if (event.type === 'started') {
        this.hooks.onStarted?.(path.resolve(event.runDir));
        void this.announceStart(handle, event);
      }
      if (event.type === 'checkpoint_saved') this.lastSaved.set(handle, event);
      if (event.type === 'step') this.noteStep(handle);
    });
    this.focused = handle;
    this.renderStatusBar();
  }

  /** The run that last stepped has the status bar. */
  private noteStep(handle: TrainingHandle): void {
    if (this.focused === handle) return;
    this.focused = handle;
    this.renderStatusBar();
  }

  private renderStatusBar(): void {
    const active = this.service.active();
    const handle = this.focused && active.includes(this.focused) ? this.focused : active[active.length - 1];
    if (!handle) {
      this.statusBar.hide();
      this.statusBarShown = false;
      return;
    }
    const name = path.basename(handle.runDir ?? handle.request.configPath);
    const step = handle.runDir ? this.store.get(handle.runDir)?.live : undefined;
    const more = active.length > 1 ? ` (+${active.length - 1})` : '';
    const figures = step
      ? ` ${formatCount(step.step)}/${formatCount(step.maxSteps)} · last loss ${formatValue(step.loss)}${step.etaSec != null ? ` · ETA ${formatDuration(step.etaSec)}` : ''}`
      : ' starting…';
    this.statusBar.text = `$(pulse) ${name}${figures}${more}`;
    this.statusBar.tooltip = `Training ${handle.runDir ?? handle.request.configPath}\nLast loss: the loss of the last logged step (a checkpoint row shows the mean since the previous save).\nClick to show its log.`;
    this.statusBar.command = { title: 'Show Training Log', command: COMMANDS.showLog, arguments: [this.keyOf(handle)] };
    this.statusBar.show();
    this.statusBarShown = true;
  }

  private async ended(handle: TrainingHandle, exit: TrainerExit): Promise<void> {
    if (this.focused === handle) this.focused = undefined;
    this.renderStatusBar();
    const key = this.keyOf(handle);
    const channel = this.channelFor(key);
    const name = path.basename(handle.runDir ?? handle.request.configPath);
    channel.appendLine(
      `■ ${exit.status} (exit code ${exit.exitCode ?? '-'}${exit.signal ? `, ${exit.signal}` : ''})${exit.message ? `: ${exit.message}` : ''}`,
    );
    const saved = this.lastSaved.get(handle);
    this.lastSaved.delete(handle);
    if (exit.status !== 'failed') {
      const runDir = handle.runDir;
      const text = endedMessage(name, exit, saved);
      const choice = await this.prompts.choose('information', text, {}, ...(runDir ? [OPEN_CURVES] : []), SHOW_LOG);
      if (choice === OPEN_CURVES && runDir) await vscode.commands.executeCommand(COMMANDS.openLossCurves, runDir);
      if (choice === SHOW_LOG) channel.show();
      return;
    }
    const failure = exit.failure;
    if (failure?.file) {
      void this.openAt(failure.file, failure.line, failure.column);
      void vscode.window
        .showErrorMessage(`Training ${name}: ${failureLine(failure)}`, 'Show Log')
        .then((choice) => choice && channel.show());
      return;
    }
    const message = failure?.message ?? exit.message ?? 'the trainer failed';
    void vscode.window
      .showErrorMessage(`Training ${name} failed: ${message}`, 'Show Log')
      .then((choice) => choice && channel.show());
  }

  /**
   * Said once when a run starts (the status bar then shows its progress): a notification that can
   * be dismissed, with the same "Stop" as everywhere else, rather than a progress box over the chart.
   */
  private async announceStart(handle: TrainingHandle, event: TrainerEvent & { type: 'started' }): Promise<void> {
    const name = path.basename(event.runDir);
    const from = event.startStep > 0 ? `resumed at step ${formatCount(event.startStep)}` : 'started';
    const choice = await this.prompts.choose(
      'information',
      `Training ${name}: ${from}, to step ${formatCount(event.maxSteps)}. Progress is in the status bar.`,
      {},
      STOP,
      OPEN_CURVES,
      SHOW_LOG,
    );
    if (choice === STOP && this.service.active().includes(handle)) await this.service.stop(handle);
    if (choice === OPEN_CURVES)
      await vscode.commands.executeCommand(COMMANDS.openLossCurves, path.resolve(event.runDir));
    if (choice === SHOW_LOG) this.channelFor(this.keyOf(handle)).show();
  }

  private async openAt(file: string, line?: number, column?: number): Promise<void> {
    try {
      const pos = new vscode.Position(Math.max(0, (line ?? 1) - 1), Math.max(0, (column ?? 1) - 1));
      await vscode.window.showTextDocument(vscode.Uri.file(file), {
        selection: new vscode.Range(pos, pos),
        preview: false,
      });
    } catch {
      // The file may be gone (a --set override has no file); the message still names the place.
    }
  }
}
