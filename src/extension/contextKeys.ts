/**
 * Typed context keys for `when` clauses in package.json: one place names them, so a typo in a
 * key or a value of the wrong type is a compile error rather than a menu that never shows.
 */
import * as vscode from 'vscode';

interface ContextKeyTypes {
  /** Some run is training in this window: enables Stop / Stop All. */
  'trainingRuns.isTraining': boolean;
  /** At least one run folder was found: hides the welcome view. */
  'trainingRuns.hasRuns': boolean;
  /** Discovery finished once: the welcome view waits for it instead of flashing. */
  'trainingRuns.loaded': boolean;
}

export type ContextKey = keyof ContextKeyTypes;

const current = new Map<ContextKey, unknown>();

export async function setContextKey<K extends ContextKey>(key: K, value: ContextKeyTypes[K]): Promise<void> {
  if (current.get(key) === value) return;
  current.set(key, value);
  await vscode.commands.executeCommand('setContext', key, value);
}

/**
 * `viewItem` values of tree items (contextValue), matched by the menus in package.json: a run in
 * progress offers Stop and no Resume; only a valid checkpoint of an idle run offers Resume From Here.
 */
export type RunItemContext = 'run.training' | 'run.idle' | 'run.idle.resumable';
export type CheckpointItemContext = `checkpoint.${'valid' | 'invalid'}.${'training' | 'idle'}`;
