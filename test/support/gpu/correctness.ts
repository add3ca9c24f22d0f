/**
 * Runs the GPU correctness checks with any two backends: the same config trained on `reference`
 * and `candidate` must agree within a tolerance, and a checkpoint written on one (real files, through
 * the checkpoint manager) must resume on the other and continue as the uninterrupted run does.
 * The caller supplies `activate` (the trainer's selection on a GPU machine, plain setBackend in tests).
 */
import type { CheckpointContent } from '../../../src/core/checkpoint/types';
import { CheckpointManager } from '../../../src/core/checkpoint';
import type { TrainConfig } from '../../../src/core/config/types';
import { TrainingSession } from '../../../src/trainer/loop/session';
import { compareLosses, compareStates, compareTensorMaps, type Tolerance } from './compare';

const EXACT: Tolerance = { atol: 0, rtol: 0, lossRtol: 0, outlierFraction: 0 };

export type Activate = (backend: string) => Promise<void>;

export interface CaseResult {
  name: string;
  kind: 'match' | 'resume';
  /** e.g. "webgpu vs cpu", "webgpu -> cpu". */
  backends: string;
  ok: boolean;
  steps: number;
  maxWeightDiff: number;
  maxSlotDiff: number;
  maxLossRelDiff: number;
  /** Worst element relative to its bound (<= 1 within the element bound). */
  worstRatio: number;
  /** Weight and slot elements beyond the element bound (allowed: a small share within the drift bound). */
  outliers: number;
  problems: string[];
  seconds: number;
}

interface Trained {
  losses: number[];
  content: CheckpointContent;
}

/** Async reads, as the trainer does: WebGPU in Node has no synchronous ones. */
async function train(session: TrainingSession, steps: number, losses: number[]): Promise<void> {
  for (let i = 0; i < steps; i++) losses.push((await session.trainStepAsync()).loss);
}

async function trainOn(activate: Activate, backend: string, config: TrainConfig, steps: number): Promise<Trained> {
  await activate(backend);
  const session = TrainingSession.create(config);
  try {
    const losses: number[] = [];
    await train(session, steps, losses);
    return { losses, content: await session.snapshotAsync() };
  } finally {
    session.dispose();
  }
}

/** How far an optimizer can move one element in `steps` steps (Adam's step is at most about the LR). */
export function driftBound(config: TrainConfig, steps: number): number {
  return 2 * config.optimizer.learning_rate * steps;
}

function judge(
  name: string,
  kind: CaseResult['kind'],
  backends: string,
  config: TrainConfig,
  steps: number,
  actual: Trained,
  expected: Trained,
  tol: Tolerance,
  started: number,
  extra: string[] = [],
): CaseResult {
  const weights = compareTensorMaps(actual.content.weights, expected.content.weights, tol, driftBound(config, steps));
  // Slots (m, v, momentum) follow the gradients: no drift allowance beyond the element bound's outliers.
  const slots = compareTensorMaps(
    actual.content.optimizer?.tensors ?? {},
    expected.content.optimizer?.tensors ?? {},
    tol,
    driftBound(config, steps),
  );
  const losses = compareLosses(actual.losses, expected.losses, tol);
  const state = compareStates(actual.content.optimizer?.state, expected.content.optimizer?.state, tol, 'optimizer');
  const schedule = compareStates(actual.content.scheduler, expected.content.scheduler, EXACT, 'scheduler');
  const position = compareStates(
    actual.content.trainerState.data_position,
    expected.content.trainerState.data_position,
    EXACT,
    'data_position',
  );
  const problems = [
    ...extra,
    ...weights.problems.map((p) => `weights ${p}`),
    ...slots.problems.map((p) => `optimizer slots ${p}`),
    ...(losses.ok ? [] : [`losses beyond tolerance at ${losses.worst}`]),
    ...state,
    ...schedule,
    ...position,
  ];
  return {
    name,
    kind,
    backends,
    ok: problems.length === 0,
    steps,
    maxWeightDiff: weights.maxAbsDiff,
    maxSlotDiff: slots.maxAbsDiff,
    maxLossRelDiff: losses.maxRelDiff,
    worstRatio: Math.max(weights.worstRatio, slots.worstRatio),
    outliers: weights.outliers + slots.outliers,
    problems,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The same run on both backends. */
export async function compareRun(
  name: string,
  config: TrainConfig,
  steps: number,
  reference: string,
  candidate: string,
  tol: Tolerance,
  activate: Activate,
): Promise<CaseResult> {
  const started = performance.now();
  const expected = await trainOn(activate, reference, config, steps);
  const actual = await trainOn(activate, candidate, config, steps);
  return judge(name, 'match', `${candidate} vs ${reference}`, config, steps, actual, expected, tol, started);
}

/**
 * `first` steps on `from`, a checkpoint saved and loaded through the checkpoint manager, then
 * `second` steps on `to`; compared with `first + second` uninterrupted steps on `reference`.
 */
export async function compareResume(
  name: string,
  config: TrainConfig,
  first: number,
  second: number,
  from: string,
  to: string,
  reference: string,
  tol: Tolerance,
  activate: Activate,
): Promise<CaseResult> {
  const started = performance.now();
  const expected = await trainOn(activate, reference, config, first + second);

  await activate(from);
  const manager = new CheckpointManager(config.output_dir, config);
  const losses: number[] = [];
  const before = TrainingSession.create(config);
  let saved: string;
  try {
    await train(before, first, losses);
    const pending = await manager.save({ ...(await before.snapshotAsync()), metadata: { backend: from } });
    saved = (await pending.done).path;
  } finally {
    before.dispose();
  }

  await activate(to);
  const after = TrainingSession.create(config);
  try {
    const { content } = await manager.load(saved, { restoreOptimizer: true, restoreScheduler: true });
    const report = after.restore(content, { restoreOptimizer: true, restoreScheduler: true });
    const extra = [
      ...report.warnings.map((w) => `resume warning: ${w}`),
      ...(report.restoredOptimizer && report.restoredScheduler
        ? []
        : ['optimizer or scheduler state was not restored']),
    ];
    await train(after, second, losses);
    return judge(
      name,
      'resume',
      `${from} -> ${to}`,
      config,
      first + second,
      { losses, content: await after.snapshotAsync() },
      expected,
      tol,
      started,
      extra,
    );
  } finally {
    after.dispose();
  }
}
