/**
 * A config's key facts for the Train quick pick: "mlp · adam lr 0.001 · max_steps 500 · extends
 * ../project.yaml", an external trainer's command, or the first problem of a config that does not
 * load. The wording is vscode-free (unit-tested); reading uses the same loaders as the trainer.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { formatCount, formatValue } from '../../core/format';
import { projectDirOf } from '../process/launch';

export interface ConfigFacts {
  /** The built-in trainer runs it (so the Device choice applies). */
  builtIn: boolean;
  text: string;
}

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
    return { builtIn: true, text: describeTrainFacts(config, extendsOf(await readFile(file, 'utf8'))) };
  } catch (err) {
    return { builtIn: true, text: problem(err) };
  }
}
