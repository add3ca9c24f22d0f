/**
 * What the tree shows under a checkpoint: Optimizer, Scheduler, Trainer, Model and Files, each
 * with a one-line description and details beneath; state that was not saved says so. Built from
 * the checkpoint engine's inspection; vscode-free so the wording is unit-tested.
 */
import type { OptimizerSummary, SchedulerState, TrainerState } from '../../core/checkpoint/types';
import { MODEL_FILE } from '../../core/checkpoint/layout';
import { formatBytes, formatCount, formatValue } from '../../core/format';

export interface CheckpointDetailsInput {
  optimizer: OptimizerSummary | null;
  scheduler: SchedulerState | null;
  trainerState: TrainerState | null;
  model: { parameters: number; bytes: number } | null;
  files: Array<{ path: string; size: number }>;
}

export interface DetailNode {
  label: string;
  description: string;
  tooltip?: string;
  children: DetailNode[];
  /** A file this node stands for, relative to the checkpoint folder: clicking the node opens it. */
  file?: string;
  /** A safetensors file (relative to the checkpoint folder) whose tensors are listed under this node. */
  tensorsFrom?: string;
}

const leaf = (label: string, description: string): DetailNode => ({ label, description, children: [] });
const NOT_SAVED = 'not saved';

export function checkpointDetailNodes(input: CheckpointDetailsInput): DetailNode[] {
  return [
    optimizerNode(input.optimizer),
    schedulerNode(input.scheduler),
    trainerNode(input.trainerState),
    modelNode(input.model),
    filesNode(input.files),
  ];
}

/** "m, v for 6 variables, 2.6 MB" */
export function describeSlots(o: OptimizerSummary): string {
  if (o.slotKinds.length === 0) return `no slots, ${formatBytes(o.bytes)}`;
  return `${o.slotKinds.join(', ')} for ${o.variables} variable${o.variables === 1 ? '' : 's'}, ${formatBytes(o.bytes)}`;
}

function optimizerNode(o: OptimizerSummary | null): DetailNode {
  if (!o)
    return {
      ...leaf('Optimizer', NOT_SAVED),
      tooltip: 'Optimizer state was not saved (save_optimizer_state: false): a resume starts the optimizer fresh.',
    };
  const hyper = Object.entries(o.hyperparameters).map(([k, v]) =>
    leaf(k, typeof v === 'number' ? formatValue(v) : String(v)),
  );
  return {
    label: 'Optimizer',
    description: `${o.type} · ${formatCount(o.iterations)} steps · ${describeSlots(o)}`,
    children: [
      leaf('type', o.type),
      leaf('iterations', formatCount(o.iterations)),
      ...hyper,
      leaf('state slots', describeSlots(o)),
    ],
  };
}

function schedulerNode(s: SchedulerState | null): DetailNode {
  if (!s)
    return { ...leaf('Scheduler', NOT_SAVED), tooltip: 'Scheduler state was not saved (save_scheduler_state: false).' };
  const config = Object.entries(s.config).map(([k, v]) => leaf(k, typeof v === 'number' ? formatValue(v) : String(v)));
  return {
    label: 'Scheduler',
    description: `${s.type} · step ${formatCount(s.step)} · lr ${formatValue(s.last_lr)} → next ${formatValue(s.next_lr)}`,
    children: [
      leaf('type', s.type),
      leaf('step', formatCount(s.step)),
      leaf('current lr', formatValue(s.last_lr)),
      leaf('next lr', formatValue(s.next_lr)),
      ...config,
    ],
  };
}

function trainerNode(t: TrainerState | null): DetailNode {
  if (!t) return leaf('Trainer', NOT_SAVED);
  const best = t.best_metric_name
    ? `${t.best_metric_name} ${formatValue(t.best_metric)}${t.best_checkpoint ? ` (${t.best_checkpoint})` : ''}`
    : 'not tracked';
  return {
    label: 'Trainer',
    description: `step ${formatCount(t.global_step)} · epoch ${t.epoch} · loss ${formatValue(t.loss)}`,
    children: [
      leaf('global step', formatCount(t.global_step)),
      leaf('epoch', String(t.epoch)),
      leaf('data position', JSON.stringify(t.data_position)),
      leaf('loss', formatValue(t.loss)),
      leaf('best metric', best),
    ],
  };
}

function modelNode(m: CheckpointDetailsInput['model']): DetailNode {
  if (!m) return leaf('Model', NOT_SAVED);
  return {
    label: 'Model',
    description: `${formatCount(m.parameters)} parameters · ${formatBytes(m.bytes)}`,
    children: [],
    tensorsFrom: MODEL_FILE,
  };
}

function filesNode(files: CheckpointDetailsInput['files']): DetailNode {
  if (files.length === 0) return leaf('Files', 'none listed');
  const total = files.reduce((sum, f) => sum + f.size, 0);
  return {
    label: 'Files',
    description: `${files.length} files · ${formatBytes(total)}`,
    children: files.map((f) => ({ ...leaf(f.path, formatBytes(f.size)), file: f.path })),
  };
}
