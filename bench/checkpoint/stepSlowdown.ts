/**
 * How much a background checkpoint save slows training down: real training steps of the bench's
 * MLP (784-512-512-10, batch 128, Adam) on tfjs-backend-wasm with the trainer's fast kernels,
 * each followed by one turn of the event loop as the trainer's loop does, timed without a save
 * and while an async save of the 120 MB checkpoint is in flight (its checksums and I/O callbacks
 * run in those turns, its writes and fsyncs in libuv's pool).
 */
import { rm } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { CheckpointManager } from '../../src/core/checkpoint/manager';
import type { CheckpointContent } from '../../src/core/checkpoint/types';
import { registerFastWasmKernels } from '../../src/trainer/accel/kernels';
import { trainable } from '../training/models';
import { median } from './fixture';

export interface StepSlowdown {
  /** Mean step (step + one event-loop turn) without a save: the steps just before and just after each save. */
  stepMs: number;
  /** Mean step while a save runs (the save call's own time on this thread included). */
  stepDuringSaveMs: number;
  /** stepDuringSaveMs / stepMs. */
  slowdown: number;
  /** Median count of steps that started while one save was in flight. */
  stepsDuringSave: number;
  /** Median duration of those saves (longer than alone: they share the thread and the CPUs with training). */
  saveDuringTrainingMs: number;
  workload: string;
}

/** Steps timed before and after each save: their mean cancels a load that drifts during the save. */
const BASELINE_STEPS = 8;
const WARMUP_STEPS = 5;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function measureStepSlowdown(
  manager: CheckpointManager,
  content: (step: number) => CheckpointContent,
  rounds: number,
): Promise<StepSlowdown> {
  tf.enableProdMode();
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs-backend-wasm failed to initialise');
  await tf.ready();
  registerFastWasmKernels();
  const job = trainable('mlp');
  try {
    await stepsFor(job.step, WARMUP_STEPS);
    const baseline: number[] = [];
    const during: number[] = [];
    const counts: number[] = [];
    const saves: number[] = [];
    for (let round = 0; round < rounds; round++) {
      baseline.push(...(await stepsFor(job.step, BASELINE_STEPS)));
      const started = performance.now();
      let saving = true;
      const pending = await manager.save(content(1_000_000 + round));
      // That call ran on the training thread: its time is charged to the steps of this save.
      const blocking = performance.now() - started;
      const finished = pending.done.finally(() => (saving = false));
      const times: number[] = [];
      while (saving) times.push(await timedStep(job.step));
      await finished;
      saves.push(performance.now() - started);
      if (times.length > 0) times[0]! += blocking;
      during.push(...times);
      counts.push(times.length);
      baseline.push(...(await stepsFor(job.step, BASELINE_STEPS)));
      await rm(pending.path, { recursive: true, force: true });
    }
    const stepMs = mean(baseline);
    const stepDuringSaveMs = mean(during);
    return {
      stepMs,
      stepDuringSaveMs,
      slowdown: stepDuringSaveMs / stepMs,
      stepsDuringSave: median(counts),
      saveDuringTrainingMs: median(saves),
      workload: 'MLP 784-512-512-10 b128, tfjs wasm + fast kernels',
    };
  } finally {
    job.dispose();
  }
}

async function timedStep(step: () => number): Promise<number> {
  const t = performance.now();
  step();
  await nextTurn();
  return performance.now() - t;
}

async function stepsFor(step: () => number, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(await timedStep(step));
  return times;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
