/**
 * The config reads of the reader workers (src/extension/reading/configReads.ts): what the Train
 * quick pick, the launch and the Problems panel ask of a YAML config, so that no config is parsed
 * on the extension host's thread. The worker validates each request's arguments and the host each
 * answer with these schemas (READER_OP_SCHEMAS in readerWorker.ts).
 */
import * as z from 'zod';

/** A config's key facts for the Train quick pick. */
export const configFactsSchema = z.object({
  /** The built-in trainer runs it (so the Device choice applies). */
  builtIn: z.boolean(),
  text: z.string(),
});
export type ConfigFactsReply = z.infer<typeof configFactsSchema>;

/** One problem of a config as the Problems panel shows it, with the token it covers already found. */
export const configProblemSchema = z.object({
  /** ConfigErrorKind (the diagnostic's code). */
  kind: z.string(),
  /** The file that holds the problem (a parent in the `extends` chain, or the config itself). */
  file: z.string(),
  /** The problem without its location (describeConfigProblem). */
  text: z.string(),
  /** 0-based line and columns (end exclusive) in `file`. */
  range: z.object({
    line: z.number().int().nonnegative(),
    start: z.number().int().nonnegative(),
    end: z.number().int().nonnegative(),
  }),
});
export type ConfigProblem = z.infer<typeof configProblemSchema>;

/** The problems of one config file (empty when it loads, and for external-trainer configs). */
export const configProblemsSchema = z.array(configProblemSchema);

/**
 * What the host uses of a loaded config (the output folder, the resume setting, the launcher); the
 * rest of TrainConfig passes through unchecked for the Slurm job script, which the trainer's own
 * loader produced in the worker.
 */
const loadedTrainConfigSchema = z.looseObject({
  output_dir: z.string(),
  resume_from_checkpoint: z.union([z.boolean(), z.string()]),
  launcher: z.looseObject({ type: z.string() }),
});

export const configFileArgsSchema = z.tuple([z.string()]);

/** An external trainer's launch plan (ExternalTrainerPlan): what the host launches and follows. */
const externalTrainerPlanSchema = z.looseObject({
  configPath: z.string(),
  name: z.string(),
  argv: z.array(z.string()),
  cwd: z.string(),
  env: z.record(z.string(), z.string()),
  outputDir: z.string(),
  resumeFrom: z.string().nullable(),
  stopTimeoutMs: z.number().nullable(),
  maxSteps: z.number().nullable(),
  checkpointFormat: z.literal('huggingface'),
  launcher: z.looseObject({ type: z.string() }),
  resumeArgsWithSlot: z.array(z.string()).nullable(),
});

/** A ConfigError as plain data (an Error crossing the boundary keeps only its message). */
export const configErrorDetailSchema = z.object({
  kind: z.string(),
  message: z.string(),
  at: z.object({
    file: z.string(),
    line: z.number().nullable(),
    column: z.number().nullable(),
    setArg: z.string().optional(),
  }),
  field: z.string(),
  expected: z.string(),
  suggestion: z.string().optional(),
});

export const launchConfigArgsSchema = z.tuple([
  z.string(),
  z.object({ cwd: z.string(), sets: z.array(z.string()).optional(), externalOnly: z.boolean().optional() }),
]);

/**
 * What one launch needs of its config, read once (so the run folder, the launcher and the command
 * all come from the same version of the file): an external trainer's plan or the problem that
 * refused it, or the built-in trainer's config (null when it does not load: the trainer itself
 * then reports why, with file and line).
 */
export const launchConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('external'), plan: externalTrainerPlanSchema }),
  z.object({ kind: z.literal('invalidExternal'), configError: configErrorDetailSchema }),
  z.object({ kind: z.literal('native'), config: loadedTrainConfigSchema.nullable() }),
]);
