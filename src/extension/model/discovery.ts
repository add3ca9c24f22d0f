/**
 * Which folder is a run, given a file that matched one of the `trainingRuns.runsGlobs` patterns
 * (run.json, a file inside checkpoints/, or a Hugging Face `checkpoint-<step>/trainer_state.json`).
 * vscode-free so it is unit-tested.
 */
import * as path from 'node:path';
import { EVENT_FILE_PREFIX } from '../../core/tensorboard/layout';

export const DEFAULT_RUN_GLOBS = [
  '**/run.json',
  '**/checkpoints/checkpoint-*/manifest.json',
  '**/checkpoint-*/trainer_state.json',
];

/** Never searched for runs or configs: dependencies, git, and checkpoints moved aside (abandonedBranch.ts). */
export const WORKSPACE_EXCLUDE = '**/{node_modules,.git,abandoned-branches}/**';

const HF_CHECKPOINT_DIR = /^checkpoint-\d+$/;

/**
 * The run folder a matched file belongs to: the parent of a `checkpoints` folder on its path; for a
 * file directly inside a Hugging Face `checkpoint-<step>` folder, that folder's parent (the
 * Trainer's output_dir); else the file's folder.
 */
export function runDirFromMarker(filePath: string): string {
  const parts = path.resolve(filePath).split(path.sep);
  const idx = parts.lastIndexOf('checkpoints');
  if (idx > 0) return parts.slice(0, idx).join(path.sep) || path.sep;
  const folder = path.dirname(path.resolve(filePath));
  if (HF_CHECKPOINT_DIR.test(path.basename(folder)) && path.basename(filePath) !== 'run.json')
    return path.dirname(folder);
  return folder;
}

/** Distinct run folders for a list of matched files, sorted. */
export function runDirsFromMarkers(files: readonly string[]): string[] {
  return [...new Set(files.map(runDirFromMarker))].sort();
}

/** The kind of run file a watcher event is about (see RunStore.touch). */
export type RunFileKind = 'checkpoints' | 'record' | 'metrics' | 'tensorboard';

const EXCLUDED_SEGMENT = /^(node_modules|\.git|abandoned-branches)$/;
const CHECKPOINT_FOLDER = /^(tmp-)?checkpoint-\d+$/;

/**
 * The run folder a changed file belongs to, and what changed: run.json (`record`), metrics.jsonl
 * (`metrics`), or anything under `checkpoints/` or a `checkpoint-<step>/` folder (`checkpoints`).
 * A TensorBoard event file (`tensorboard`) gives the folder it is in: its run is that folder or one
 * up to EVENT_FILE_DEPTH above, which only the store can tell.
 * Other files (custom marker patterns) count as the run's record. Null for files in excluded folders.
 */
export function runFileOf(filePath: string): { runDir: string; kind: RunFileKind } | null {
  const resolved = path.resolve(filePath);
  const parts = resolved.split(path.sep);
  if (parts.some((p) => EXCLUDED_SEGMENT.test(p))) return null;
  const name = path.basename(resolved);
  if (name === 'run.json') return { runDir: path.dirname(resolved), kind: 'record' };
  if (name === 'metrics.jsonl') return { runDir: path.dirname(resolved), kind: 'metrics' };
  if (name.startsWith(EVENT_FILE_PREFIX)) return { runDir: path.dirname(resolved), kind: 'tensorboard' };
  const inCheckpoints = parts.lastIndexOf('checkpoints');
  if (inCheckpoints > 0 && inCheckpoints < parts.length - 1)
    return { runDir: parts.slice(0, inCheckpoints).join(path.sep) || path.sep, kind: 'checkpoints' };
  const hf = parts.findIndex((p, i) => i > 0 && CHECKPOINT_FOLDER.test(p));
  if (hf > 0) return { runDir: parts.slice(0, hf).join(path.sep) || path.sep, kind: 'checkpoints' };
  return { runDir: runDirFromMarker(resolved), kind: 'record' };
}
