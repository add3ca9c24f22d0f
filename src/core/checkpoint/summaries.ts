/** Reading the small state files of a checkpoint for display (list rows, inspect, tree nodes). */
import { join } from 'node:path';
import { READ_LIMITS } from '../limits/readLimits';
import type { CheckpointFs } from './fs';
import { readRegularText } from './hashedIo';
import { OPTIMIZER_STATE_FILE, OPTIMIZER_TENSORS_FILE, SCHEDULER_FILE, TRAINER_STATE_FILE } from './layout';
import { parseOptimizerState, parseSchedulerState, parseTrainerState } from './stateSchemas';
import type { Manifest, OptimizerState, OptimizerSummary, SchedulerState, TrainerState } from './types';

export function listed(manifest: Manifest | null, file: string): boolean {
  return manifest?.files.some((f) => f.path === file) ?? false;
}

export function fileSize(manifest: Manifest | null, file: string): number {
  return manifest?.files.find((f) => f.path === file)?.size ?? 0;
}

export async function readOptimizerState(
  fs: CheckpointFs,
  dir: string,
  manifest: Manifest | null,
): Promise<OptimizerState | null> {
  if (!listed(manifest, OPTIMIZER_STATE_FILE)) return null;
  const path = join(dir, OPTIMIZER_STATE_FILE);
  return parseOptimizerState(await readStateText(fs, path), path);
}

export function summariseOptimizer(state: OptimizerState, manifest: Manifest | null): OptimizerSummary {
  return {
    type: state.type,
    hyperparameters: state.hyperparameters,
    iterations: state.iterations,
    slotKinds: [...new Set(state.slots.map((s) => s.slot))],
    variables: new Set(state.slots.map((s) => s.variable)).size,
    bytes: fileSize(manifest, OPTIMIZER_TENSORS_FILE),
  };
}

export async function readSchedulerState(
  fs: CheckpointFs,
  dir: string,
  manifest: Manifest | null,
): Promise<SchedulerState | null> {
  if (!listed(manifest, SCHEDULER_FILE)) return null;
  const path = join(dir, SCHEDULER_FILE);
  return parseSchedulerState(await readStateText(fs, path), path);
}

export async function readTrainerState(
  fs: CheckpointFs,
  dir: string,
  manifest: Manifest | null,
): Promise<TrainerState | null> {
  if (!listed(manifest, TRAINER_STATE_FILE)) return null;
  const path = join(dir, TRAINER_STATE_FILE);
  return parseTrainerState(await readStateText(fs, path), path);
}

/** A state file's text, refused, before a byte is read, when it is not a regular file or is larger than READ_LIMITS.jsonFileBytes. */
export function readStateText(fs: CheckpointFs, path: string): Promise<string> {
  return readRegularText(fs, path, READ_LIMITS.jsonFileBytes);
}
