/**
 * Hugging Face Trainer checkpoints as the tree and `checkpoints --json` show native ones:
 * `listHfCheckpoints(outputDir)` gives rows shaped like CheckpointInfo (newest first by the
 * modification time of trainer_state.json), `inspectHfCheckpoint(path)` a richer description, and
 * `readHfLogHistory(outputDir)` the newest checkpoint's log_history as loss-curve points.
 */
import { readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { CheckpointInfo } from '../checkpoint/types';
import { errorCode, errorMessage } from '../checkpoint/errors';
import {
  examineFolder,
  isHfCheckpointFolder,
  type HfCheckpointFiles,
  type HfFolderReport,
  type HfWeightsKind,
} from './checkpointFolder';
import { hfStepFromName } from './layout';
import { readOptimizerSummary, type HfOptimizerSummary } from './optimizerState';
import { readSchedulerSummary, type HfSchedulerSummary } from './schedulerState';
import type { HfTrainerState } from './trainerState';

/**
 * One row: CheckpointInfo's fields plus Hugging Face extras. `scheduler.next_lr` is null (a saved
 * torch scheduler cannot tell it), which is the only reason this is not a CheckpointInfo subtype.
 */
export interface HfCheckpointInfo extends Omit<CheckpointInfo, 'optimizer' | 'scheduler'> {
  format: 'huggingface';
  optimizer: HfOptimizerSummary | null;
  scheduler: HfSchedulerSummary | null;
  epoch: number | null;
  /** This folder is trainer_state's best_model_checkpoint (from the newest checkpoint's state). */
  best: boolean;
  /** Number of rng_state*.pth files: one per rank in a distributed run. */
  rngFiles: number;
  hasOptimizerFile: boolean;
  hasSchedulerFile: boolean;
  hasScaler: boolean;
  weights: HfWeightsKind | null;
  /** Why an optimizer.pt / scheduler.pt that exists could not be summarized; empty when all was read. */
  unread: string[];
}

export interface HfCheckpointInspection extends HfCheckpointInfo {
  files: HfCheckpointFiles;
  trainerState: HfTrainerState | null;
  bestModelCheckpoint: string | null;
  bestMetric: number | null;
}

export interface HfListOptions {
  /** Read optimizer.pt and scheduler.pt (their data.pkl only). Default true. */
  readTorchFiles?: boolean;
}

/** Every `checkpoint-<step>` folder in a Trainer output_dir, valid and invalid, newest first. Missing folder → []. */
export async function listHfCheckpoints(outputDir: string, options: HfListOptions = {}): Promise<HfCheckpointInfo[]> {
  const reports = await examineAll(outputDir);
  const newestValid = reports.find((r) => r.valid) ?? null;
  const bestName = bestNameOf(newestValid?.trainerState ?? reports.find((r) => r.trainerState)?.trainerState ?? null);
  return Promise.all(
    reports.map((report) => toRow(report, report === newestValid, bestName, options.readTorchFiles ?? true)),
  );
}

/** One checkpoint folder in full. `latest` and `best` are judged against its sibling checkpoints. */
export async function inspectHfCheckpoint(checkpointPath: string): Promise<HfCheckpointInspection> {
  const path = resolve(checkpointPath); // compared with its siblings' paths below
  if (!(await isHfCheckpointFolder(path))) {
    throw new Error(
      `${path}: not a Hugging Face checkpoint (expected a checkpoint-<step> folder holding trainer_state.json, weights, optimizer.pt ...)`,
    );
  }
  const report = await examineFolder(path);
  const outputDir = dirname(path);
  const siblings = await examineAll(outputDir);
  const newestValid = siblings.find((r) => r.valid) ?? null;
  const bestState = newestValid?.trainerState ?? report.trainerState;
  const row = await toRow(report, newestValid?.path === report.path, bestNameOf(bestState), true);
  return {
    ...row,
    files: report.files,
    trainerState: report.trainerState,
    bestModelCheckpoint: bestState?.best_model_checkpoint ?? null,
    bestMetric: bestState?.best_metric ?? null,
  };
}

export interface HfLossPoint {
  step: number;
  loss: number;
  /** null when the entry has no learning_rate. */
  lr: number | null;
}

export interface HfLogHistory {
  /** The trainer_state.json read, or null when no checkpoint has one. */
  source: string | null;
  /** Training-loss entries, ordered by step. */
  points: HfLossPoint[];
  /** Evaluation entries (eval_loss), ordered by step. */
  evalPoints: Array<{ step: number; evalLoss: number }>;
  /** Every entry as logged (each metric the Trainer and callbacks logged), in log order. */
  entries: HfTrainerState['log_history'];
}

/**
 * The Trainer keeps its whole log in each checkpoint's trainer_state.json, so the newest valid
 * checkpoint has the full curve up to its step (nothing newer exists on disk until the next save).
 */
export async function readHfLogHistory(outputDir: string): Promise<HfLogHistory> {
  const reports = await examineAll(outputDir);
  const newest = reports.find((r) => r.valid && r.trainerState) ?? reports.find((r) => r.trainerState);
  if (!newest?.trainerState) return { source: null, points: [], evalPoints: [], entries: [] };
  const points: HfLossPoint[] = [];
  const evalPoints: Array<{ step: number; evalLoss: number }> = [];
  for (const entry of newest.trainerState.log_history) {
    if (typeof entry.loss === 'number')
      points.push({ step: entry.step, loss: entry.loss, lr: entry.learning_rate ?? null });
    if (typeof entry.eval_loss === 'number') evalPoints.push({ step: entry.step, evalLoss: entry.eval_loss });
  }
  points.sort((a, b) => a.step - b.step);
  evalPoints.sort((a, b) => a.step - b.step);
  return {
    source: join(newest.path, 'trainer_state.json'),
    points,
    evalPoints,
    entries: newest.trainerState.log_history,
  };
}

/** True when `dir` holds at least one Hugging Face checkpoint folder. */
export async function isHfOutputDir(dir: string): Promise<boolean> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names)
    if (hfStepFromName(name) !== null && (await isHfCheckpointFolder(join(dir, name)))) return true;
  return false;
}

async function examineAll(outputDir: string): Promise<HfFolderReport[]> {
  let names: string[];
  try {
    const entries = await readdir(outputDir, { withFileTypes: true });
    names = entries.filter((e) => e.isDirectory() && hfStepFromName(e.name) !== null).map((e) => e.name);
  } catch {
    return [];
  }
  const folders: string[] = [];
  for (const name of names) if (await isHfCheckpointFolder(join(outputDir, name))) folders.push(join(outputDir, name));
  // A folder deleted while we look (retention during a live run) is simply gone from the list.
  const examined = await Promise.all(
    folders.map((folder) =>
      examineFolder(folder).catch((error: unknown) => {
        if (errorCode(error) === 'ENOENT') return null;
        throw error;
      }),
    ),
  );
  const reports = examined.filter((r): r is HfFolderReport => r !== null);
  return reports.sort((a, b) => b.mtimeMs - a.mtimeMs || (b.step ?? -1) - (a.step ?? -1) || (a.name < b.name ? 1 : -1));
}

/**
 * best_model_checkpoint is a path as the training process saw it (often relative, and with backslashes
 * when it ran on Windows): compare its last folder name, whichever separator it uses.
 */
function bestNameOf(state: HfTrainerState | null): string | null {
  const best = state?.best_model_checkpoint;
  if (!best) return null;
  const parts = best.split(/[\\/]/).filter((part) => part !== '');
  return parts[parts.length - 1] ?? null;
}

async function toRow(
  report: HfFolderReport,
  latest: boolean,
  bestName: string | null,
  readTorchFiles: boolean,
): Promise<HfCheckpointInfo> {
  const { files } = report;
  const unread: string[] = [];
  let optimizer: HfOptimizerSummary | null = null;
  let scheduler: HfSchedulerSummary | null = null;
  if (readTorchFiles && files.optimizer && files.optimizer.size > 0) {
    try {
      optimizer = await readOptimizerSummary(
        join(report.path, files.optimizer.name),
        files.optimizer.size,
        report.step ?? 0,
      );
    } catch (error) {
      unread.push(`optimizer.pt not read: ${errorMessage(error)}`);
    }
  }
  if (readTorchFiles && files.scheduler && files.scheduler.size > 0) {
    try {
      scheduler = await readSchedulerSummary(join(report.path, files.scheduler.name), files.scheduler.size);
    } catch (error) {
      unread.push(`scheduler.pt not read: ${errorMessage(error)}`);
    }
  }
  return {
    format: 'huggingface',
    path: report.path,
    name: report.name,
    step: report.step,
    mtimeMs: report.mtimeMs,
    valid: report.valid,
    latest,
    problems: report.problems,
    optimizer,
    scheduler,
    epoch: report.trainerState?.epoch ?? null,
    best: bestName !== null && bestName === report.name,
    rngFiles: files.rng.length,
    hasOptimizerFile: files.optimizer !== null,
    hasSchedulerFile: files.scheduler !== null,
    hasScaler: files.scaler !== null,
    weights: files.weightsKind,
    unread,
  };
}
