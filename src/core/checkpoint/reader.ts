/**
 * Loading a checkpoint for resume. Every file read is verified against its manifest checksum as it
 * is read (the hash overlaps the read), so a flipped byte or a truncated file is an error, not a
 * silently different run.
 */
import { basename, join } from 'node:path';
import { CheckpointError, rethrowReaderFailure } from './errors';
import { defaultFs, type CheckpointFs } from './fs';
import { SUPPORTED_CHECKSUMS } from './checksum';
import { readHashed } from './hashedIo';
import {
  METADATA_FILE,
  MODEL_FILE,
  OPTIMIZER_STATE_FILE,
  OPTIMIZER_TENSORS_FILE,
  SCHEDULER_FILE,
  TRAINER_STATE_FILE,
} from './layout';
import { decodeSafetensors } from './safetensors';
import { parseBoundedJson } from '../limits/boundedFile';
import { readStateText } from './summaries';
import { parseOptimizerState, parseSchedulerState, parseTrainerState } from './stateSchemas';
import { contentProblems, type ConsistencyLabels } from './consistency';
import type { CheckpointContent, DType, Manifest, TrainerState } from './types';
import { validateCheckpoint } from './validate';

export interface LoadOptions {
  restoreOptimizer: boolean;
  restoreScheduler: boolean;
  /** The dtype the model's weights have: a checkpoint with others is refused (int32 weights are not float32 weights). */
  weightsDtype?: DType;
  fs?: CheckpointFs;
}

/** Files a load with these options does not read, so their absence or damage does not stop it. */
export function filesNotNeeded(
  options: Pick<LoadOptions, 'restoreOptimizer' | 'restoreScheduler'>,
): ReadonlySet<string> {
  return new Set([
    ...(options.restoreOptimizer ? [] : [OPTIMIZER_STATE_FILE, OPTIMIZER_TENSORS_FILE]),
    ...(options.restoreScheduler ? [] : [SCHEDULER_FILE]),
  ]);
}

export async function loadCheckpoint(
  path: string,
  options: LoadOptions,
): Promise<{ content: CheckpointContent; warnings: string[] }> {
  try {
    return await readCheckpoint(path, options);
  } catch (error) {
    // A file whose checksum matches can still be unusable (written wrong): bad input (exit 2), naming the file.
    if (error instanceof CheckpointError) throw error;
    throw new CheckpointError(
      `checkpoint ${path} cannot be loaded: ${error instanceof Error ? error.message : String(error)}`,
      2,
    );
  }
}

async function readCheckpoint(
  path: string,
  options: LoadOptions,
): Promise<{ content: CheckpointContent; warnings: string[] }> {
  const fs = options.fs ?? defaultFs;
  const validation = await validateCheckpoint(path, { fs, notNeeded: filesNotNeeded(options) });
  if (!validation.valid || !validation.manifest) {
    throw new CheckpointError(`checkpoint ${path} is not valid: ${validation.problems.join('; ')}`, 2);
  }
  const manifest = validation.manifest;
  if (!SUPPORTED_CHECKSUMS.includes(manifest.checksum_algorithm)) {
    throw new CheckpointError(
      `${join(path, 'manifest.json')}: checksum algorithm "${manifest.checksum_algorithm}" is not supported (${SUPPORTED_CHECKSUMS.join(', ')})`,
      2,
    );
  }
  const listed = new Set(manifest.files.map((f) => f.path));
  const read = (file: string) => readVerified(fs, path, manifest, file);
  const name = basename(path);
  const warnings: string[] = [];

  if (!listed.has(TRAINER_STATE_FILE))
    throw new CheckpointError(`${join(path, TRAINER_STATE_FILE)}: missing from the checkpoint`, 2);
  const hasOptimizer = listed.has(OPTIMIZER_STATE_FILE) && listed.has(OPTIMIZER_TENSORS_FILE);
  const loadOptimizer = options.restoreOptimizer && hasOptimizer;
  const loadScheduler = options.restoreScheduler && listed.has(SCHEDULER_FILE);
  if (options.restoreOptimizer && !hasOptimizer && manifest.removed_on_purpose?.includes(OPTIMIZER_TENSORS_FILE)) {
    warnings.push(
      `checkpoint ${name}'s optimizer state was removed on purpose (prune-optimizer): the optimizer starts fresh (step count 0, empty moments)`,
    );
  } else if (options.restoreOptimizer && !hasOptimizer) {
    warnings.push(
      `checkpoint ${name} has no optimizer state (${OPTIMIZER_STATE_FILE}, ${OPTIMIZER_TENSORS_FILE}): the optimizer starts fresh (step count 0, empty moments)`,
    );
  }
  if (options.restoreScheduler && !listed.has(SCHEDULER_FILE)) {
    warnings.push(
      `checkpoint ${name} has no scheduler state (${SCHEDULER_FILE}): the learning-rate schedule starts fresh from step 0`,
    );
  }

  const [model, trainerText, optimizerTensors, optimizerText, schedulerText, metadataText] = await Promise.all([
    read(MODEL_FILE),
    read(TRAINER_STATE_FILE),
    loadOptimizer ? read(OPTIMIZER_TENSORS_FILE) : null,
    loadOptimizer ? read(OPTIMIZER_STATE_FILE) : null,
    loadScheduler ? read(SCHEDULER_FILE) : null,
    listed.has(METADATA_FILE) ? read(METADATA_FILE) : null,
  ]);

  const trainerState = parseTrainerState(trainerText.toString('utf8'), join(path, TRAINER_STATE_FILE));
  const content: CheckpointContent = {
    step: manifest.step,
    weights: decodeSafetensors(model, join(path, MODEL_FILE)).tensors,
    trainerState,
  };
  if (optimizerTensors && optimizerText) {
    const state = parseOptimizerState(optimizerText.toString('utf8'), join(path, OPTIMIZER_STATE_FILE));
    const tensors = decodeSafetensors(optimizerTensors, join(path, OPTIMIZER_TENSORS_FILE)).tensors;
    const missing = state.slots.filter((s) => !(s.name in tensors)).map((s) => s.name);
    if (missing.length > 0) {
      throw new CheckpointError(
        `${join(path, OPTIMIZER_TENSORS_FILE)}: missing slot tensors ${missing.join(', ')} listed in ${OPTIMIZER_STATE_FILE}`,
        2,
      );
    }
    content.optimizer = { state, tensors };
  }
  if (schedulerText)
    content.scheduler = parseSchedulerState(schedulerText.toString('utf8'), join(path, SCHEDULER_FILE));
  if (metadataText) content.metadata = parseJsonObject(metadataText.toString('utf8'), join(path, METADATA_FILE));
  const problems = contentProblems(content, fileLabels(path), options.weightsDtype);
  if (problems.length > 0) throw new CheckpointError(`checkpoint ${path} is inconsistent: ${problems.join('; ')}`, 2);
  return { content, warnings };
}

export function parseJsonObject(text: string, label: string): Record<string, unknown> {
  return parseBoundedJson(text, label) as Record<string, unknown>;
}

/**
 * Problems with the small state files a resume reads (trainer, optimizer and scheduler state,
 * metadata), each naming the file: checksums prove the bytes are the ones written, not that they
 * parse. Cheap (no tensors read), so resume can fall back past such a checkpoint before loading.
 */
export async function stateFileProblems(
  path: string,
  manifest: Manifest,
  fs: CheckpointFs = defaultFs,
): Promise<string[]> {
  const parsers: Array<[string, (text: string, label: string) => unknown]> = [
    [TRAINER_STATE_FILE, parseTrainerState],
    [OPTIMIZER_STATE_FILE, parseOptimizerState],
    [SCHEDULER_FILE, parseSchedulerState],
    [METADATA_FILE, parseJsonObject],
  ];
  const listed = new Set(manifest.files.map((f) => f.path));
  const problems: string[] = [];
  if (!listed.has(TRAINER_STATE_FILE)) problems.push(`${join(path, TRAINER_STATE_FILE)}: missing from the checkpoint`);
  for (const [file, parse] of parsers) {
    if (!listed.has(file)) continue;
    try {
      const parsed = parse(await readStateText(fs, join(path, file)), join(path, file));
      // The one cross-check the state files alone allow; the rest needs the tensors (loadCheckpoint).
      const step = file === TRAINER_STATE_FILE ? (parsed as TrainerState).global_step : manifest.step;
      if (step !== manifest.step)
        problems.push(`${join(path, file)}: global_step ${step} disagrees with the checkpoint's step ${manifest.step}`);
    } catch (error) {
      rethrowReaderFailure(error, join(path, file));
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  return problems;
}

async function readVerified(fs: CheckpointFs, dir: string, manifest: Manifest, file: string): Promise<Buffer> {
  const entry = manifest.files.find((f) => f.path === file);
  const path = join(dir, file);
  if (!entry) throw new CheckpointError(`${path}: not listed in the manifest`, 2);
  const algorithm = manifest.checksum_algorithm;
  // A failure of this machine (EIO, EMFILE) is not the checkpoint's: resume must not pass it over.
  const { bytes, checksum } = await readHashed(fs, path, algorithm).catch((error: unknown) => {
    rethrowReaderFailure(error, path);
    throw error;
  });
  if (bytes.length !== entry.size)
    throw new CheckpointError(`${path}: size ${bytes.length} bytes, manifest says ${entry.size}`, 2);
  if (checksum !== entry.checksum)
    throw new CheckpointError(`${path}: ${algorithm} checksum mismatch (file is corrupt)`, 2);
  return bytes;
}

/** The files each part of a checkpoint comes from, for consistency problems. */
export function fileLabels(dir: string): ConsistencyLabels {
  return {
    trainerState: join(dir, TRAINER_STATE_FILE),
    optimizerState: join(dir, OPTIMIZER_STATE_FILE),
    scheduler: join(dir, SCHEDULER_FILE),
    weights: join(dir, MODEL_FILE),
    optimizerTensors: join(dir, OPTIMIZER_TENSORS_FILE),
  };
}
