/**
 * The output channel's words for trainer events, one line each, in one unit convention
 * (core/format). vscode-free so the wording is unit-tested.
 */
import * as path from 'node:path';
import type { TrainerEvent } from '../../core/protocol/trainerEvents';
import { formatBytes, formatCount, formatDuration, formatValue } from '../../core/format';
import type { TrainerExit } from '../process/trainerProcess';

export function describeEvent(e: TrainerEvent): string | null {
  switch (e.type) {
    case 'started':
      return `started: ${e.runDir} · backend ${e.backend.name} (${e.backend.reason}) · from step ${e.startStep} to ${e.maxSteps}`;
    case 'step':
      return `step ${e.step}/${e.maxSteps} · epoch ${e.epoch} · loss ${formatValue(e.loss)} · lr ${formatValue(e.lr)} · ${e.stepsPerSec.toFixed(1)} steps/s`;
    case 'checkpoint_saved':
      return `saved ${e.name} (${savedFigures(e)})${e.deleted.length ? `; removed ${e.deleted.join(', ')}` : ''}`;
    case 'evaluated':
      return `eval at step ${e.step} · eval_loss ${formatValue(e.metrics.eval_loss)}${e.metrics.eval_accuracy === undefined ? '' : ` · eval_accuracy ${formatValue(e.metrics.eval_accuracy)}`} · ${formatCount(e.examples)} examples`;
    case 'resumed':
      return `resumed from ${e.path} at step ${e.step} (optimizer ${e.restoredOptimizer ? 'restored' : 'fresh'}, scheduler ${e.restoredScheduler ? 'restored' : 'fresh'})${e.skipped.map((s) => `\n  skipped ${s.path}: ${s.reason}`).join('')}`;
    case 'warning':
      return `warning: ${e.message}`;
    case 'finished':
      return `${e.status} at step ${e.step} · loss ${formatValue(e.loss)} · ${formatDuration(e.durationMs / 1000)}`;
    case 'failed':
      return `failed (${e.kind}): ${failureLine(e)}`;
  }
}

/**
 * A failure's one line with its location stated once: a config error's message already starts
 * with it (`configs/a.yaml:5:1: ...`), other failures get `file:line: ` in front.
 */
export function failureLine(e: { file?: string; line?: number; column?: number; message: string }): string {
  if (!e.file || e.message.includes(`${path.basename(e.file)}:`) || e.message.startsWith('--set')) return e.message;
  return `${e.file}${e.line ? `:${e.line}${e.column ? `:${e.column}` : ''}` : ''}: ${e.message}`;
}

/** "73 KB, 12 ms, training paused 3 ms"; an external trainer's saves are only seen on disk, so no timings. */
function savedFigures(e: TrainerEvent & { type: 'checkpoint_saved' }): string {
  if (e.durationMs === 0 && e.blockingMs === 0) return formatBytes(e.bytes);
  return `${formatBytes(e.bytes)}, ${Math.round(e.durationMs)} ms, training paused ${Math.round(e.blockingMs)} ms`;
}

/** "Training a: stopped at step 80; saved checkpoint-80." / "Training a: finished." */
export function endedMessage(
  name: string,
  exit: TrainerExit,
  saved: (TrainerEvent & { type: 'checkpoint_saved' }) | undefined,
): string {
  const note = exit.forcedKill ? ' (killed after the stop timeout)' : '';
  if (exit.status === 'stopped') {
    const what = saved
      ? `; saved ${saved.name} (step ${formatCount(saved.step)})`
      : '; no checkpoint was saved in this session';
    return `Training ${name}: stopped${note}${what}.`;
  }
  return `Training ${name}: ${exit.status}${note}.`;
}
