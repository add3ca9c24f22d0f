/**
 * The contract between the trainer process and whoever launched it (the extension, or a script
 * reading `--json` output). One schema per message; both ends validate with these, so a garbled
 * line is reported instead of trusted.
 */
import * as z from 'zod';

export { PROTOCOL_ENV, PROTOCOL_VERSION, protocolMismatch, startedProtocolMismatch } from './version';

const backendInfo = z.object({
  /** tfjs backend name actually running: 'cpu' | 'wasm' | 'tensorflow' | 'webgpu' ... */
  name: z.string(),
  /** Why it was chosen, and why each earlier candidate was skipped. */
  reason: z.string(),
  skipped: z.array(z.object({ name: z.string(), reason: z.string() })).default([]),
  /** The system BLAS running the wasm backend's matrix products (config `blas`), or null. */
  blas: z
    .object({ name: z.string(), library: z.string(), threads: z.number().int().positive() })
    .nullable()
    .default(null),
});

export const trainerEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('started'),
    protocol: z.number().int(),
    pid: z.number().int(),
    runDir: z.string(),
    configPath: z.string(),
    backend: backendInfo,
    startStep: z.number().int().nonnegative(),
    maxSteps: z.number().int().positive(),
    time: z.number(),
  }),
  z.object({
    type: z.literal('step'),
    step: z.number().int().nonnegative(),
    maxSteps: z.number().int().positive(),
    epoch: z.number().int().nonnegative(),
    loss: z.number(),
    lr: z.number(),
    examplesPerSec: z.number(),
    stepsPerSec: z.number(),
    etaSec: z.number().nullable(),
    time: z.number(),
  }),
  z.object({
    type: z.literal('checkpoint_saved'),
    step: z.number().int().nonnegative(),
    path: z.string(),
    name: z.string(),
    bytes: z.number().nonnegative(),
    /** Time the training loop was paused for this save (copying tensors out). */
    blockingMs: z.number().nonnegative(),
    /** Full time until the checkpoint was committed on disk. */
    durationMs: z.number().nonnegative(),
    /** Checkpoint folders removed by retention after this one committed. */
    deleted: z.array(z.string()),
  }),
  z.object({
    /** The held-out data was evaluated at this step (every eval_steps, and before a save). */
    type: z.literal('evaluated'),
    step: z.number().int().nonnegative(),
    epoch: z.number().int().nonnegative(),
    /** eval_loss is null when not finite; eval_accuracy only for classification. */
    metrics: z.object({ eval_loss: z.number().nullable(), eval_accuracy: z.number().min(0).max(1).optional() }),
    /** Held-out examples evaluated. */
    examples: z.number().int().positive(),
    durationMs: z.number().nonnegative(),
    time: z.number(),
  }),
  z.object({
    type: z.literal('resumed'),
    path: z.string(),
    step: z.number().int().nonnegative(),
    restoredOptimizer: z.boolean(),
    restoredScheduler: z.boolean(),
    /** Checkpoints that were skipped because they failed verification, with the reason. */
    skipped: z.array(z.object({ path: z.string(), reason: z.string() })).default([]),
  }),
  z.object({
    type: z.literal('warning'),
    message: z.string(),
    code: z.string().optional(),
  }),
  z.object({
    type: z.literal('finished'),
    status: z.enum(['finished', 'stopped']),
    step: z.number().int().nonnegative(),
    loss: z.number().nullable(),
    durationMs: z.number().nonnegative(),
  }),
  z.object({
    type: z.literal('failed'),
    /**
     * 'config': bad config (exit code 2); 'usage': bad command line, or the run is locked by another
     * trainer (exit code 2); 'checkpoint': a checkpoint could not be read or written (its own exit
     * code); 'runtime': training failed (exit code 1).
     */
    kind: z.enum(['config', 'usage', 'checkpoint', 'runtime']),
    message: z.string(),
    file: z.string().optional(),
    line: z.number().int().optional(),
    column: z.number().int().optional(),
    field: z.string().optional(),
  }),
]);

export type TrainerEvent = z.infer<typeof trainerEventSchema>;
export type TrainerEventType = TrainerEvent['type'];
export type TrainerEventOf<T extends TrainerEventType> = Extract<TrainerEvent, { type: T }>;

/** Messages the launcher sends to the trainer over IPC. */
export const trainerCommandSchema = z.discriminatedUnion('type', [
  /** Finish the current step, save a checkpoint (if save_on_stop), exit 0 with status "stopped". */
  z.object({ type: z.literal('stop') }),
]);
export type TrainerCommand = z.infer<typeof trainerCommandSchema>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

function parseWith<T>(schema: z.ZodType<T>, raw: unknown): ParseResult<T> {
  const r = schema.safeParse(raw);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, error: z.prettifyError(r.error) };
}

export const parseTrainerEvent = (raw: unknown): ParseResult<TrainerEvent> => parseWith(trainerEventSchema, raw);
export const parseTrainerCommand = (raw: unknown): ParseResult<TrainerCommand> => parseWith(trainerCommandSchema, raw);
