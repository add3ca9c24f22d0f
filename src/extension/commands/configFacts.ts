/**
 * A config's key facts for the Train quick pick: "mlp · adam lr 0.001 · max_steps 500 · extends
 * ../project.yaml", an external trainer's command, or the first problem of a config that does not
 * load. The wording is vscode-free (unit-tested); reading uses the same loaders as the trainer, in
 * a reader worker (src/extension/reading: the host asks through that facade's configFacts).
 */
import * as path from 'node:path';
import { formatCount, formatValue } from '../../core/format';
import { readBoundedText } from '../../core/limits/boundedFile';
import { READ_LIMITS } from '../../core/limits/readLimits';
import type { ConfigFactsReply } from '../../core/protocol/configReads';
import { projectDirOf } from '../process/launch';

export type ConfigFacts = ConfigFactsReply;

export function describeTrainFacts(
  config: { model: { type: string }; optimizer: { type: string; learning_rate?: number }; max_steps: number },
  extendsRef: string | null,
): string {
  const lr = config.optimizer.learning_rate;
  return [
    config.model.type,
    `${config.optimizer.type}${lr !== undefined ? ` lr ${formatValue(lr)}` : ''}`,
    `max_steps ${formatCount(config.max_steps)}`,
    extendsRef ? `extends ${extendsRef}` : null,
  ]
    .filter((p) => p !== null)
    .join(' · ');
}

/** `extends:` of the file itself (not of its parents). */
export function extendsOf(text: string): string | null {
  const match = /^extends:\s*["']?([^"'#\n]+?)["']?\s*(?:#.*)?$/m.exec(text);
  return match?.[1] ?? null;
}

export async function readConfigFacts(file: string): Promise<ConfigFacts> {
  const { isExternalTrainerConfig, loadExternalTrainerConfig } =
    require('../external/externalConfig') as typeof import('../external/externalConfig');
  const { describeConfigProblem, ConfigError } =
    require('../../core/config/errors') as typeof import('../../core/config/errors');
  const problem = (err: unknown) =>
    `config error: ${err instanceof ConfigError ? describeConfigProblem(err) : (err as Error).message}`;
  if (await isExternalTrainerConfig(file)) {
    return loadExternalTrainerConfig(file).then(
      (plan) => ({
        builtIn: false,
        text: `external: ${plan.argv
          .map((a) => path.basename(a))
          .slice(0, 3)
          .join(' ')}`,
      }),
      (err: unknown) => ({ builtIn: false, text: problem(err) }),
    );
  }
  try {
    const { loadConfig } = require('../../core/config/index') as typeof import('../../core/config/index');
    const config = await loadConfig(file, { cwd: projectDirOf(file) });
    return {
      builtIn: true,
      text: describeTrainFacts(config, extendsOf(await readBoundedText(file, READ_LIMITS.configBytes))),
    };
  } catch (err) {
    return { builtIn: true, text: problem(err) };
  }
}

/**
 * A config the reader workers refused (over the time budget, a thread that died, more memory than a
 * worker has): which file, why, and what to do. The config's own problems (size, nesting, aliases)
 * are ConfigErrors with their own fix; this is only for refusals by the pool.
 */
export function refusedConfigText(file: string, reason: string, byLoad: boolean): string {
  const fix = byLoad
    ? 'make it smaller, or raise the "trainingRuns.readTimeBudgetSeconds" setting'
    : 'make it smaller, with fewer aliases and less nesting';
  return `${path.basename(file)} could not be read: ${reason}; ${fix}`;
}
