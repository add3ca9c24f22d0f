/**
 * External-trainer configs: a YAML file in a `configs/` folder (so Train lists it next to native
 * configs) whose top-level key `external_trainer` names a command instead of the built-in trainer:
 *
 *   external_trainer:
 *     command: [/usr/bin/python3, -m, torch.distributed.run, --nproc_per_node, "2", train.py, --output_dir, "{output_dir}"]
 *     output_dir: runs/dist                                   # relative to cwd
 *     resume_args: [--resume_from_checkpoint, "{checkpoint}"]  # appended when resuming
 *     cwd: .                  # relative to the project folder (the parent of configs/); default "."
 *     env: { OMP_NUM_THREADS: "1" }
 *     stop_timeout_seconds: 60   # default: the trainingRuns.stopTimeoutSeconds setting
 *     max_steps: 200             # optional: shown as the progress total until trainer_state.json says it
 *   launcher: { type: slurm, nodes: 2 }   # optional: submit as a Slurm batch job (see the README)
 *
 * Validated with zod; every error names the file, line, field and fix (the config loader's
 * ConfigError). `--set` accepts `resume_from_checkpoint` (a path, `latest` or true) and `output_dir`.
 * vscode-free and unit-tested.
 */
import * as path from 'node:path';
import type { z } from 'zod';
import { ConfigError, SET_SOURCE } from '../../core/config/errors';
import { EXTERNAL_TRAINER_KEY, externalTrainerFileSchema } from '../../core/config/externalTrainerSchema';
import type { LauncherConfig } from '../../core/config/launcherSchema';
import { issuesToErrors } from '../../core/config/issues';
import { originOf, type Layer } from '../../core/config/layer';
import { setOverridesLayer } from '../../core/config/setOverrides';
import { readYamlLayer } from '../../core/config/yamlFile';
import { readBoundedText } from '../../core/limits/boundedFile';
import { READ_LIMITS } from '../../core/limits/readLimits';
import { listHfCheckpoints } from '../../core/hf/checkpoints';
import { projectDirOf } from '../process/launch';
import { CommandLineError, splitCommandLine, substitutePlaceholders, type PlaceholderValues } from './argv';

const fileSchema = externalTrainerFileSchema;

type ExternalTrainerFile = z.infer<typeof fileSchema>;

/** Everything needed to launch one external training process. */
export interface ExternalTrainerPlan {
  configPath: string;
  name: string;
  /** The full command line after placeholder substitution, resume arguments included. */
  argv: string[];
  cwd: string;
  /** Extra environment on top of the host's. */
  env: Record<string, string>;
  /** Absolute: where the checkpoint-<step> folders appear (the run folder). */
  outputDir: string;
  /** Absolute path of the checkpoint resumed from; null for a fresh start. */
  resumeFrom: string | null;
  stopTimeoutMs: number | null;
  maxSteps: number | null;
  checkpointFormat: 'huggingface';
  /** Where it runs: here, or a Slurm batch job. */
  launcher: LauncherConfig;
  /**
   * resume_args with every placeholder but {checkpoint} filled in, {checkpoint} left as
   * CHECKPOINT_SLOT: a batch job fills it in on each restart. Null without resume_args.
   */
  resumeArgsWithSlot: string[] | null;
}

/** Stands for {checkpoint} in resumeArgsWithSlot (a NUL: no argument can hold one). */
export const CHECKPOINT_SLOT = '\0checkpoint\0';

/** Cheap test (no YAML parse): does this config name an external trainer? */
export async function isExternalTrainerConfig(configPath: string): Promise<boolean> {
  // Bounded: a huge file or a FIFO is not an external config; the loader then says why it cannot be read.
  const text = await readBoundedText(configPath, READ_LIMITS.configBytes).catch(() => '');
  return new RegExp(`^${EXTERNAL_TRAINER_KEY}\\s*:`, 'm').test(text);
}

/** Reads, validates and resolves an external-trainer config. Throws ConfigError (file, line, field, fix). */
export async function loadExternalTrainerConfig(
  configPath: string,
  sets: readonly string[] = [],
): Promise<ExternalTrainerPlan> {
  const file = path.resolve(configPath);
  // The native loader's bounded read: only a regular file within the config size limit.
  const layer = await readYamlLayer(file);
  const parsed = fileSchema.safeParse(layer.value);
  if (!parsed.success) {
    const errors = issuesToErrors(parsed.error.issues, {
      schema: fileSchema,
      merged: layer.value,
      origins: layer.origins,
      fallback: { file, line: 1, column: 1 },
    });
    const first =
      errors[0] ??
      new ConfigError({
        kind: 'invalid_value',
        at: { file, line: 1, column: 1 },
        field: '',
        message: parsed.error.message,
        expected: '',
      });
    first.issues = errors;
    throw first;
  }
  return resolvePlan(file, parsed.data, layer, setOverridesLayer(sets));
}

async function resolvePlan(
  file: string,
  config: ExternalTrainerFile,
  layer: Layer,
  sets: Layer,
): Promise<ExternalTrainerPlan> {
  const ext = config.external_trainer;
  const at = (...fieldPath: Array<string | number>) => {
    const origin = originOf(layer.origins, [EXTERNAL_TRAINER_KEY, ...fieldPath]);
    return origin?.value ?? { file, line: 1, column: 1 };
  };
  const field = (...fieldPath: Array<string | number>) => [EXTERNAL_TRAINER_KEY, ...fieldPath].join('.');

  for (const key of Object.keys(sets.value)) {
    if (key !== 'resume_from_checkpoint' && key !== 'output_dir') {
      throw new ConfigError({
        kind: 'unknown_key',
        at: { file: SET_SOURCE, line: null, column: null, setArg: `${key}=...` },
        field: key,
        message: 'not accepted for an external trainer',
        expected: 'resume_from_checkpoint or output_dir',
        suggestion: `pass ${key} to the script in ${field('command')} instead`,
      });
    }
  }

  const projectDir = projectDirOf(file);
  const cwd = path.resolve(projectDir, ext.cwd ?? '.');
  const outputOverride = sets.value.output_dir;
  if (outputOverride !== undefined && typeof outputOverride !== 'string') {
    throw new ConfigError({
      kind: 'wrong_type',
      at: { file: SET_SOURCE, line: null, column: null, setArg: 'output_dir' },
      field: 'output_dir',
      message: 'not a path',
      expected: 'a folder path',
    });
  }
  const outputDir = path.resolve(cwd, outputOverride ?? ext.output_dir);
  const resumeFrom = await resolveResume(sets.value.resume_from_checkpoint, outputDir, cwd);
  if (resumeFrom && ext.resume_args === undefined) {
    throw new ConfigError({
      kind: 'missing',
      at: at(),
      field: field('resume_args'),
      message: 'missing: Resume needs the arguments that make the script resume',
      expected: 'a list of arguments containing {checkpoint}',
      suggestion: `add resume_args: [--resume_from_checkpoint, "{checkpoint}"] under ${EXTERNAL_TRAINER_KEY}`,
    });
  }

  const values: PlaceholderValues = {
    output_dir: outputDir,
    checkpoint: resumeFrom ?? undefined,
    cwd,
    project_dir: projectDir,
    config_dir: path.dirname(file),
  };
  const expand = (
    raw: string | string[],
    name: 'command' | 'resume_args',
    checkpoint = values.checkpoint,
  ): string[] => {
    let parts: string[];
    try {
      parts = typeof raw === 'string' ? splitCommandLine(raw) : raw;
    } catch (err) {
      throw new ConfigError({
        kind: 'invalid_value',
        at: at(name),
        field: field(name),
        message: (err as Error).message,
        expected: 'a command line, or a list of arguments',
        suggestion: 'close the quote, or write the arguments as a YAML list',
      });
    }
    return parts.map((part, index) => {
      try {
        return substitutePlaceholders(part, { ...values, checkpoint });
      } catch (err) {
        if (!(err instanceof CommandLineError)) throw err;
        const where = typeof raw === 'string' ? at(name) : at(name, index);
        throw new ConfigError({
          kind: 'invalid_value',
          at: where,
          field: typeof raw === 'string' ? field(name) : field(name, index),
          message: err.message,
          expected: '{output_dir}, {checkpoint} (in resume_args), {cwd}, {project_dir} or {config_dir}',
        });
      }
    });
  };
  const resumeArgsWithSlot =
    ext.resume_args === undefined ? null : expand(ext.resume_args, 'resume_args', CHECKPOINT_SLOT);
  const argv = expand(ext.command, 'command');
  if (argv.length === 0)
    throw new ConfigError({
      kind: 'invalid_value',
      at: at('command'),
      field: field('command'),
      message: 'empty command',
      expected: 'the program and its arguments',
    });
  if (resumeFrom && ext.resume_args !== undefined) {
    const resumeArgs = expand(ext.resume_args, 'resume_args');
    const raw = typeof ext.resume_args === 'string' ? [ext.resume_args] : ext.resume_args;
    if (!raw.some((a) => a.includes('{checkpoint}'))) {
      throw new ConfigError({
        kind: 'invalid_value',
        at: at('resume_args'),
        field: field('resume_args'),
        message: 'does not mention {checkpoint}, so the chosen checkpoint would not reach the script',
        expected: 'arguments containing {checkpoint}',
        suggestion: 'e.g. [--resume_from_checkpoint, "{checkpoint}"]',
      });
    }
    argv.push(...resumeArgs);
  }
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(ext.env ?? {})) {
    try {
      env[key] = substitutePlaceholders(String(value), values);
    } catch (err) {
      throw new ConfigError({
        kind: 'invalid_value',
        at: at('env', key),
        field: field('env', key),
        message: (err as Error).message,
        expected: 'a string',
      });
    }
  }
  return {
    configPath: file,
    name: config.name ?? path.basename(outputDir),
    argv,
    cwd,
    env,
    outputDir,
    resumeFrom,
    stopTimeoutMs: ext.stop_timeout_seconds !== undefined ? ext.stop_timeout_seconds * 1000 : null,
    maxSteps: ext.max_steps ?? null,
    checkpointFormat: 'huggingface',
    launcher: config.launcher,
    resumeArgsWithSlot,
  };
}

/** `--set resume_from_checkpoint=...`: a path (relative to cwd), or `latest`/true for the newest valid checkpoint. */
async function resolveResume(value: unknown, outputDir: string, cwd: string): Promise<string | null> {
  const at = { file: SET_SOURCE, line: null, column: null, setArg: `resume_from_checkpoint=${String(value)}` };
  if (value === undefined || value === false || value === null) return null;
  if (value === true || value === 'latest') {
    const latest = (await listHfCheckpoints(outputDir, { readTorchFiles: false })).find((c) => c.valid);
    if (!latest)
      throw new ConfigError({
        kind: 'invalid_value',
        at,
        field: 'resume_from_checkpoint',
        message: `no valid checkpoint in ${outputDir} to resume from`,
        expected: 'a checkpoint-<step> folder',
        suggestion: 'train first, or name a checkpoint folder',
      });
    return latest.path;
  }
  if (typeof value !== 'string')
    throw new ConfigError({
      kind: 'wrong_type',
      at,
      field: 'resume_from_checkpoint',
      message: 'not a path',
      expected: 'a checkpoint folder path, latest, or true',
    });
  return path.resolve(cwd, value);
}
