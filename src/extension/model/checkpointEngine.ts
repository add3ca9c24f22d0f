/**
 * The extension's window onto the checkpoint engine (src/core/checkpoint). Listing and the tree's
 * reads go through the reader workers (src/extension/reading), the Inspect document's full
 * verification too (inspectText.ts).
 */
import type { CheckpointInfo } from '../../core/checkpoint/types';
import { listCheckpoints, nativeTrainerSummary } from '../reading';

export { TEMP_PREFIX } from '../../core/checkpoint/layout';

/** What a checkpoint's trainer_state.json says that the Runs tree shows. */
export interface TrainerSummary {
  loss: number | null;
  /** The best checkpoint so far, as this state names it (a folder name or path); null when none. */
  bestCheckpoint: string | null;
}

export interface ListRequest {
  /**
   * Validate every checkpoint's files (an explicit refresh). Otherwise rows named in a run's
   * listing index are taken from it: listing a run after every save stays cheap.
   */
  exact?: boolean;
}

/** Where a run's checkpoint rows come from (the engine, or Hugging Face folders: external/hfCheckpointSource.ts). */
export interface CheckpointSource {
  list(runDir: string, request?: ListRequest): Promise<CheckpointInfo[]>;
  trainerSummary(checkpointPath: string): Promise<TrainerSummary | null>;
}

export { loadCheckpointDetails } from '../reading';

export const engineCheckpointSource: CheckpointSource = {
  async list(runDir: string, request?: ListRequest): Promise<CheckpointInfo[]> {
    return listCheckpoints(runDir, { useIndex: !request?.exact });
  },
  trainerSummary: nativeTrainerSummary,
};
