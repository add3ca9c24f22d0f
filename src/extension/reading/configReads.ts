/**
 * The config reads a reader worker runs (readerOps.ts): the Train quick pick's facts
 * (commands/configFacts.ts), the launch's loadConfig and external output folder, and for the
 * Problems panel every problem of one config's pass with the token it covers, found in the file
 * that holds it. vscode-free.
 */
import { loadConfig } from '../../core/config/loadConfig';
import { ConfigError, describeConfigProblem, type ConfigErrorDetail } from '../../core/config/errors';
import { readBoundedText } from '../../core/limits/boundedFile';
import { READ_LIMITS } from '../../core/limits/readLimits';
import type { ConfigProblem } from '../../core/protocol/configReads';
import {
  isExternalTrainerConfig,
  loadExternalTrainerConfig,
  type ExternalTrainerPlan,
} from '../external/externalConfig';
import { projectDirOf } from '../process/launch';
import { tokenRange } from '../ui/configDiagnosticText';

export { readConfigFacts as configFacts } from '../commands/configFacts';
export { loadConfig as loadTrainConfig } from '../../core/config/loadConfig';
export { externalConfigOutputDir as externalOutputDir } from '../external/externalConfig';
export { isExternalTrainerConfig } from '../external/externalConfig';

/**
 * An external-trainer config's launch plan, or the ConfigError that refused it as plain data (an
 * Error crossing the worker boundary keeps only its message; the run's failure names file and field).
 */
export async function loadExternalTrainerPlan(
  configPath: string,
  sets?: readonly string[],
): Promise<{ plan: ExternalTrainerPlan } | { configError: ConfigErrorDetail }> {
  try {
    return { plan: await loadExternalTrainerConfig(configPath, sets) };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const { kind, message, file, line, column, setArg, field, expected, suggestion } = err;
    return { configError: { kind, message, at: { file, line, column, setArg }, field, expected, suggestion } };
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
