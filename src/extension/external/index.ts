/**
 * External trainers and Hugging Face runs, as the extension wires them (extension.ts loads this
 * lazily, on the first Train or the first Hugging Face run, to keep activation light).
 */
import type { TrainRequest } from '../process/launch';
import type { TrainerRun } from '../process/trainerProcess';
import { isExternalTrainerConfig, loadExternalTrainerPlan } from '../reading';
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

/** For TrainingService.externalTrainerFor: null for native configs; a bad config becomes a failing run. */
export async function externalTrainerFor(
  request: TrainRequest,
  watch?: OutputFolderWatch,
): Promise<(() => TrainerRun) | null> {
  // Read in the reader workers: a hostile config is refused within the time budget, off the host's thread.
  if (!(await isExternalTrainerConfig(request.configPath).catch(() => false))) return null;
  try {
    const plan = await loadExternalTrainerPlan(request.configPath, request.sets);
    const start = await prepareExternalStart(plan);
    // A folder the store's watcher sees is followed through it; any other is polled.
    const options: ExternalTrainerOptions = watch?.watched(plan.outputDir)
      ? { pollMs: null, filesChanged: (listener) => watch.filesChanged(plan.outputDir, listener) }
      : {};
    return () => new ExternalTrainerProcess(plan, start, options);
  } catch (err) {
    return () => new FailedTrainerRun(request.configPath, err);
  }
}

/**
 * The external-trainer config among `candidates` whose output_dir is `runDir`: how Resume finds the
 * config of a Hugging Face run that has no run.json (trained from a terminal). Null when none does.
 */
export async function findExternalConfigFor(runDir: string, candidates: readonly string[]): Promise<string | null> {
  for (const file of candidates) {
    if (!(await isExternalTrainerConfig(file).catch(() => false))) continue;
    const plan = await loadExternalTrainerPlan(file).catch(() => null);
    if (plan && plan.outputDir === runDir) return file;
  }
  return null;
}
