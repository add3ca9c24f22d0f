/** Shared fixtures for checkpoint tests: temp folders, small contents, manager options, fs wrappers. */
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import * as nodeFs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChecksum } from '../../../../src/core/checkpoint/checksum';
import type { CheckpointFs } from '../../../../src/core/checkpoint/fs';
import { CheckpointManager, type CheckpointManagerOptions } from '../../../../src/core/checkpoint/manager';
import type { CheckpointContent } from '../../../../src/core/checkpoint/types';
import { DEFAULT_CHECKPOINT_OPTIONS } from '../../../../src/core/checkpoint/types';

export async function withTempDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'ckpt-test-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function managerOptions(overrides: Partial<CheckpointManagerOptions> = {}): CheckpointManagerOptions {
  return {
    ...DEFAULT_CHECKPOINT_OPTIONS,
    save_total_limit: null,
    metric_for_best_model: null,
    greater_is_better: false,
    ...overrides,
  };
}

/** A small model (2 variables) with Adam state whose values encode the step, so mix-ups show. */
export function makeContent(step: number, extra: { loss?: number; lr?: number } = {}): CheckpointContent {
  const kernel = Float32Array.from({ length: 6 }, (_, i) => step + i / 8);
  const bias = Float32Array.from([step, -step]);
  const lr = extra.lr ?? 0.001 * (1 + step / 1000);
  return {
    step,
    weights: {
      'dense/kernel': { dtype: 'float32', shape: [3, 2], data: kernel },
      'dense/bias': { dtype: 'float32', shape: [2], data: bias },
      counter: { dtype: 'int32', shape: [], data: Int32Array.from([step]) },
    },
    optimizer: {
      state: {
        type: 'adam',
        hyperparameters: { learning_rate: lr, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
        iterations: step,
        slots: [
          { name: 'dense/kernel/m', variable: 'dense/kernel', slot: 'm' },
          { name: 'dense/bias/m', variable: 'dense/bias', slot: 'm' },
          { name: 'dense/kernel/v', variable: 'dense/kernel', slot: 'v' },
          { name: 'dense/bias/v', variable: 'dense/bias', slot: 'v' },
        ],
        extra: { accBeta1: 0.9 ** (step + 1), accBeta2: 0.999 ** (step + 1) },
      },
      tensors: {
        'dense/kernel/m': {
          dtype: 'float32',
          shape: [3, 2],
          data: Float32Array.from({ length: 6 }, (_, i) => step * 0.1 + i),
        },
        'dense/bias/m': { dtype: 'float32', shape: [2], data: Float32Array.from([0.5, step]) },
        'dense/kernel/v': {
          dtype: 'float32',
          shape: [3, 2],
          data: Float32Array.from({ length: 6 }, (_, i) => step * 0.01 + i),
        },
        'dense/bias/v': { dtype: 'float32', shape: [2], data: Float32Array.from([0.25, step]) },
      },
    },
    scheduler: {
      type: 'cosine',
      config: { warmup_steps: 10, decay_steps: 1000, min_lr: 0 },
      step,
      last_lr: lr,
      next_lr: lr * 0.999,
    },
    trainerState: {
      global_step: step,
      epoch: Math.floor(step / 50),
      data_position: { cursor: step * 32 },
      rng: { seed: 42, state: [step, 7] },
      loss: extra.loss ?? 1 / (step + 1),
      best_metric_name: null,
      best_metric: null,
      best_checkpoint: null,
      greater_is_better: false,
    },
    metadata: { run: 'test' },
  };
}

/** Sets a checkpoint's manifest mtime (the discovery key) to `seconds` past a fixed epoch. */
export async function setCheckpointTime(checkpointDir: string, seconds: number): Promise<void> {
  const time = new Date(Date.UTC(2026, 0, 1) + seconds * 1000);
  await utimes(join(checkpointDir, 'manifest.json'), time, time);
}

/** Saves `steps` in order, one second apart (explicit manifest times, the last is the newest); returns their paths in that order. */
export async function saveInOrder(dir: string, steps: number[]): Promise<string[]> {
  const manager = new CheckpointManager(dir, managerOptions());
  const paths: string[] = [];
  for (const [i, step] of steps.entries()) {
    const saved = await (await manager.save(makeContent(step))).done;
    await setCheckpointTime(saved.path, i);
    paths.push(saved.path);
  }
  return paths;
}

/**
 * A file system that dies at a chosen moment, like a killed process: once `crash()` is called every
 * call rejects, so no cleanup can run.
 */
export function crashableFs(): { fs: CheckpointFs; crash(): void } {
  let dead = false;
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (dead) throw Object.assign(new Error('simulated crash'), { code: 'ECRASH' });
      return fn(...args);
    };
  const fs = {
    open: guard(nodeFs.open),
    readFile: guard(nodeFs.readFile),
    writeFile: guard(nodeFs.writeFile),
    rename: guard(nodeFs.rename),
    rm: guard(nodeFs.rm),
    readdir: guard(nodeFs.readdir),
    stat: guard(nodeFs.stat),
    lstat: guard(nodeFs.lstat),
    mkdir: guard(nodeFs.mkdir),
    unlink: guard(nodeFs.unlink),
  } as unknown as CheckpointFs;
  return { fs, crash: () => (dead = true) };
}

/** The real fs with one method replaced (to inject ENOSPC, EACCES, EROFS ...). */
export function fsWith(overrides: Partial<CheckpointFs>): CheckpointFs {
  return { ...nodeFs, ...overrides } as CheckpointFs;
}

export function systemError(code: string, message = code): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

/** Replaces a file and records its new size and checksum in the manifest (keeping the manifest's time): intact bytes, wrong content. */
export async function replaceVerified(checkpoint: string, file: string, bytes: Buffer, second: number): Promise<void> {
  await writeFile(join(checkpoint, file), bytes);
  const manifestPath = join(checkpoint, 'manifest.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
  const hash = createChecksum('crc32');
  hash.update(bytes);
  const entry = manifest.files.find((f: { path: string }) => f.path === file);
  Object.assign(entry, { size: bytes.length, checksum: hash.digest() });
  await writeFile(manifestPath, JSON.stringify(manifest));
  await setCheckpointTime(checkpoint, second);
}

/** The moment the lock fixtures below last renewed. */
export const LOCK_T0 = Date.parse('2026-12-07T00:00:00Z');

/** The text of a lock of another host that renewed at LOCK_T0, every 30 s; `extra` replaces fields (undefined drops them). */
export const otherHostLock = (extra: object = {}): string =>
  JSON.stringify({
    pid: 4242,
    hostname: 'other-host',
    started: '2026-12-06T23:00:00Z',
    token: 'theirs',
    renewed_at: new Date(LOCK_T0).toISOString(),
    renew_every_ms: 30_000,
    ...extra,
  });
