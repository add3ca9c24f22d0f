/**
 * A run folder's `run.json`: the one schema, the one writer and the one reader, shared by the
 * built-in trainer, the external-trainer launcher and the extension.
 *
 * Written atomically (temporary file, then rename) on each status change. Read leniently: the tree
 * must still show a run whose record is old, partial or being rewritten, so unknown fields are kept
 * and a broken file becomes a problem string, not a throw. Files written before this schema still
 * read: `started`/`ended` (external runs) for `started_at`/`ended_at`, and `configPath` for
 * `config_path`.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as z from 'zod';
import { readBoundedText } from '../limits/boundedFile';
import { READ_LIMITS } from '../limits/readLimits';
import { RECORDED_RUN_STATUSES, type RecordedRunStatus } from './status';

export const RUN_RECORD_FILE = 'run.json';
/** The append-only training log next to run.json (one JSON object a line). */
export const METRICS_FILE = 'metrics.jsonl';

const isoTime = z.string().nullable();

/** What a writer puts in run.json: these fields always, plus any extra ones of its own. */
export const runRecordFileSchema = z.looseObject({
  status: z.enum(RECORDED_RUN_STATUSES),
  /** Null for a cluster job: its processes run on other machines. */
  pid: z.number().int().nullable(),
  name: z.string(),
  /** The config the run was started with: Resume starts from it again. */
  config_path: z.string(),
  started_at: isoTime,
  ended_at: isoTime,
  error: z.string().nullable(),
  resumed_from: z.string().nullable(),
  /** The last step the trainer recorded, and the step it will stop at; absent when the writer cannot tell. */
  step: z.number().int().optional(),
  max_steps: z.number().int().optional(),
});
export type RunRecordFile = z.input<typeof runRecordFileSchema>;

/** Everything accepted on read: the written fields, optional, plus the older spellings. */
const runRecordReadSchema = z.looseObject({
  status: z.enum(RECORDED_RUN_STATUSES).optional(),
  pid: z.number().int().nullable().optional(),
  max_steps: z.number().int().optional(),
  name: z.string().optional(),
  config_path: z.string().optional(),
  configPath: z.string().optional(),
  config: z
    .looseObject({ config_path: z.string().optional(), name: z.string().optional(), max_steps: z.number().optional() })
    .optional(),
  step: z.number().int().optional(),
  started_at: isoTime.optional(),
  started: isoTime.optional(),
  ended_at: isoTime.optional(),
  ended: isoTime.optional(),
  backend: z.looseObject({ name: z.string().optional() }).nullable().optional(),
  error: z
    .union([z.string(), z.looseObject({ message: z.string().optional() })])
    .nullable()
    .optional(),
});

/** run.json as the extension uses it. */
export interface RunRecord {
  status: RecordedRunStatus | null;
  pid: number | null;
  name: string | null;
  configPath: string | null;
  maxSteps: number | null;
  /** The last step it recorded. */
  step: number | null;
  /** Epoch milliseconds; null when not recorded or unreadable. */
  startedAt: number | null;
  endedAt: number | null;
  backend: string | null;
  error: string | null;
}

export type RunRecordResult = { record: RunRecord | null; problem: string | null };

const timeOf = (iso: string | null | undefined): number | null => {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? t : null;
};

/** Writes run.json into `runDir` (created if needed) so that no reader ever sees half of it. */
export async function writeRunRecord(runDir: string, record: RunRecordFile): Promise<void> {
  const checked = runRecordFileSchema.parse(record);
  await mkdir(runDir, { recursive: true });
  const file = path.join(runDir, RUN_RECORD_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(checked, null, 2)}\n`);
  await rename(temp, file);
}

/** Reads run.json of `runDir`: no record (and no problem) when there is none. */
export async function readRunRecord(runDir: string): Promise<RunRecordResult> {
  const file = path.join(runDir, RUN_RECORD_FILE);
  let text: string;
  try {
    // Only a regular file of sane size: a FIFO would block the read, a huge file fill memory.
    text = await readBoundedText(file, READ_LIMITS.jsonFileBytes);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { record: null, problem: null };
    const message = (err as Error).message;
    return { record: null, problem: message.startsWith(file) ? message : `${file}: ${message}` };
  }
  return parseRunRecord(text, file);
}

/** Parses run.json's text; `file` names it in problems. */
export function parseRunRecord(text: string, file: string): RunRecordResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { record: null, problem: `${file}: not valid JSON (${(err as Error).message})` };
  }
  const parsed = runRecordReadSchema.safeParse(raw);
  if (!parsed.success) return { record: null, problem: `${file}: ${z.prettifyError(parsed.error)}` };
  const r = parsed.data;
  const error = typeof r.error === 'string' ? r.error : (r.error?.message ?? null);
  return {
    record: {
      status: r.status ?? null,
      pid: r.pid ?? null,
      name: r.name ?? r.config?.name ?? null,
      configPath: r.config_path ?? r.configPath ?? r.config?.config_path ?? null,
      maxSteps: r.max_steps ?? r.config?.max_steps ?? null,
      step: r.step ?? null,
      startedAt: timeOf(r.started_at ?? r.started),
      endedAt: timeOf(r.ended_at ?? r.ended),
      backend: r.backend?.name ?? null,
      error,
    },
    problem: null,
  };
}
