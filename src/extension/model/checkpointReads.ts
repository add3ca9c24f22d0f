/**
 * What the tree reads from a native checkpoint besides its listing row: the trainer state's loss
 * and best checkpoint, and the details under a checkpoint node. Runs in a reader worker
 * (src/extension/reading); call it through that facade. Absent or unreadable parts are null.
 */
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { MANIFEST_FILE, MODEL_FILE, TRAINER_STATE_FILE } from '../../core/checkpoint/layout';
import { parseManifest } from '../../core/checkpoint/manifest';
import { readSafetensorsHeader } from '../../core/checkpoint/safetensorsFile';
import { parseTrainerState } from '../../core/checkpoint/stateSchemas';
import type { CheckpointInfo, TrainerState } from '../../core/checkpoint/types';
import { readBoundedText } from '../../core/limits/boundedFile';
import { READ_LIMITS } from '../../core/limits/readLimits';
import type { CheckpointDetailsInput } from './checkpointDetails';

async function readNativeTrainerState(checkpointPath: string): Promise<TrainerState | null> {
  const file = path.join(checkpointPath, TRAINER_STATE_FILE);
  try {
    return parseTrainerState(await readBoundedText(file, READ_LIMITS.jsonFileBytes), file);
  } catch {
    return null;
  }
}

/** Loss and best-checkpoint name from a native checkpoint's trainer_state.json; null when unreadable. */
export async function nativeTrainerSummary(
  checkpointPath: string,
): Promise<{ loss: number | null; bestCheckpoint: string | null } | null> {
  const t = await readNativeTrainerState(checkpointPath);
  return t ? { loss: t.loss, bestCheckpoint: t.best_checkpoint } : null;
}

/** Everything the tree shows under a checkpoint; parts that are absent or unreadable are null. */
export async function loadCheckpointDetails(info: CheckpointInfo): Promise<CheckpointDetailsInput> {
  const trainerState = await readNativeTrainerState(info.path);
  let files: CheckpointDetailsInput['files'] = [];
  try {
    const file = path.join(info.path, MANIFEST_FILE);
    files = parseManifest(await readBoundedText(file, READ_LIMITS.manifestBytes), file).files.map((f) => ({
      path: f.path,
      size: f.size,
    }));
  } catch {
    files = [];
  }
  let model: CheckpointDetailsInput['model'] = null;
  try {
    const file = path.join(info.path, MODEL_FILE);
    const header = await readSafetensorsHeader(file);
    const parameters = header.tensors.reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
    model = { parameters, bytes: (await stat(file)).size };
  } catch {
    model = null;
  }
  return { optimizer: info.optimizer, scheduler: info.scheduler, trainerState, model, files };
}
