/**
 * Which folder is a run, given a file that matched one of the `trainingRuns.runsGlobs` patterns
 * (run.json, or a file inside checkpoints/). vscode-free so it is unit-tested.
 */
import * as path from 'node:path';

export const DEFAULT_RUN_GLOBS = ['**/run.json', '**/checkpoints/checkpoint-*/manifest.json'];

/** The run folder a matched file belongs to: the parent of a `checkpoints` folder on its path, else its folder. */
export function runDirFromMarker(filePath: string): string {
  const parts = path.resolve(filePath).split(path.sep);
  const idx = parts.lastIndexOf('checkpoints');
  if (idx > 0) return parts.slice(0, idx).join(path.sep) || path.sep;
  return path.dirname(path.resolve(filePath));
}

/** Distinct run folders for a list of matched files, sorted. */
export function runDirsFromMarkers(files: readonly string[]): string[] {
  return [...new Set(files.map(runDirFromMarker))].sort();
}
