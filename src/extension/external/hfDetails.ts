/**
 * What the tree shows under a Hugging Face checkpoint: Optimizer, Scheduler, Trainer, RNG, Model
 * and Files, in the same shape as native checkpoints (DetailNode). What optimizer.pt and
 * scheduler.pt do not record (their classes, the next learning rate) is said to be inferred or
 * unknown; files that are absent say "not saved", files that could not be read say why.
 * vscode-free so the wording is unit-tested.
 */
import type { HfCheckpointInspection } from '../../core/hf/checkpoints';
import type { HfFile } from '../../core/hf/checkpointFolder';
import { HF_SAFE_WEIGHTS } from '../../core/hf/layout';
import type { DetailNode } from '../model/checkpointDetails';
import { describeSlots } from '../model/checkpointDetails';
import { formatBytes, formatCount, formatValue } from '../../core/format';

const leaf = (label: string, description: string, tooltip?: string): DetailNode => ({
  label,
  description,
  children: [],
  ...(tooltip ? { tooltip } : {}),
});
const NOT_SAVED = 'not saved';
const show = (v: number | boolean | string | null): string => (typeof v === 'number' ? formatValue(v) : String(v));

export function hfCheckpointDetailNodes(c: HfCheckpointInspection): DetailNode[] {
  return [optimizerNode(c), schedulerNode(c), trainerNode(c), rngNode(c), modelNode(c), filesNode(c.files.all)];
}

function unreadReason(c: HfCheckpointInspection, file: string): string | undefined {
  return c.unread.find((u) => u.startsWith(file));
}

function optimizerNode(c: HfCheckpointInspection): DetailNode {
  if (!c.hasOptimizerFile) return leaf('Optimizer', NOT_SAVED, 'No optimizer.pt: a resume starts the optimizer fresh.');
  const o = c.optimizer;
  if (!o) {
    const why = unreadReason(c, 'optimizer.pt') ?? 'optimizer.pt is empty';
    return {
      ...leaf('Optimizer', `optimizer.pt ${formatBytes(c.files.optimizer?.size ?? 0)} · not read`, why),
      children: [leaf('reason', why)],
    };
  }
  const groups = o.paramGroups.map((group, i) => ({
    label: o.paramGroups.length === 1 ? 'hyper-parameters' : `param group ${i}`,
    description: Object.entries(group)
      .map(([k, v]) => `${k} ${show(v)}`)
      .join(' · '),
    children: Object.entries(group).map(([k, v]) => leaf(k, show(v))),
  }));
  return {
    label: 'Optimizer',
    description: `${o.type} (inferred) · ${formatCount(o.iterations)} steps · ${describeSlots(o)}`,
    children: [
      leaf(
        'type',
        `${o.type} (inferred from ${o.typeInferredFrom})`,
        o.typeNote ?? 'optimizer.pt does not record the optimizer class.',
      ),
      leaf(
        'iterations',
        `${formatCount(o.iterations)}${o.iterationsSource === 'fallback' ? ' (from trainer_state: optimizer.pt has no step)' : ''}`,
      ),
      ...groups,
      leaf('state slots', describeSlots(o)),
    ],
  };
}

function schedulerNode(c: HfCheckpointInspection): DetailNode {
  if (!c.hasSchedulerFile)
    return leaf('Scheduler', NOT_SAVED, 'No scheduler.pt: a resume restarts the learning-rate schedule.');
  const s = c.scheduler;
  if (!s) {
    const why = unreadReason(c, 'scheduler.pt') ?? 'scheduler.pt is empty';
    return {
      ...leaf('Scheduler', `scheduler.pt ${formatBytes(c.files.scheduler?.size ?? 0)} · not read`, why),
      children: [leaf('reason', why)],
    };
  }
  const config = Object.entries(s.config).map(([k, v]) => leaf(k, show(v)));
  return {
    label: 'Scheduler',
    description: `${s.type} (inferred) · step ${formatCount(s.step)} · lr ${formatValue(s.last_lr)}`,
    children: [
      leaf(
        'type',
        `${s.type} (inferred from ${s.typeInferredFrom})`,
        'scheduler.pt does not record the scheduler class.',
      ),
      leaf('step', formatCount(s.step)),
      leaf('current lr', s.lastLrs.length > 1 ? s.lastLrs.map(formatValue).join(', ') : formatValue(s.last_lr)),
      leaf('base lr', s.baseLrs.map(formatValue).join(', ') || '—'),
      leaf(
        'next lr',
        'unknown',
        'A saved torch scheduler does not store its schedule function (Hugging Face schedules are LambdaLR).',
      ),
      ...config,
    ],
  };
}

function trainerNode(c: HfCheckpointInspection): DetailNode {
  const t = c.trainerState;
  if (!t) return leaf('Trainer', 'trainer_state.json missing or unreadable');
  const losses = t.log_history.filter((e) => typeof e.loss === 'number');
  const loss = losses[losses.length - 1]?.loss ?? null;
  const best = c.bestModelCheckpoint ? `${formatValue(c.bestMetric)} (${c.bestModelCheckpoint})` : 'not tracked';
  return {
    label: 'Trainer',
    description: `step ${formatCount(t.global_step)} · epoch ${t.epoch !== null && t.epoch !== undefined ? formatValue(t.epoch) : '—'} · loss ${formatValue(loss)}`,
    children: [
      leaf('global step', formatCount(t.global_step)),
      leaf('epoch', t.epoch !== null && t.epoch !== undefined ? String(t.epoch) : '—'),
      ...(t.max_steps ? [leaf('max steps', formatCount(t.max_steps))] : []),
      leaf('loss', formatValue(loss)),
      leaf('best metric', best),
      leaf('log entries', formatCount(t.log_history.length)),
    ],
  };
}

function rngNode(c: HfCheckpointInspection): DetailNode {
  const rng = c.files.rng;
  if (rng.length === 0)
    return leaf('RNG', NOT_SAVED, 'No rng_state*.pth: a resume cannot continue the random streams exactly.');
  const perRank = rng.length > 1 || rng[0]?.name !== 'rng_state.pth';
  return {
    label: 'RNG',
    description: `${rng.length} file${rng.length === 1 ? '' : 's'}${perRank ? ` (one per rank)` : ''} · ${formatBytes(total(rng))}`,
    children: rng.map((f) => leaf(f.name, formatBytes(f.size))),
  };
}

function modelNode(c: HfCheckpointInspection): DetailNode {
  if (!c.weights) return leaf('Model', NOT_SAVED);
  const files = c.files.weights;
  const scaler = c.files.scaler ? [leaf('scaler.pt', formatBytes(c.files.scaler.size))] : [];
  return {
    label: 'Model',
    description: `${c.weights} · ${formatBytes(total(files))}${c.hasScaler ? ' · AMP scaler' : ''}`,
    children: [...files.map((f) => leaf(f.name, formatBytes(f.size))), ...scaler],
    ...(files.some((f) => f.name === HF_SAFE_WEIGHTS) ? { tensorsFrom: HF_SAFE_WEIGHTS } : {}),
  };
}

function filesNode(files: HfFile[]): DetailNode {
  if (files.length === 0) return leaf('Files', 'none');
  return {
    label: 'Files',
    description: `${files.length} files · ${formatBytes(total(files))}`,
    children: files.map((f) => ({ ...leaf(f.name, formatBytes(f.size)), file: f.name })),
  };
}

function total(files: HfFile[]): number {
  return files.reduce((sum, f) => sum + f.size, 0);
}

/** Short marks for a Hugging Face checkpoint's row in the tree: "HF", ranks, missing state. */
export function hfCheckpointBadges(c: {
  rngFiles: number;
  hasOptimizerFile: boolean;
  hasSchedulerFile: boolean;
}): string[] {
  const marks = ['HF'];
  if (c.rngFiles > 1) marks.push(`${c.rngFiles} ranks`);
  if (!c.hasOptimizerFile) marks.push('no optimizer');
  if (!c.hasSchedulerFile) marks.push('no scheduler');
  return marks;
}
