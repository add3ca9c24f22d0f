/**
 * One run folder's checkpoints: async atomic saves, retention, resume discovery and loading.
 * The trainer copies tensors out of tfjs and hands them over; everything else happens here,
 * in the background of training.
 */
import { basename, isAbsolute, join, resolve } from 'node:path';
import { cleanupLeftovers, commitCheckpoint, type CommitStage } from './commit';
import { encodeContent } from './contents';
import { discoverCheckpoints } from './discovery';
import { CheckpointError, errorMessage, ReaderIoError } from './errors';
import { defaultFs, pathExists, type CheckpointFs } from './fs';
import { CHECKPOINTS_DIR, SAVE_COUNTER_FILE, TRAINER_STATE_FILE, checkpointName, ownTempName } from './layout';
import { LISTING_INDEX_FILE } from './listingIndex';
import { entryForCommitted, updateListingIndex } from './listingIndexUpdate';
import { filesNotNeeded, loadCheckpoint, stateFileProblems, type LoadOptions } from './reader';
import { metricOf, selectForDeletion } from './retention';
import type { CheckpointContent, CheckpointOptions, Manifest, TrainerState } from './types';
import { validateCheckpoint } from './validate';

export interface CheckpointManagerOptions extends CheckpointOptions {
  metric_for_best_model: string | null;
  greater_is_better: boolean;
  /** With a metric: how many of the best checkpoints retention keeps (default 1, the best). */
  preserve_n_best?: number;
}

export interface CheckpointManagerHooks {
  onWarning?(message: string): void;
  /** File-system calls (tests inject failures). */
  fs?: CheckpointFs;
  /** Called at each commit stage; throwing there simulates a failure at that point. */
  onStage?(stage: CommitStage): void | Promise<void>;
}

export interface SaveResult {
  path: string;
  name: string;
  step: number;
  bytes: number;
  durationMs: number;
  /** Folder names deleted by retention. */
  deleted: string[];
}

export interface PendingSave {
  path: string;
  name: string;
  /** Resolves once committed and retention ran; rejects on failure (temp folder removed, nothing deleted). */
  done: Promise<SaveResult>;
}

export interface ResumeTarget {
  path: string;
  name: string;
  step: number;
  /** Newer checkpoints passed over, with why. */
  skipped: Array<{ path: string; reason: string }>;
}

/** What a resume restores, hence which files it needs. */
export type ResumeNeeds = Pick<LoadOptions, 'restoreOptimizer' | 'restoreScheduler' | 'weightsDtype'>;
const FULL_RESUME: ResumeNeeds = { restoreOptimizer: true, restoreScheduler: true };

interface Best {
  name: string;
  value: number | null;
}

export class CheckpointManager {
  readonly checkpointsDir: string;
  private readonly fs: CheckpointFs;
  private pending: Promise<SaveResult> | null = null;
  private counter: number | null = null;
  private best: Best | null = null;
  /** metric_for_best_model of checkpoints seen, by folder name (the N best are ranked by it). */
  private readonly metricByName = new Map<string, number | null>();
  private readonly reportedInvalid = new Set<string>();

  constructor(
    readonly outputDir: string,
    private readonly options: CheckpointManagerOptions,
    private readonly hooks: CheckpointManagerHooks = {},
  ) {
    this.checkpointsDir = join(outputDir, CHECKPOINTS_DIR);
    this.fs = hooks.fs ?? defaultFs;
  }

  /**
   * Waits for the previous save, then returns while this one runs in the background.
   * Owns `content`'s arrays from now on. Saves are chained, so even unawaited calls never overlap.
   */
  async save(content: CheckpointContent): Promise<PendingSave> {
    const name = checkpointName(content.step);
    const previous = this.pending;
    const done = (async () => {
      if (previous) await previous.catch(() => undefined);
      // After the previous commit: the best checkpoint so far includes it.
      const { trainerState, best, value } = this.withBest(name, content.trainerState);
      const files = encodeContent(
        { ...content, trainerState },
        { saveOptimizer: this.options.save_optimizer_state, saveScheduler: this.options.save_scheduler_state },
        name,
      );
      return this.runSave(
        name,
        content.step,
        files,
        { best, value },
        { optimizer: content.optimizer, scheduler: content.scheduler, trainerState },
      );
    })();
    // Observed here so an unawaited failure is not an unhandled rejection; callers still see it.
    done.catch(() => undefined);
    this.pending = done;
    if (previous) await previous.catch(() => undefined);
    return { path: join(this.checkpointsDir, name), name, done };
  }

  /** Waits for the pending save; rethrows its error. */
  async flush(): Promise<void> {
    const pending = this.pending;
    this.pending = null;
    if (pending) await pending;
  }

  private async runSave(
    name: string,
    step: number,
    files: ReturnType<typeof encodeContent>,
    { best, value }: { best: Best | null; value: number | null },
    written: Pick<CheckpointContent, 'optimizer' | 'scheduler' | 'trainerState'>,
  ): Promise<SaveResult> {
    const started = performance.now();
    for (const action of await cleanupLeftovers(this.checkpointsDir, this.fs)) this.warn(action);
    const saveCounter = await this.nextSaveCounter();
    const committed = await commitCheckpoint({
      checkpointsDir: this.checkpointsDir,
      name,
      step,
      saveCounter,
      files,
      fs: this.fs,
      onStage: this.hooks.onStage,
      runDir: this.outputDir,
    });
    // Committed: from here on the save has succeeded, whatever housekeeping fails (warnings only).
    if (committed.keptAside)
      this.warn(
        `${name} was already there (a copied folder, or another line of training): that one was moved to ${committed.keptAside}, not overwritten`,
      );
    this.counter = saveCounter;
    if (best) this.best = best;
    this.metricByName.set(name, value);
    await this.persistSaveCounter(saveCounter);
    const deleted = await this.applyRetention(name).catch((error: unknown) => {
      this.warn(
        `retention after saving ${name} failed: ${errorMessage(error)} (the checkpoint is saved; nothing was deleted)`,
      );
      return [];
    });
    await this.updateIndex(committed.path, name, committed.manifest, written);
    return {
      path: committed.path,
      name,
      step,
      bytes: committed.bytes,
      durationMs: performance.now() - started,
      deleted,
    };
  }

  /** Fills the best-checkpoint fields of the trainer state to be written; the manager's record changes only on commit. */
  private withBest(
    name: string,
    state: TrainerState,
  ): { trainerState: TrainerState; best: Best | null; value: number | null } {
    const metric = this.options.metric_for_best_model;
    if (metric === null) {
      const best = state.best_checkpoint ? { name: state.best_checkpoint, value: state.best_metric } : null;
      return { trainerState: state, best, value: null };
    }
    const value = metricOf(state, metric);
    const current = this.best;
    // Strictly better only: on a tie the earlier checkpoint stays the best.
    const better =
      value !== null &&
      (current === null ||
        current.value === null ||
        (this.options.greater_is_better ? value > current.value : value < current.value));
    const best = better ? { name, value } : current;
    return {
      value,
      trainerState: {
        ...state,
        best_metric_name: metric,
        best_metric: best?.value ?? null,
        best_checkpoint: best?.name ?? null,
        greater_is_better: this.options.greater_is_better,
      },
      best,
    };
  }

  private async nextSaveCounter(): Promise<number> {
    if (this.counter === null) {
      let fromFile = 0;
      try {
        fromFile =
          Number.parseInt(await this.fs.readFile(join(this.checkpointsDir, SAVE_COUNTER_FILE), 'utf8'), 10) || 0;
      } catch {
        // first save in this folder, or the counter file was lost: the manifests still know
      }
      const existing = await discoverCheckpoints(this.checkpointsDir, { fs: this.fs });
      this.counter = Math.max(fromFile, ...existing.map((c) => c.saveCounter));
    }
    return this.counter + 1;
  }

  /** Not fsynced: it is only a hint (every manifest carries its counter and the next session takes the max). */
  private async persistSaveCounter(value: number): Promise<void> {
    const target = join(this.checkpointsDir, SAVE_COUNTER_FILE);
    const temp = `${target}.tmp`;
    try {
      await this.fs.writeFile(temp, `${value}\n`);
      await this.fs.rename(temp, target);
    } catch (error) {
      this.warn(`could not update ${target}: ${errorMessage(error)} (manifests still carry the save counter)`);
    }
  }

  /** The listing index is a cache for readers: failing to update it never fails the save. */
  private async updateIndex(
    path: string,
    name: string,
    manifest: Manifest,
    written: Pick<CheckpointContent, 'optimizer' | 'scheduler' | 'trainerState'>,
  ): Promise<void> {
    try {
      await updateListingIndex(this.checkpointsDir, this.fs, [
        await entryForCommitted(path, name, manifest, written, this.fs),
      ]);
    } catch (error) {
      this.warn(
        `could not update ${join(this.checkpointsDir, LISTING_INDEX_FILE)}: ${errorMessage(error)} (listing validates the checkpoints instead)`,
      );
    }
  }

  /** Runs only after a commit. Invalid folders are reported once and never deleted. */
  private async applyRetention(justWritten: string): Promise<string[]> {
    // Without a limit nothing is ever deleted: no need to list and re-validate every checkpoint after each save.
    if (this.options.save_total_limit === null) return [];
    const all = await discoverCheckpoints(this.checkpointsDir, { fs: this.fs });
    for (const c of all.filter((c) => !c.valid && !this.reportedInvalid.has(c.path))) {
      this.reportedInvalid.add(c.path);
      this.warn(
        `${c.path} is not a valid checkpoint (not counted toward save_total_limit, not deleted): ${c.problems.join('; ')}`,
      );
    }
    const protectedNames = new Set([justWritten, ...(this.best ? [this.best.name] : [])]);
    const metric = this.options.metric_for_best_model;
    const valid = all.filter((c) => c.valid);
    const candidates =
      metric === null
        ? valid
        : await Promise.all(
            valid.map(async (c) => ({ ...c, metric: await this.metricOfCheckpoint(c.path, c.name, metric) })),
          );
    const ranking =
      metric === null
        ? null
        : { preserve_n_best: this.options.preserve_n_best ?? 1, greater_is_better: this.options.greater_is_better };
    const toDelete = selectForDeletion(candidates, this.options, protectedNames, ranking);
    const deleted: string[] = [];
    for (const name of toDelete) {
      try {
        // Rename first: a crash mid-delete then leaves a temp folder, never a half-deleted candidate.
        const doomed = join(this.checkpointsDir, ownTempName(`delete-${name}`));
        await this.fs.rename(join(this.checkpointsDir, name), doomed);
        await this.fs.rm(doomed, { recursive: true, force: true });
        deleted.push(name);
      } catch (error) {
        this.warn(`retention could not delete ${join(this.checkpointsDir, name)}: ${errorMessage(error)}`);
      }
    }
    return deleted;
  }

  /** A checkpoint's metric_for_best_model, from its trainer_state.json once (e.g. saved by an earlier session); null when unreadable. */
  private async metricOfCheckpoint(path: string, name: string, metric: string): Promise<number | null> {
    if (!this.metricByName.has(name)) {
      let value: number | null = null;
      try {
        value = metricOf(
          JSON.parse(await this.fs.readFile(join(path, TRAINER_STATE_FILE), 'utf8')) as TrainerState,
          metric,
        );
      } catch {
        // validated moments ago; unreadable now means it has no metric to rank by
      }
      this.metricByName.set(name, value);
    }
    return this.metricByName.get(name) ?? null;
  }

  /**
   * false → null; true → newest checkpoint whose checksums verify and whose state files parse; a path
   * → that checkpoint or a CheckpointError (exit 2). Judged by what a resume restoring `needs` reads.
   */
  async resolveResume(resume: boolean | string, needs: ResumeNeeds = FULL_RESUME): Promise<ResumeTarget | null> {
    const picked = await this.pick(resume, needs, async (path, manifest) => {
      const problems = await stateFileProblems(path, manifest, this.fs);
      if (problems.length > 0) throw new CheckpointError(problems.join('; '));
    });
    return picked?.target ?? null;
  }

  /**
   * resolveResume and load at once: a checkpoint that verifies yet fails to load (malformed tensors,
   * a trainer state disagreeing with its manifest, weights of another dtype) is passed over like one
   * whose checksum fails. Adopts the checkpoint's best-model record so retention keeps protecting it.
   */
  async resume(
    resume: boolean | string,
    needs: ResumeNeeds,
  ): Promise<({ target: ResumeTarget } & Awaited<ReturnType<typeof loadCheckpoint>>) | null> {
    const picked = await this.pick(resume, needs, (path) => loadCheckpoint(path, { ...needs, fs: this.fs }));
    if (!picked) return null;
    const state = picked.value.content.trainerState;
    if (state.best_checkpoint) this.best = { name: state.best_checkpoint, value: state.best_metric };
    return { target: picked.target, ...picked.value };
  }

  private async pick<T>(
    resume: boolean | string,
    needs: ResumeNeeds,
    accept: (path: string, manifest: Manifest) => Promise<T>,
  ): Promise<{ target: ResumeTarget; value: T } | null> {
    if (resume === false) return null;
    const attempt = async (path: string): Promise<{ value: T; step: number } | { reason: string }> => {
      const verified = await validateCheckpoint(path, {
        fs: this.fs,
        verifyChecksums: true,
        notNeeded: filesNotNeeded(needs),
      });
      if (!verified.valid || !verified.manifest) return { reason: verified.problems.join('; ') };
      try {
        return { value: await accept(path, verified.manifest), step: verified.manifest.step };
      } catch (error) {
        if (error instanceof ReaderIoError) throw error;
        return { reason: errorMessage(error) };
      }
    };
    if (resume !== true) {
      const path = await this.locateExplicit(resume);
      const result = await attempt(path);
      if ('reason' in result)
        throw new CheckpointError(`resume_from_checkpoint "${resume}" is not a valid checkpoint: ${result.reason}`, 2);
      return { target: { path, name: basename(path), step: result.step, skipped: [] }, value: result.value };
    }
    const skipped: ResumeTarget['skipped'] = [];
    for (const candidate of await discoverCheckpoints(this.checkpointsDir, { fs: this.fs })) {
      // Without a manifest (or a link) nothing can make it usable; otherwise judge it by what this resume reads.
      const result =
        !candidate.valid && !candidate.manifest
          ? { reason: candidate.problems.join('; ') }
          : await attempt(candidate.path);
      if (!('reason' in result))
        return {
          target: { path: candidate.path, name: candidate.name, step: result.step, skipped },
          value: result.value,
        };
      // Newer than what we resume from, yet unusable: say so rather than silently resume from an older one.
      skipped.push({ path: candidate.path, reason: result.reason });
      this.warn(
        `skipping checkpoint ${candidate.path} for resume: ${result.reason}; falling back to the next valid one`,
      );
    }
    return null;
  }

  /** As given (relative to the working folder), else relative to this run's checkpoints folder. */
  private async locateExplicit(given: string): Promise<string> {
    const asGiven = resolve(given);
    if (isAbsolute(given) || (await pathExists(this.fs, asGiven))) return asGiven;
    const inRun = join(this.checkpointsDir, given);
    return (await pathExists(this.fs, inRun)) ? inRun : asGiven;
  }

  /** Loads (verifying checksums); adopts the checkpoint's best-model record so retention keeps protecting it. */
  async load(path: string, opts: { restoreOptimizer: boolean; restoreScheduler: boolean }) {
    const loaded = await loadCheckpoint(path, { ...opts, fs: this.fs });
    const state = loaded.content.trainerState;
    if (state.best_checkpoint) this.best = { name: state.best_checkpoint, value: state.best_metric };
    return loaded;
  }

  private warn(message: string): void {
    this.hooks.onWarning?.(message);
  }
}
