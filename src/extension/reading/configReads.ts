/**
 * The config reads a reader worker runs (readerOps.ts): the Train quick pick's facts
 * (commands/configFacts.ts), the launch's config (read once per launch), and for the
 * Problems panel every problem of one config's pass with the token it covers, found in the file
 * that holds it. vscode-free.
 */
import { loadConfig } from '../../core/config/loadConfig';
import { ConfigError, describeConfigProblem, type ConfigErrorDetail } from '../../core/config/errors';
import { readBoundedText } from '../../core/limits/boundedFile';
import { READ_LIMITS } from '../../core/limits/readLimits';
import type { TrainConfig } from '../../core/config/types';
import type { ConfigProblem } from '../../core/protocol/configReads';
import {
  isExternalTrainerConfig,
  loadExternalTrainerConfig,
  type ExternalTrainerPlan,
} from '../external/externalConfig';
import { projectDirOf } from '../process/launch';
import { tokenRange } from '../ui/configDiagnosticText';

export { readConfigFacts as configFacts } from '../commands/configFacts';

/** What one launch needs of its config (launchConfigSchema in core/protocol/configReads.ts). */
export type LaunchConfig =
  | { kind: 'external'; plan: ExternalTrainerPlan }
  /** The ConfigError as plain data: an Error crossing the worker boundary keeps only its message, and the failed run names file and field. */
  | { kind: 'invalidExternal'; configError: ConfigErrorDetail }
  /** null when it does not load (the trainer reports why), or when `externalOnly` skipped it. */
  | { kind: 'native'; config: TrainConfig | null };

/**
 * A config read once for a launch: an external trainer's plan (or what refused it), or the
 * built-in trainer's config. `externalOnly` skips loading a native config (Resume's search for the
 * config of a run folder looks at external configs only).
 */
export async function readLaunchConfig(
  configPath: string,
  options: { cwd: string; sets?: readonly string[]; externalOnly?: boolean },
): Promise<LaunchConfig> {
  if (!(await isExternalTrainerConfig(configPath))) {
    if (options.externalOnly) return { kind: 'native', config: null };
    const config = await loadConfig(configPath, { cwd: options.cwd, sets: options.sets ?? [] }).catch(() => null);
    return { kind: 'native', config };
  }
  try {
    return { kind: 'external', plan: await loadExternalTrainerConfig(configPath, options.sets) };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const { kind, message, file, line, column, setArg, field, expected, suggestion } = err;
    return {
      kind: 'invalidExternal',
      configError: { kind, message, at: { file, line, column, setArg }, field, expected, suggestion },
    };
  }
}

/** The problems of `file` as the trainer would load it; none when it loads, and none for an external-trainer config (its own loader checks it when trained). */
export async function configProblems(file: string): Promise<ConfigProblem[]> {
  if (await isExternalTrainerConfig(file)) return [];
  try {
    await loadConfig(file, { cwd: projectDirOf(file) });
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) return [];
    const texts = new Map<string, string>();
    const problems: ConfigProblem[] = [];
    for (const issue of err.issues) {
      // --set problems have no file; those of a file that cannot be read are shown at its top.
      const target = issue.file.startsWith('-') ? file : issue.file;
      let text = texts.get(target);
      if (text === undefined) {
        text = await readBoundedText(target, READ_LIMITS.configBytes).catch(() => '');
        texts.set(target, text);
      }
      problems.push({
        kind: issue.kind,
        file: target,
        text: describeConfigProblem(issue),
        range: tokenRange(text, issue.line, issue.column),
      });
    }
    return problems;
  }
}
