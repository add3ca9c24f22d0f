/**
 * The contract between the loss-curves panel's host (src/extension/lossCurves) and its webview
 * (webview/src). Both ends validate every message with these schemas and log-and-ignore anything
 * that does not match. Non-finite numbers travel as null (messages are JSON).
 *
 * Order: the webview posts `ready` (with its plot width, for downsampling, and the metric it will
 * show); only then does the host post `init`, followed by live `points` / `resumed` / `checkpoints` /
 * `runState`. `init` carries the points of the shown metric only (and the loss curve), so the first
 * chart paints without waiting for the rest; every other metric is named in `metricNames` and its
 * points follow at once in one `metrics` message per run.
 */
import * as z from 'zod';
import { runStatusSchema } from '../run/status';

const runDir = z.string().min(1);
const step = z.number().int().nonnegative();
const maybeNumber = z.number().nullable();

export const seriesSchema = z
  .object({
    steps: z.array(z.number()),
    loss: z.array(maybeNumber),
    lr: z.array(maybeNumber),
    /** Wall time of each point, seconds since the epoch (null: not recorded). */
    time: z.array(maybeNumber).optional(),
  })
  .refine(
    (s) =>
      s.loss.length === s.steps.length &&
      s.lr.length === s.steps.length &&
      (s.time?.length ?? s.steps.length) === s.steps.length,
    {
      message: 'steps, loss, lr and time must have the same length',
    },
  );
export type Series = z.infer<typeof seriesSchema>;

/** A metric other than loss and lr (throughput, eval_loss, a TensorBoard tag), on its own steps. */
export const scalarSeriesSchema = z
  .object({ steps: z.array(z.number()), values: z.array(maybeNumber), time: z.array(maybeNumber) })
  .refine((s) => s.values.length === s.steps.length && s.time.length === s.steps.length, {
    message: 'steps, values and time must have the same length',
  });
/** A metric's name: what the run logged (at most 200 characters). */
const metricName = z.string().min(1).max(200);
/** Metrics by name. */
export const scalarsSchema = z.record(metricName, scalarSeriesSchema);
export type Scalars = z.infer<typeof scalarsSchema>;

export const checkpointMarkerSchema = z.object({
  name: z.string(),
  path: z.string(),
  step: step.nullable(),
  valid: z.boolean(),
  latest: z.boolean(),
  best: z.boolean(),
  problems: z.array(z.string()),
  mtimeMs: z.number(),
});
export type CheckpointMarker = z.infer<typeof checkpointMarkerSchema>;

export const resumeMarkerSchema = z.object({ step, from: z.string(), time: z.number().nullable() });
export type ResumeMarkerMessage = z.infer<typeof resumeMarkerSchema>;

export const runSnapshotSchema = z.object({
  runDir,
  label: z.string(),
  state: runStatusSchema,
  series: seriesSchema,
  /** Points the host holds for this run; more than `series` carries when it was downsampled. */
  totalPoints: z.number().int().nonnegative(),
  checkpoints: z.array(checkpointMarkerSchema),
  resumes: z.array(resumeMarkerSchema),
  /** The points of the shown metric when it is not the loss or lr (downsampled like `series`). */
  scalars: scalarsSchema.optional(),
  /** Every metric the run logged besides loss and lr, sent or not (for the picker). */
  metricNames: z.array(metricName).optional(),
});
export type RunSnapshot = z.infer<typeof runSnapshotSchema>;

/** What the webview keeps with vscode.setState; the serializer reads runDirs back after a reload. */
export const panelStateSchema = z.object({
  runDirs: z.array(runDir),
  smoothing: z.number().min(0).max(0.999).default(0.6),
  /** The user's choice of loss axis; 'auto' (until they choose): log when the loss spans more than two decades. */
  logScale: z.union([z.boolean(), z.literal('auto')]).default('auto'),
  selectedRun: z.string().nullable().default(null),
  hiddenRuns: z.array(z.string()).default([]),
  /** The charted metric: 'loss' (with learning rate underneath), 'lr', or any logged metric's name. */
  metric: metricName.default('loss'),
  /** x axis: step, wall-clock time, or time since the run's first point. */
  xAxis: z.enum(['step', 'wall', 'relative']).default('step'),
});
export type PanelState = z.infer<typeof panelStateSchema>;

export const hostToWebviewSchema = z.discriminatedUnion('type', [
  /** `settings`: what this set of runs was last shown with, for a panel opened afresh (no saved state). */
  z.object({ type: z.literal('init'), runs: z.array(runSnapshotSchema), settings: panelStateSchema.optional() }),
  /** New live points for one run, in step order, batched; `scalars`: new points of other metrics. */
  z.object({ type: z.literal('points'), runDir, series: seriesSchema, scalars: scalarsSchema.optional() }),
  z.object({ type: z.literal('resumed'), runDir, marker: resumeMarkerSchema }),
  z.object({ type: z.literal('checkpoints'), runDir, checkpoints: z.array(checkpointMarkerSchema) }),
  z.object({ type: z.literal('runState'), runDir, state: runStatusSchema }),
  /** Export the chart as the panel's Export PNG / Export CSV buttons do (asked by a command or a test). */
  z.object({ type: z.literal('export'), format: z.enum(['png', 'csv']) }),
  /** Answer to requestRange: every point in [fromStep, toStep], or a downsample of them. */
  z.object({
    type: z.literal('range'),
    requestId: z.number().int(),
    runDir,
    fromStep: z.number(),
    toStep: z.number(),
    series: seriesSchema,
  }),
  /** Right after `init`: the points of the run's metrics that `init` only named (downsampled like it). */
  z.object({ type: z.literal('metrics'), runDir, scalars: scalarsSchema }),
]);
export type HostToWebview = z.infer<typeof hostToWebviewSchema>;

export const MAX_RANGE_POINTS = 20_000;
/** The largest chart export (PNG as base64, or CSV text) the host writes. */
export const MAX_EXPORT_CHARS = 64 * 1024 * 1024;
export type XAxisMode = PanelState['xAxis'];

export const webviewToHostSchema = z.discriminatedUnion('type', [
  /** `metric`: what the webview will show (its restored settings), so `init` carries those points. */
  z.object({
    type: z.literal('ready'),
    plotWidth: z.number().int().positive().max(20_000),
    metric: metricName.optional(),
  }),
  z.object({
    type: z.literal('requestRange'),
    requestId: z.number().int(),
    runDir,
    fromStep: z.number(),
    toStep: z.number(),
    maxPoints: z.number().int().positive().max(MAX_RANGE_POINTS),
  }),
  /** Resume a run from one of its checkpoints (its path as the host sent it) or from the latest. */
  z.object({ type: z.literal('resume'), runDir, checkpoint: z.union([z.literal('latest'), z.string().min(1)]) }),
  z.object({ type: z.literal('stop'), runDir }),
  /** The panel's settings changed; the host remembers them for the next time these runs are opened. */
  z.object({ type: z.literal('settings'), settings: panelStateSchema }),
  /** Save the chart (PNG, base64) or its data (CSV text): the host asks where, then writes it. */
  z.object({
    type: z.literal('export'),
    format: z.enum(['png', 'csv']),
    suggestedName: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[^/\\]+$/, 'a file name, not a path'),
    data: z.string().max(MAX_EXPORT_CHARS),
  }),
  z.object({ type: z.literal('log'), level: z.enum(['info', 'warn', 'error']), message: z.string().max(4000) }),
]);
export type WebviewToHost = z.infer<typeof webviewToHostSchema>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

function parseWith<T>(schema: z.ZodType<T>, raw: unknown): ParseResult<T> {
  const r = schema.safeParse(raw);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, error: z.prettifyError(r.error) };
}

export const parseHostToWebview = (raw: unknown): ParseResult<HostToWebview> => parseWith(hostToWebviewSchema, raw);
export const parseWebviewToHost = (raw: unknown): ParseResult<WebviewToHost> => parseWith(webviewToHostSchema, raw);
export const parsePanelState = (raw: unknown): ParseResult<PanelState> => parseWith(panelStateSchema, raw);
