/** Everything about one checkpoint, for `inspect` and the extension's Inspect view. Reads tensor headers, not data. */
import { basename, join } from 'node:path';
import { errorMessage } from './errors';
import { defaultFs, type CheckpointFs } from './fs';
import { METADATA_FILE, MODEL_FILE, OPTIMIZER_TENSORS_FILE, TRAINER_STATE_FILE } from './layout';
import { parseJsonObject } from './reader';
import { readSafetensorsHeader } from './safetensorsFile';
import {
  fileSize,
  listed,
  readOptimizerState,
  readSchedulerState,
  readStateText,
  readTrainerState,
  summariseOptimizer,
} from './summaries';
import type {
  DType,
  Manifest,
  ManifestFile,
  OptimizerState,
  OptimizerSummary,
  SchedulerState,
  TrainerState,
} from './types';
import { validateCheckpoint } from './validate';

export interface TensorDescription {
  name: string;
  dtype: DType;
  shape: number[];
}

export interface CheckpointInspection {
  path: string;
  name: string;
  valid: boolean;
  /** Whether checksums were verified (--verify). */
  verified: boolean;
  problems: string[];
  mtimeMs: number;
  manifest: Manifest | null;
  files: ManifestFile[];
  totalBytes: number;
  model: { parameters: number; bytes: number; tensors: TensorDescription[] } | null;
  optimizer:
    | (OptimizerSummary & {
        slots: Array<OptimizerState['slots'][number] & { dtype: DType | null; shape: number[] | null }>;
        extra: Record<string, number>;
      })
    | null;
  scheduler: SchedulerState | null;
  trainerState: TrainerState | null;
  metadata: Record<string, unknown> | null;
}

export async function inspectCheckpoint(
  path: string,
  options: { verify?: boolean; fs?: CheckpointFs } = {},
): Promise<CheckpointInspection> {
  const fs = options.fs ?? defaultFs;
  const validation = await validateCheckpoint(path, { fs, verifyChecksums: options.verify ?? false });
  const manifest = validation.manifest;
  const problems = [...validation.problems];
  /** Best effort: an unreadable part becomes a problem, the rest is still shown. */
  const attempt = async <T>(read: () => Promise<T | null>): Promise<T | null> => {
    try {
      return await read();
    } catch (error) {
      problems.push(errorMessage(error));
      return null;
    }
  };
  const files = manifest?.files ?? [];
  const model = await attempt(async () => {
    if (!listed(manifest, MODEL_FILE)) return null;
    const header = await readSafetensorsHeader(join(path, MODEL_FILE), fs);
    const parameters = header.tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
    return {
      parameters,
      bytes: fileSize(manifest, MODEL_FILE),
      tensors: header.tensors.map(({ name, dtype, shape }) => ({ name, dtype, shape })),
    };
  });
  const optimizer = await attempt(async () => {
    const state = await readOptimizerState(fs, path, manifest);
    if (!state) return null;
    const header = listed(manifest, OPTIMIZER_TENSORS_FILE)
      ? await readSafetensorsHeader(join(path, OPTIMIZER_TENSORS_FILE), fs)
      : null;
    const byName = new Map(header?.tensors.map((t) => [t.name, t]) ?? []);
    const slots = state.slots.map((s) => ({
      ...s,
      dtype: byName.get(s.name)?.dtype ?? null,
      shape: byName.get(s.name)?.shape ?? null,
    }));
    return { ...summariseOptimizer(state, manifest), slots, extra: state.extra };
  });
  const scheduler = await attempt(() => readSchedulerState(fs, path, manifest));
  const trainerState = await attempt(() => readTrainerState(fs, path, manifest));
  if (trainerState && manifest && trainerState.global_step !== manifest.step) {
    problems.push(
      `${join(path, TRAINER_STATE_FILE)}: global_step ${trainerState.global_step} disagrees with the checkpoint's step ${manifest.step}`,
    );
  }
  const metadata = await attempt(async () =>
    listed(manifest, METADATA_FILE)
      ? parseJsonObject(await readStateText(fs, join(path, METADATA_FILE)), join(path, METADATA_FILE))
      : null,
  );
  return {
    path,
    name: basename(path),
    valid: problems.length === 0,
    verified: options.verify ?? false,
    problems,
    mtimeMs: validation.mtimeMs,
    manifest,
    files,
    totalBytes: files.reduce((n, f) => n + f.size, 0),
    model,
    optimizer,
    scheduler,
    trainerState,
    metadata,
  };
}
