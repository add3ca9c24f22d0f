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

/** A series' columns without the check that their lengths agree (seriesLengthsAgree). */
const seriesShape = z.object({
  steps: z.array(z.number()),
  loss: z.array(maybeNumber),
  lr: z.array(maybeNumber),
  /** Wall time of each point, seconds since the epoch (null: not recorded). */
  time: z.array(maybeNumber).optional(),
});
type SeriesColumns = z.infer<typeof seriesShape>;
export const seriesLengthsAgree = (s: SeriesColumns): boolean =>
  s.loss.length === s.steps.length &&
  s.lr.length === s.steps.length &&
  (s.time?.length ?? s.steps.length) === s.steps.length;
export const seriesSchema = seriesShape.refine(seriesLengthsAgree, {
  message: 'steps, loss, lr and time must have the same length',
});
export type Series = z.infer<typeof seriesSchema>;

/** A metric other than loss and lr (throughput, eval_loss, a TensorBoard tag), on its own steps. */
const scalarSeriesShape = z.object({
  steps: z.array(z.number()),
  values: z.array(maybeNumber),
  time: z.array(maybeNumber),
});
type ScalarColumns = z.infer<typeof scalarSeriesShape>;
const scalarLengthsAgree = (s: ScalarColumns): boolean =>
  s.values.length === s.steps.length && s.time.length === s.steps.length;
export const scalarSeriesSchema = scalarSeriesShape.refine(scalarLengthsAgree, {
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

/** The panel's settings, every field given (as the host sends them: a parsed PanelState). */
const panelStateFields = {
  runDirs: z.array(runDir),
  smoothing: z.number().min(0).max(0.999),
  /** The user's choice of loss axis; 'auto' (until they choose): log when the loss spans more than two decades. */
  logScale: z.union([z.boolean(), z.literal('auto')]),
  selectedRun: z.string().nullable(),
  hiddenRuns: z.array(z.string()),
  /** The charted metric: 'loss' (with learning rate underneath), 'lr', or any logged metric's name. */
  metric: metricName,
  /** x axis: step, wall-clock time, or time since the run's first point. */
  xAxis: z.enum(['step', 'wall', 'relative']),
};

/** What the webview keeps with vscode.setState; the serializer reads runDirs back after a reload. */
export const panelStateSchema = z.object({
  ...panelStateFields,
  smoothing: panelStateFields.smoothing.default(0.6),
  logScale: panelStateFields.logScale.default('auto'),
  selectedRun: panelStateFields.selectedRun.default(null),
  hiddenRuns: panelStateFields.hiddenRuns.default([]),
  metric: panelStateFields.metric.default('loss'),
  xAxis: panelStateFields.xAxis.default('step'),
});
export type PanelState = z.infer<typeof panelStateSchema>;

/** The host's messages over these parts (the checked ones, or the bare shapes the webview precompiles). */
function hostMessages<S extends z.ZodType<Series>, C extends z.ZodType<ScalarColumns>, P extends z.ZodType>(
  series: S,
  scalarSeries: C,
  settings: P,
) {
  const scalars = z.record(metricName, scalarSeries);
  const runSnapshot = z.object({
    runDir,
    label: z.string(),
    state: runStatusSchema,
    series,
    /** Points the host holds for this run; more than `series` carries when it was downsampled. */
    totalPoints: z.number().int().nonnegative(),
    checkpoints: z.array(checkpointMarkerSchema),
    resumes: z.array(resumeMarkerSchema),
    /** The points of the shown metric when it is not the loss or lr (downsampled like `series`). */
    scalars: scalars.optional(),
    /** Every metric the run logged besides loss and lr, sent or not (for the picker). */
    metricNames: z.array(metricName).optional(),
  });
  const union = z.discriminatedUnion('type', [
    /** `settings`: what this set of runs was last shown with, for a panel opened afresh (no saved state). */
    z.object({ type: z.literal('init'), runs: z.array(runSnapshot), settings: settings.optional() }),
    /** New live points for one run, in step order, batched; `scalars`: new points of other metrics. */
    z.object({ type: z.literal('points'), runDir, series, scalars: scalars.optional() }),
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
      series,
    }),
    /** Right after `init`: the points of the run's metrics that `init` only named (downsampled like it). */
    z.object({ type: z.literal('metrics'), runDir, scalars }),
  ]);
  return { runSnapshot, union };
}

const checked = hostMessages(seriesSchema, scalarSeriesSchema, panelStateSchema);
export const runSnapshotSchema = checked.runSnapshot;
export type RunSnapshot = z.infer<typeof runSnapshotSchema>;
export const hostToWebviewSchema = checked.union;

/**
 * The host's messages as JSON Schema can state them, for the webview's precompiled validator
 * (precompiled.ts): no length checks (hostMessageLengthsAgree makes them) and settings with every
 * field given. What this and hostMessageLengthsAgree accept, hostToWebviewSchema accepts unchanged.
 */
export const hostToWebviewShapeSchema = hostMessages(seriesShape, scalarSeriesShape, z.object(panelStateFields)).union;

/** The length checks hostToWebviewSchema makes and hostToWebviewShapeSchema cannot: every series' columns agree. */
export function hostMessageLengthsAgree(message: z.infer<typeof hostToWebviewShapeSchema>): boolean {
  const scalarsAgree = (scalars: Record<string, ScalarColumns> | undefined): boolean =>
    Object.values(scalars ?? {}).every(scalarLengthsAgree);
  switch (message.type) {
    case 'init':
      return message.runs.every((r) => seriesLengthsAgree(r.series) && scalarsAgree(r.scalars));
    case 'points':
      return seriesLengthsAgree(message.series) && scalarsAgree(message.scalars);
    case 'range':
      return seriesLengthsAgree(message.series);
    case 'metrics':
      return scalarsAgree(message.scalars);
    default:
      return true;
  }
}

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
  /** The chart of `init` is on screen: the host reads the rest (the whole histories) only now, so
   * that reading does not compete with the first paint. */
  z.object({ type: z.literal('painted') }),
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
