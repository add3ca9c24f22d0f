/**
 * The extension's window onto the checkpoint engine (src/core/checkpoint). Listing and the tree's
 * reads go through the reader workers (src/extension/reading); the Inspect document's full
 * verification is loaded lazily (esbuild keeps a required module uninitialised until used).
 */
import type { CheckpointInfo } from '../../core/checkpoint/types';
import { inspectHfCheckpoint, isHfCheckpointFolder, listCheckpoints, nativeTrainerSummary } from '../reading';
import type { CheckpointSource, ListRequest } from './runModel';

export { TEMP_PREFIX } from '../../core/checkpoint/layout';
export { loadCheckpointDetails } from '../reading';

export const engineCheckpointSource: CheckpointSource = {
  async list(runDir: string, request?: ListRequest): Promise<CheckpointInfo[]> {
    return listCheckpoints(runDir, { useIndex: !request?.exact });
  },
  trainerSummary: nativeTrainerSummary,
};

/** The full state of a checkpoint for the read-only Inspect document. */
export async function inspectForDocument(checkpointPath: string): Promise<unknown> {
  // Hugging Face checkpoint-<step> folders (no manifest) are described by src/core/hf.
  if (await isHfCheckpointFolder(checkpointPath)) return inspectHfCheckpoint(checkpointPath);
  const engine = require('../../core/checkpoint/index') as typeof import('../../core/checkpoint/index');
  return engine.inspectCheckpoint(checkpointPath, { verify: true });
}
