import { formatBytes } from '../../core/format';
import type { TrainerEvent, TrainerEventOf } from '../../core/protocol/trainerEvents';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `[#####.....] 120/500 loss 0.4312 lr 1.0e-3 12.3 steps/s ETA 31s` */
export function progressLine(e: TrainerEventOf<'step'>, columns: number): string {
  const stats = ` ${e.step}/${e.maxSteps} loss ${e.loss.toFixed(4)} lr ${e.lr.toExponential(2)} ${e.stepsPerSec.toFixed(1)} steps/s ETA ${e.etaSec === null ? '?' : formatDuration(e.etaSec)}`;
  const width = Math.max(10, Math.min(30, columns - stats.length - 3));
  const filled = Math.round((width * e.step) / e.maxSteps);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]${stats}`;
}

export function formatEvent(e: TrainerEvent): string {
  switch (e.type) {
    case 'started': {
      const skipped = e.backend.skipped.map((s) => `\n  skipped ${s.name}: ${s.reason}`).join('');
      return `training ${e.configPath} -> ${e.runDir} (steps ${e.startStep}..${e.maxSteps}, pid ${e.pid})\nbackend ${e.backend.name}: ${e.backend.reason}${skipped}`;
    }
    case 'step':
      return `step ${e.step}/${e.maxSteps} epoch ${e.epoch} loss ${e.loss.toFixed(4)} lr ${e.lr.toExponential(3)} ${e.stepsPerSec.toFixed(1)} steps/s ${Math.round(e.examplesPerSec)} ex/s ETA ${e.etaSec === null ? '?' : formatDuration(e.etaSec)}`;
    case 'checkpoint_saved':
      return `saved ${e.name} (${formatBytes(e.bytes)}, paused ${e.blockingMs.toFixed(0)} ms, ${e.durationMs.toFixed(0)} ms total)${e.deleted.length ? `; removed ${e.deleted.join(', ')}` : ''}`;
    case 'evaluated': {
      const accuracy =
        e.metrics.eval_accuracy === undefined ? '' : ` eval_accuracy ${e.metrics.eval_accuracy.toFixed(4)}`;
      return `eval at step ${e.step}: eval_loss ${e.metrics.eval_loss === null ? 'not finite' : e.metrics.eval_loss.toFixed(4)}${accuracy} (${e.examples} examples, ${e.durationMs.toFixed(0)} ms)`;
    }
    case 'resumed':
      return `resumed from ${e.path} at step ${e.step} (optimizer ${e.restoredOptimizer ? 'restored' : 'fresh'}, scheduler ${e.restoredScheduler ? 'restored' : 'fresh'})${e.skipped.map((s) => `\n  skipped ${s.path}: ${s.reason}`).join('')}`;
    case 'warning':
      return `warning: ${e.message}`;
    case 'finished':
      return `${e.status} at step ${e.step}${e.loss === null ? '' : `, loss ${e.loss.toFixed(4)}`}, ${formatDuration(e.durationMs / 1000)}`;
    case 'failed':
      return `failed (${e.kind}): ${e.message}`;
  }
}
