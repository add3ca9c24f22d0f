/**
 * The `external_trainer` section of a config: a command Training Runs launches instead of its
 * built-in trainer (e.g. torchrun), documented in examples/distributed/README.md. The loader lives
 * in src/extension/external/externalConfig.ts; the section is here so the JSON Schema for config
 * files (jsonSchema.ts) accepts it too.
 */
import * as z from 'zod';
import { launcherSchema } from './launcherSchema';

export const EXTERNAL_TRAINER_KEY = 'external_trainer';

const argumentList = z.array(z.string());

export const externalTrainerSchema = z.strictObject({
  command: z
    .union([z.string().min(1), argumentList.min(1)])
    .describe(
      'The program and its arguments (a list, or one string split like a POSIX shell without running one). Placeholders: {output_dir}, {cwd}, {project_dir}, {config_dir}; {{ }} for literal braces.',
    ),
  output_dir: z
    .string()
    .min(1)
    .describe('Where the trainer writes its checkpoint-<step>/ folders (the run folder), relative to cwd.'),
  resume_args: z
    .union([z.string(), argumentList])
    .optional()
    .describe(
      'Arguments appended by Resume; {checkpoint} is the chosen checkpoint, e.g. [--resume_from_checkpoint, "{checkpoint}"].',
    ),
  cwd: z
    .string()
    .min(1)
    .optional()
    .describe('Working folder of the command, relative to the project folder (the parent of configs/). Default ".".'),
  env: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .optional()
    .describe('Extra environment variables (placeholders allowed).'),
  checkpoint_format: z
    .literal('huggingface')
    .optional()
    .describe('Layout of the checkpoints the trainer writes: Hugging Face Trainer folders.'),
  stop_timeout_seconds: z
    .number()
    .positive()
    .optional()
    .describe(
      'After Stop (SIGINT to the process group), kill the group after this many seconds. Default: the trainingRuns.stopTimeoutSeconds setting.',
    ),
  max_steps: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('Progress total to show until trainer_state.json says it (else --max_steps in the command).'),
});

/** A whole external-trainer config file. */
export const externalTrainerFileSchema = z.strictObject({
  name: z.string().optional(),
  [EXTERNAL_TRAINER_KEY]: externalTrainerSchema,
  /** `slurm` submits the command as a batch job (through srun for more than one node or task). */
  launcher: launcherSchema,
});
