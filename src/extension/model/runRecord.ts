/**
 * Reads a run folder's `run.json` (written by the trainer: status, pid, config snapshot, backend,
 * times). Read leniently: the tree must still show a run whose record is old, partial or being
 * rewritten, so unknown fields are kept and a broken file becomes a problem string, not a throw.
 */
import * as path from 'node:path';
import { z } from 'zod';
import { readBoundedText } from '../../core/limits/boundedFile';
import { READ_LIMITS } from '../../core/limits/readLimits';

export const RUN_RECORD_FILE = 'run.json';

export type RecordedStatus = 'training' | 'finished' | 'stopped' | 'failed';

const runRecordSchema = z.looseObject({
  status: z.enum(['training', 'finished', 'stopped', 'failed']).optional(),
  pid: z.number().int().optional(),
  max_steps: z.number().int().optional(),
  name: z.string().optional(),
  config_path: z.string().optional(),
  configPath: z.string().optional(),
  config: z.looseObject({ config_path: z.string().optional(), name: z.string().optional(), max_steps: z.number().optional() }).optional(),
  step: z.number().int().optional(),
  started_at: z.string().nullable().optional(),
  ended_at: z.string().nullable().optional(),
  backend: z.looseObject({ name: z.string().optional() }).nullable().optional(),
  error: z.union([z.string(), z.looseObject({ message: z.string().optional() })]).nullable().optional(),
});

export interface RunRecord {
  status: RecordedStatus | null;
  pid: number | null;
  name: string | null;
  /** The config the run was started with: Resume starts from it again. */
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

const timeOf = (iso: string | null | undefined): number | null => {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? t : null;
};

export type RunRecordResult = { record: RunRecord | null; problem: string | null };

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
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { record: null, problem: `${file}: not valid JSON (${(err as Error).message})` };
  }
  const parsed = runRecordSchema.safeParse(raw);
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
      startedAt: timeOf(r.started_at),
      endedAt: timeOf(r.ended_at),
      backend: r.backend?.name ?? null,
      error,
    },
    problem: null,
  };
}
