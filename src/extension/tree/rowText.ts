/**
 * The words of the Runs tree's rows: a run's status, loss, steps and duration, a checkpoint's
 * loss, optimizer, learning rate and age, and their tooltips. The essentials come first so a
 * default-width sidebar shows them. vscode-free so the wording is unit-tested.
 */
import { formatAge, formatCount, formatDuration, formatValue } from '../../core/format';
import type { RunNotes } from '../../core/runsTable/runNotes';
import type { CheckpointView, ClusterJobView, RunView } from '../store/runView';

/**
 * The checkpoint row's loss is the trainer's mean over the steps since the previous save; the chart
 * and the status bar show the last step's value. Both say which they are.
 */
export const CHECKPOINT_LOSS_LABEL = 'mean loss';
export const CHECKPOINT_LOSS_TOOLTIP =
  "Mean training loss over the steps since the previous save (the chart and the status bar show the last step's loss).";

/** When the run last did something: its newest checkpoint, or its start. */
export function lastActivity(run: RunView): number {
  return Math.max(
    run.record?.endedAt ?? 0,
    run.record?.startedAt ?? 0,
    run.live?.startedAt ?? 0,
    ...run.checkpoints.map((c) => c.mtimeMs),
  );
}

/** Runs by their last activity, newest first (ties by folder). */
export function newestFirst(runs: readonly RunView[]): RunView[] {
  return [...runs].sort((a, b) => lastActivity(b) - lastActivity(a) || a.dir.localeCompare(b.dir));
}

export function stepsOf(run: RunView): { step: number; maxSteps: number | null } | null {
  if (run.live) return { step: run.live.step, maxSteps: run.live.maxSteps };
  const step = run.record?.step ?? run.checkpoints.find((c) => c.step !== null)?.step ?? null;
  return step === null ? null : { step, maxSteps: run.record?.maxSteps ?? null };
}

function lossOf(run: RunView): { value: number; label: string } | null {
  if (run.live?.loss != null) return { value: run.live.loss, label: 'loss' };
  const newest = run.checkpoints.find((c) => c.valid && c.loss !== null);
  return newest?.loss != null ? { value: newest.loss, label: CHECKPOINT_LOSS_LABEL } : null;
}

export function durationOf(run: RunView, nowMs: number): number | null {
  const start = run.live?.startedAt ?? run.record?.startedAt ?? null;
  if (start === null) return null;
  const end = run.live ? nowMs : (run.record?.endedAt ?? null);
  return end === null || end < start ? null : (end - start) / 1000;
}

/** A Slurm job's state for the run row: "pending (job 12, Resources)", "running (job 12, restart 1)". */
export function clusterJobWord(job: ClusterJobView): string {
  const details = [
    `job ${job.jobId}`,
    job.reason !== 'None' ? job.reason : null,
    job.restarts > 0 ? `restart ${job.restarts}` : null,
  ];
  return `${job.state.toLowerCase()} (${details.filter((d) => d !== null).join(', ')})`;
}

/** The row's first word: a cluster job's state while this window follows it, else the run's status. */
function statusWord(run: RunView): string | null {
  if (run.status === 'training' && run.clusterJob) return clusterJobWord(run.clusterJob);
  return run.status === 'unknown' ? null : run.status;
}

/** "finished · 500/500 · loss 0.41 · 2 min 5 s" (status first; then what is known). */
export function runDescription(run: RunView, nowMs: number = Date.now()): string {
  const steps = stepsOf(run);
  const loss = lossOf(run);
  const duration = durationOf(run, nowMs);
  return [
    statusWord(run),
    run.unreadable !== undefined ? `unreadable: ${run.unreadable}` : null,
    steps ? `${formatCount(steps.step)}${steps.maxSteps ? `/${formatCount(steps.maxSteps)}` : ''}` : null,
    loss ? `${loss.label} ${formatValue(loss.value)}` : null,
    duration !== null ? formatDuration(duration) : null,
  ]
    .filter((p) => p !== null)
    .join(' · ');
}

/** The best checkpoint's value of the metric that chose it (metric_for_best_model), when known. */
export interface BestMetricValue {
  name: string;
  value: number;
}

export function runTooltip(
  run: RunView,
  nowMs: number = Date.now(),
  bestMetric: BestMetricValue | null = null,
): string {
  const lines = [run.dir, `Status: ${run.status}${run.statusDetail ? ` (${run.statusDetail})` : ''}`];
  if (run.status === 'training' && run.clusterJob) lines.push(`Slurm: ${clusterJobWord(run.clusterJob)}`);
  if (run.record?.configPath) lines.push(`Config: ${run.record.configPath}`);
  if (run.record?.backend) lines.push(`Backend: ${run.record.backend}`);
  const start = run.live?.startedAt ?? run.record?.startedAt ?? null;
  if (start !== null) lines.push(`Started: ${new Date(start).toLocaleString()}`);
  const duration = durationOf(run, nowMs);
  if (duration !== null) lines.push(`Duration: ${formatDuration(duration)}`);
  const steps = stepsOf(run);
  if (steps)
    lines.push(`Steps: ${formatCount(steps.step)}${steps.maxSteps ? ` of ${formatCount(steps.maxSteps)}` : ''}`);
  if (run.live?.etaSec != null) lines.push(`ETA: ${formatDuration(run.live.etaSec)}`);
  const best = run.checkpoints.find((c) => c.best);
  if (best) {
    const values = [
      bestMetric ? `${bestMetric.name} ${formatValue(bestMetric.value)}` : null,
      best.loss !== null ? `${CHECKPOINT_LOSS_LABEL} ${formatValue(best.loss)}` : null,
    ].filter((v) => v !== null);
    lines.push(`Best checkpoint: ${best.name}${values.length > 0 ? ` (${values.join('; ')})` : ''}`);
  }
  lines.push(`${run.checkpoints.length} checkpoint(s)`);
  return lines.join('\n');
}

/** The run's notes for its tooltip: name, tags, the notes (first lines), or why they are unreadable; '' for none. */
export function notesTooltip(notes: RunNotes, problem: string | null = null, maxLines = 8): string {
  const lines: string[] = [];
  if (notes.displayName) lines.push(`Name: ${notes.displayName}`);
  if (notes.tags.length > 0) lines.push(`Tags: ${notes.tags.join(', ')}`);
  const text = notes.notes.trim().split('\n');
  if (text[0]) lines.push(`Notes: ${text.slice(0, maxLines).join('\n')}${text.length > maxLines ? '\n…' : ''}`);
  if (problem) lines.push(`Notes unreadable: ${problem}`);
  return lines.join('\n');
}

/** The learning rate in effect when the checkpoint was saved: the scheduler's, else the optimizer's. */
export function checkpointLearningRate(c: CheckpointView): number | null {
  if (c.scheduler && Number.isFinite(c.scheduler.last_lr)) return c.scheduler.last_lr;
  const lr = c.optimizer?.hyperparameters.learning_rate ?? c.optimizer?.hyperparameters.lr;
  return typeof lr === 'number' ? lr : null;
}

/**
 * "mean loss 0.41 · adam lr 5.00e-4 · 3 min ago · latest" plus marks (latest, best, invalid). The
 * row's label (checkpoint-500) already says the step, so the description leads with what tells
 * checkpoints apart and what a default-width sidebar cuts off last: loss, optimizer and learning
 * rate, then age. The step is said only when the folder's name does not say it.
 */
export function checkpointDescription(
  c: CheckpointView,
  extraMarks: readonly string[] = [],
  nowMs: number = Date.now(),
): string {
  const lr = checkpointLearningRate(c);
  const optimizer = c.optimizer
    ? `${c.optimizer.type}${lr !== null ? ` lr ${formatValue(lr)}` : ''}`
    : lr !== null
      ? `lr ${formatValue(lr)}`
      : null;
  const parts = [
    c.step !== null && c.name !== `checkpoint-${c.step}` ? `step ${formatCount(c.step)}` : null,
    c.loss !== null ? `${CHECKPOINT_LOSS_LABEL} ${formatValue(c.loss)}` : null,
    optimizer,
    formatAge(c.mtimeMs, nowMs),
  ];
  return [...parts.filter((p) => p !== null), ...checkpointMarks(c), ...extraMarks].join(' · ');
}

export function checkpointMarks(c: CheckpointView): string[] {
  return [c.latest ? 'latest' : null, c.best ? 'best' : null, c.valid ? null : 'invalid'].filter((m) => m !== null);
}
