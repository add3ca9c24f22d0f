/**
 * Hugging Face runs in the run model: a CheckpointSource that lists a run folder's Hugging Face
 * `checkpoint-<step>/` folders when it has any (a Trainer output_dir), else its native checkpoints
 * (`checkpoints/checkpoint-<step>/` with a manifest) (src/core/hf, newest first by modification time). Rows keep
 * `format: 'huggingface'` and the HF extras, so the tree and Inspect can tell them apart.
 * vscode-free and unit-tested.
 */
import { basename } from 'node:path';
import type { CheckpointInfo } from '../../core/checkpoint/types';
import type { HfCheckpointInfo } from '../../core/hf/checkpoints';
import { isHfCheckpointFolder, isHfOutputDir, listHfCheckpoints, readTrainerState } from '../reading';
import type { CheckpointSource, ListRequest } from '../model/checkpointEngine';

export type HfCheckpointRow = CheckpointInfo & Omit<HfCheckpointInfo, keyof CheckpointInfo>;

export function isHfCheckpointRow(info: CheckpointInfo): info is HfCheckpointRow {
  return (info as Partial<HfCheckpointInfo>).format === 'huggingface';
}

export function withHfCheckpoints(native: CheckpointSource): CheckpointSource {
  return {
    async list(runDir: string, request?: ListRequest): Promise<CheckpointInfo[]> {
      // The native lister also reads checkpoint-<step> folders placed directly in the folder (as
      // manifest-less, invalid rows), so Hugging Face folders are recognised first.
      if (await isHfOutputDir(runDir)) return listHfCheckpoints(runDir);
      return native.list(runDir, request);
    },
    async trainerSummary(checkpointPath: string) {
      if (!(await isHfCheckpointFolder(checkpointPath))) return native.trainerSummary(checkpointPath);
      return hfTrainerSummary(checkpointPath);
    },
  };
}

/** The last logged training loss and the best checkpoint's folder name, from trainer_state.json. */
export async function hfTrainerSummary(
  checkpointPath: string,
): Promise<{ loss: number | null; bestCheckpoint: string | null } | null> {
  try {
    const state = await readTrainerState(`${checkpointPath}/trainer_state.json`);
    const withLoss = state.log_history.filter((e) => typeof e.loss === 'number');
    const last = withLoss[withLoss.length - 1];
    const best = state.best_model_checkpoint;
    return {
      loss: last ? (last.loss as number) : null,
      bestCheckpoint: best ? basename(best.replace(/[\\/]+$/, '')) : null,
    };
  } catch {
    return null;
  }
}
