/**
 * Tests across a reload of the window. A reload restarts the extension host, which runs
 * suite/index.ts again from the start, so a reload is a second pass of the index:
 *   1. a test calls requestReload(title); the index, once every test of the pass has run, saves the
 *      pass's counts and the titles asked for in the state file and reloads the window;
 *   2. after the reload the index finds the state file and runs only the afterReload(title) tests
 *      asked for, then reports the counts of both passes together.
 * The state file is named by TRAINING_RUNS_TEST_RELOAD_STATE (the code-server runner sets it); where
 * it is not set, a reload cannot be tested and requestReload says so. Each suite file is its own
 * bundle, so the requests made in one pass are kept on globalThis, not in this module.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

export interface PassCounts {
  passes: number;
  failures: number;
  pending: number;
}

export interface ReloadState {
  /** The first pass's counts. */
  counts: PassCounts;
  /** The afterReload tests the first pass asked for. */
  requested: string[];
}

/** In the title of every afterReload test: the second pass greps for it (mocha reads a grep as a regular expression: plain words only). */
export const AFTER_RELOAD_TAG = 'after the window reloaded';

const requestsKey = Symbol.for('training-runs.integration.reloadRequests');
type WithRequests = typeof globalThis & { [requestsKey]?: string[] };

function stateFile(): string | undefined {
  return process.env['TRAINING_RUNS_TEST_RELOAD_STATE'] || undefined;
}

/** The state the first pass left, in the second pass; null in the first. */
export function readReloadState(): ReloadState | null {
  const file = stateFile();
  if (!file || !existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as ReloadState;
}

export function writeReloadState(state: ReloadState): void {
  const file = stateFile();
  if (!file) throw new Error('TRAINING_RUNS_TEST_RELOAD_STATE is not set: this runner cannot reload the window');
  writeFileSync(file, `${JSON.stringify(state)}\n`);
}

export function clearReloadState(): void {
  const file = stateFile();
  if (file) rmSync(file, { force: true });
}

/** Both passes' counts; an asked-for test that did not run after the reload (its title misspelt) counts as failed. */
export function countsOfBothPasses(before: ReloadState, after: PassCounts): PassCounts {
  const ran = after.passes + after.failures + after.pending;
  const missing = Math.max(0, before.requested.length - ran);
  if (missing > 0) console.error(`${missing} test(s) asked to run after the reload did not run`);
  return {
    passes: before.counts.passes + after.passes,
    failures: before.counts.failures + after.failures + missing,
    pending: before.counts.pending + after.pending,
  };
}

/** Asks for the window to be reloaded after this pass and the afterReload test `title` to run then; false where this runner cannot reload. */
export function requestReload(title: string): boolean {
  if (!stateFile()) return false;
  ((globalThis as WithRequests)[requestsKey] ??= []).push(title);
  return true;
}

/** The titles asked for in this pass (and forgets them). */
export function takeReloadRequests(): string[] {
  const asked = (globalThis as WithRequests)[requestsKey] ?? [];
  (globalThis as WithRequests)[requestsKey] = [];
  return asked;
}

/** A test that runs after the reload a first-pass test asked for with the same title; nothing otherwise. */
export function afterReload(title: string, fn: Mocha.AsyncFunc): void {
  if (!readReloadState()?.requested.includes(title)) return;
  describe(AFTER_RELOAD_TAG, function () {
    this.timeout(120_000);
    it(title, fn);
  });
}
