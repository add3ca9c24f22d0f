/**
 * External trainers and Hugging Face runs, as the extension wires them (extension.ts loads this
 * lazily, on the first Train or the first Hugging Face run, to keep activation light).
 */
import { ConfigError } from '../../core/config/errors';
import { projectDirOf } from '../process/launch';
import type { TrainerRun } from '../process/trainerProcess';
import { readLaunchConfig } from '../reading';
import type { LaunchConfig } from '../reading/configReads';
import { ExternalTrainerProcess, prepareExternalStart, type ExternalTrainerOptions } from './externalTrainerProcess';
import { FailedTrainerRun } from './failedRun';

export type { ExternalTrainerPlan } from './externalConfig';
export { ExternalTrainerProcess } from './externalTrainerProcess';
export { withHfCheckpoints, isHfCheckpointRow } from './hfCheckpointSource';
export { hfCheckpointBadges, hfCheckpointDetailNodes } from './hfDetails';
export { inspectHfCheckpoint, isHfCheckpointFolder, readRunMetrics } from '../reading';

/** How the run store follows an output folder: its watcher's events, and whether the watcher sees the folder at all. */
export interface OutputFolderWatch {
  filesChanged(dir: string, listener: () => void): { dispose(): void };
  watched(dir: string): boolean;
}

/** An external trainer's launch config: its plan, or the problem that refused it. */
export type ExternalLaunchConfig = Extract<LaunchConfig, { kind: 'external' | 'invalidExternal' }>;

/** The external trainer of a launch; a bad config becomes a run that fails at once, saying why. */
export async function externalTrainerFor(
  config: ExternalLaunchConfig,
  configPath: string,
  watch?: OutputFolderWatch,
): Promise<() => TrainerRun> {
  try {
    if (config.kind === 'invalidExternal') throw new ConfigError(config.configError);
    const plan = config.plan;
    const start = await prepareExternalStart(plan);
    // A folder the store's watcher sees is followed through it; any other is polled.
    const options: ExternalTrainerOptions = watch?.watched(plan.outputDir)
      ? { pollMs: null, filesChanged: (listener) => watch.filesChanged(plan.outputDir, listener) }
      : {};
    return () => new ExternalTrainerProcess(plan, start, options);
  } catch (err) {
    return () => new FailedTrainerRun(configPath, err);
  }
}

/**
 * The external-trainer config among `candidates` whose output_dir is `runDir`: how Resume finds the
 * config of a Hugging Face run that has no run.json (trained from a terminal). Null when none does.
 */
export async function findExternalConfigFor(runDir: string, candidates: readonly string[]): Promise<string | null> {
  for (const file of candidates) {
    // Read in the reader workers: a hostile config is refused within the time budget, off the host's thread.
    const config = await readLaunchConfig(file, { cwd: projectDirOf(file), externalOnly: true }).catch(() => null);
    if (config?.kind === 'external' && config.plan.outputDir === runDir) return file;
  }
  return null;
}
