/**
 * The contract between the runs table's host (src/extension/runsTable) and its webview
 * (webview/runsTable). Both ends validate every message and log-and-ignore anything that does not
 * match. Order: the webview posts `ready`; the host answers with `init` (every row), then sends
 * `rows` (changed rows and removed run folders, batched) as runs change.
 */
import * as z from 'zod';
import { NOTES_LIMITS } from '../runsTable/notesSchema';

const runDir = z.string().min(1);
/** A flattened config value: what a table cell can show and compare. */
export const configValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type ConfigValue = z.infer<typeof configValueSchema>;

export const runKindSchema = z.enum(['native', 'huggingface', 'external']);

export const runRowSchema = z.object({
  runDir,
  /** The display name from the run's notes, else the folder name. */
  name: z.string(),
  folder: z.string(),
  kind: runKindSchema,
  status: z.string(),
  /** Epoch milliseconds. */
  startedAt: z.number().nullable(),
  durationSec: z.number().nullable(),
  steps: z.number().nullable(),
  maxSteps: z.number().nullable(),
  backend: z.string().nullable(),
  finalLoss: z.number().nullable(),
  /** From the trainer state (`best_metric`, `best_model_checkpoint`) or the eval_* rows of metrics.jsonl. */
  bestMetric: z
    .object({ name: z.string().nullable(), value: z.number().nullable(), checkpoint: z.string().nullable() })
    .nullable(),
  checkpointsKept: z.number().int().nonnegative(),
  /** Bytes under the run folder; null until counted. */
  diskBytes: z.number().nullable(),
  /** The count stopped at its bound: the folder holds at least diskBytes. */
  diskBytesPartial: z.boolean(),
  notes: z.string().max(NOTES_LIMITS.notesChars),
  tags: z.array(z.string()),
  /** The merged config, flattened to dotted keys. */
  config: z.record(z.string(), configValueSchema),
  problems: z.array(z.string()),
  /** Set while the run's config, metrics tail, size and notes are still being read (they follow in `rows`). */
  detailsPending: z.boolean().optional(),
});
export type RunRow = z.infer<typeof runRowSchema>;

export const runsTableStateSchema = z.object({
  sortColumn: z.string().default('started'),
  sortDescending: z.boolean().default(true),
  filter: z.string().max(500).default(''),
  showAllColumns: z.boolean().default(false),
  selected: z.array(runDir).default([]),
});
export type RunsTableState = z.infer<typeof runsTableStateSchema>;

export const tableHostToWebviewSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('init'), rows: z.array(runRowSchema) }),
  z.object({ type: z.literal('rows'), changed: z.array(runRowSchema), removed: z.array(runDir) }),
  /** The outcome of an action the webview asked for (saved notes, a refused delete ...). */
  z.object({ type: z.literal('notice'), level: z.enum(['info', 'error']), message: z.string() }),
]);
export type TableHostToWebview = z.infer<typeof tableHostToWebviewSchema>;

/** Runs "Compare curves" overlays at once (the loss-curves panel's palette repeats beyond it). */
export const MAX_COMPARED_RUNS = 8;

export const tableWebviewToHostSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  /** The rows of `init` are on screen: the host starts reading the details it still lacks (not before,
   * so those reads do not compete with the first paint). */
  z.object({ type: z.literal('painted') }),
  z.object({ type: z.literal('compare'), runDirs: z.array(runDir).min(1).max(MAX_COMPARED_RUNS) }),
  z.object({ type: z.literal('saveNotes'), runDir, notes: z.string(), tags: z.array(z.string()) }),
  z.object({ type: z.literal('rename'), runDir }),
  z.object({ type: z.literal('delete'), runDir }),
  /** Export what the table shows: these runs in this order, these column ids. */
  z.object({ type: z.literal('exportCsv'), runDirs: z.array(runDir), columns: z.array(z.string().min(1)).min(1) }),
  z.object({ type: z.literal('log'), level: z.enum(['info', 'warn', 'error']), message: z.string().max(4000) }),
]);
export type TableWebviewToHost = z.infer<typeof tableWebviewToHostSchema>;

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };
function parseWith<T>(schema: z.ZodType<T>, raw: unknown): Parsed<T> {
  const r = schema.safeParse(raw);
  return r.success ? { ok: true, value: r.data } : { ok: false, error: z.prettifyError(r.error) };
}

export const parseTableHostToWebview = (raw: unknown): Parsed<TableHostToWebview> =>
  parseWith(tableHostToWebviewSchema, raw);
export const parseTableWebviewToHost = (raw: unknown): Parsed<TableWebviewToHost> =>
  parseWith(tableWebviewToHostSchema, raw);
export const parseRunsTableState = (raw: unknown): Parsed<RunsTableState> => parseWith(runsTableStateSchema, raw);
