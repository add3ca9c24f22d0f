/**
 * The extension's window onto the checkpoint engine (src/core/checkpoint). Loaded lazily by the
 * tree so activation stays fast: esbuild keeps a dynamic import's module uninitialised until used.
 */
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { CheckpointInfo, TrainerState } from '../../core/checkpoint/types';
import type { CheckpointDetailsInput } from './checkpointDetails';

// `require` (not `import()`) so esbuild defers each module's initialisation to first use while
// tsx-run unit tests resolve the TypeScript sources the same way.
type Engine = typeof import('../../core/checkpoint/index');
const engine = async (): Promise<Engine> => require('../../core/checkpoint/index') as Engine;
const readers = async () => {
  const e = await engine();
  return { layout: e.checkpointLayout, states: require('../../core/checkpoint/stateSchemas') as typeof import('../../core/checkpoint/stateSchemas'), manifest: require('../../core/checkpoint/manifest') as typeof import('../../core/checkpoint/manifest'), safetensors: e };
};

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

async function readTrainerState(checkpointPath: string): Promise<TrainerState | null> {
  const { layout, states } = await readers();
  const file = path.join(checkpointPath, layout.TRAINER_STATE_FILE);
  try {
    return states.parseTrainerState(await readFile(file, 'utf8'), file);
  } catch {
    return null;
  }
}

export const engineCheckpointSource: CheckpointSource = {
  async list(runDir: string, request?: ListRequest): Promise<CheckpointInfo[]> {
    return (await engine()).listCheckpoints(runDir, { useIndex: !request?.exact });
  },
  async trainerSummary(checkpointPath: string) {
    const t = await readTrainerState(checkpointPath);
    return t ? { loss: t.loss, bestCheckpoint: t.best_checkpoint } : null;
  },
};

/** Everything the tree shows under a checkpoint; parts that are absent or unreadable are null. */
export async function loadCheckpointDetails(info: CheckpointInfo): Promise<CheckpointDetailsInput> {
  const { layout, manifest, safetensors } = await readers();
  const trainerState = await readTrainerState(info.path);
  let files: CheckpointDetailsInput['files'] = [];
  try {
    const file = path.join(info.path, layout.MANIFEST_FILE);
    files = manifest.parseManifest(await readFile(file, 'utf8'), file).files.map((f) => ({ path: f.path, size: f.size }));
  } catch {
    files = [];
  }
  let model: CheckpointDetailsInput['model'] = null;
  try {
    const file = path.join(info.path, layout.MODEL_FILE);
    const header = await safetensors.readSafetensorsHeader(file);
    const parameters = header.tensors.reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
    model = { parameters, bytes: (await stat(file)).size };
  } catch {
    model = null;
  }
  return { optimizer: info.optimizer, scheduler: info.scheduler, trainerState, model, files };
}

/** The full state of a checkpoint for the read-only Inspect document. */
export async function inspectForDocument(checkpointPath: string): Promise<unknown> {
  // Hugging Face checkpoint-<step> folders (no manifest) are described by src/core/hf.
  const hf = require('../../core/hf/index') as typeof import('../../core/hf/index');
  if (await hf.isHfCheckpointFolder(checkpointPath)) return hf.inspectHfCheckpoint(checkpointPath);
  return (await engine()).inspectCheckpoint(checkpointPath, { verify: true });
}
