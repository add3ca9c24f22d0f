/**
 * The config reads of the reader workers (src/extension/reading/configReads.ts): what the Train
 * quick pick, the launch and the Problems panel ask of a YAML config, so that no config is parsed
 * on the extension host's thread. The worker validates each request's arguments and the host each
 * answer with these schemas (READER_OP_SCHEMAS in readerWorker.ts).
 */
import { z } from 'zod';

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

/** loadConfig's options across the boundary. */
export const loadTrainConfigArgsSchema = z.tuple([
  z.string(),
  z.object({ cwd: z.string(), sets: z.array(z.string()).optional() }),
]);

/**
 * What the host uses of a loaded config (the output folder, the resume setting, the launcher); the
 * rest of TrainConfig passes through unchecked for the Slurm job script, which the trainer's own
 * loader produced in the worker.
 */
export const loadedTrainConfigSchema = z.looseObject({
  output_dir: z.string(),
  resume_from_checkpoint: z.union([z.boolean(), z.string()]),
  launcher: z.looseObject({ type: z.string() }),
});

export const externalOutputDirArgsSchema = z.tuple([z.string(), z.array(z.string())]);
/** The run folder of an external-trainer config; null when it does not load; undefined for a native config. */
export const externalOutputDirSchema = z.string().nullable().optional();

export const configFileArgsSchema = z.tuple([z.string()]);
