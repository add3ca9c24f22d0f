/**
 * What the runs table shows beyond the run model: the merged config (run.json's `config`, or a
 * Hugging Face trainer state's hyper-parameters), the last logged train loss and eval metrics (the
 * tail of metrics.jsonl, or the trainer state's log_history), the best metric and its checkpoint
 * (the trainer state: `best_metric`/`best_model_checkpoint` as Hugging Face names them, or the
 * native `best_metric_name`/`best_checkpoint`), and the folder's size. Every read is async and
 * bounded (file sizes, bytes of the tail, entries walked), so a huge run folder costs a bounded time.
 */
import { open, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { mapLimited } from '../checkpoint/concurrency';
import { readTrainerState } from '../hf/trainerState';
import { readBoundedText } from '../limits/boundedFile';
import type { ConfigValue } from '../protocol/runsTable';
import { flattenConfig } from './flattenConfig';

export const FACT_LIMITS = {
  runJsonBytes: 1024 * 1024,
  metricsTailBytes: 256 * 1024,
  diskEntries: 20_000,
  diskConcurrency: 8,
} as const;

export interface BestMetric {
  name: string | null;
  value: number | null;
  checkpoint: string | null;
}

export interface RunFacts {
  /** run.json's `trainer` field ('external' for runs the extension launched as a command). */
  trainer: string | null;
  config: Record<string, ConfigValue>;
  finalLoss: number | null;
  bestMetric: BestMetric | null;
  diskBytes: number;
  diskBytesPartial: boolean;
  problems: string[];
}

/** `newestCheckpoint`: the newest valid checkpoint folder, whose trainer_state.json is read. */
export async function readRunFacts(runDir: string, newestCheckpoint: string | null): Promise<RunFacts> {
  const problems: string[] = [];
  const [record, tail, state, disk] = await Promise.all([
    readRecord(runDir, problems),
    readMetricsTail(join(runDir, 'metrics.jsonl')),
    newestCheckpoint
      ? readTrainerState(join(newestCheckpoint, 'trainer_state.json')).catch(() => null)
      : Promise.resolve(null),
    folderSize(runDir),
  ]);
  const raw = state as (Record<string, unknown> & { log_history: Array<Record<string, unknown>> }) | null;
  const config =
    record?.config !== undefined ? flattenConfig(record.config) : raw ? flattenConfig(hfHyperParameters(raw)) : {};
  const loggedLoss = raw
    ? [...raw.log_history].reverse().find((e) => typeof e['loss'] === 'number')?.['loss']
    : undefined;
  return {
    trainer: typeof record?.trainer === 'string' ? record.trainer : null,
    config,
    finalLoss: tail.loss ?? (typeof loggedLoss === 'number' ? loggedLoss : null),
    bestMetric: bestFromState(raw) ?? tail.bestEval,
    diskBytes: disk.bytes,
    diskBytesPartial: disk.partial,
    problems,
  };
}

async function readRecord(runDir: string, problems: string[]): Promise<Record<string, unknown> | null> {
  const file = join(runDir, 'run.json');
  try {
    const parsed: unknown = JSON.parse(await readBoundedText(file, FACT_LIMITS.runJsonBytes));
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') problems.push(`${file}: ${(err as Error).message}`);
    return null;
  }
}

/** A Hugging Face trainer state's run-level settings (transformers writes them beside log_history). */
function hfHyperParameters(state: Record<string, unknown>): Record<string, unknown> {
  const keys = ['max_steps', 'num_train_epochs', 'train_batch_size', 'logging_steps', 'eval_steps', 'save_steps'];
  return Object.fromEntries(keys.filter((k) => state[k] !== undefined).map((k) => [k, state[k]]));
}

/** The best metric a trainer state records (either format): its name when the state says it, value and checkpoint. */
export function bestFromState(state: Record<string, unknown> | null): BestMetric | null {
  if (!state) return null;
  const value = state['best_metric'];
  const checkpoint = state['best_model_checkpoint'] ?? state['best_checkpoint'];
  if (typeof value !== 'number' && typeof checkpoint !== 'string') return null;
  const name = state['best_metric_name'] ?? state['metric_for_best_model'];
  return {
    name: typeof name === 'string' ? name : null,
    value: typeof value === 'number' ? value : null,
    checkpoint: typeof checkpoint === 'string' ? basename(checkpoint) : null,
  };
}

interface MetricsTail {
  loss: number | null;
  /** The lowest eval_loss among the tail's rows (no checkpoint: rows do not name one). */
  bestEval: BestMetric | null;
}

/** The last train loss and eval rows in the file's last bytes; a half-written last line is skipped. */
async function readMetricsTail(file: string): Promise<MetricsTail> {
  let text: string;
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, FACT_LIMITS.metricsTailBytes);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      text = buffer.toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return { loss: null, bestEval: null };
  }
  let loss: number | null = null;
  let bestEval: BestMetric | null = null;
  for (const line of text.split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (loss === null && typeof row['loss'] === 'number') loss = row['loss'];
    const evalLoss = row['eval_loss'];
    if (typeof evalLoss === 'number' && (bestEval === null || evalLoss < (bestEval.value ?? Infinity)))
      bestEval = { name: 'eval_loss', value: evalLoss, checkpoint: null };
  }
  return { loss, bestEval };
}

/** Bytes of the files under `dir`, walking at most FACT_LIMITS.diskEntries entries (then partial). */
export async function folderSize(dir: string): Promise<{ bytes: number; partial: boolean }> {
  let bytes = 0;
  let seen = 0;
  let partial = false;
  let level = [dir];
  while (level.length > 0 && !partial) {
    const next: string[] = [];
    await mapLimited(level, FACT_LIMITS.diskConcurrency, async (folder) => {
      if (partial) return;
      const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (++seen > FACT_LIMITS.diskEntries) {
          partial = true;
          return;
        }
        const path = join(folder, entry.name);
        if (entry.isDirectory()) next.push(path);
        else if (entry.isFile())
          bytes += await stat(path).then(
            (s) => s.size,
            () => 0,
          );
      }
    });
    level = next;
  }
  return { bytes, partial };
}
