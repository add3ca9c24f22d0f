import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ABANDONED_DIR, moveAsideCheckpoints } from '../../../src/core/checkpoint/abandonedBranch';
import { WORKSPACE_EXCLUDE } from '../../../src/extension/model/discovery';
import { lossCurvesPickItems } from '../../../src/extension/model/labels';
import { planResume, validateMaxSteps } from '../../../src/extension/model/resumePlan';
import type { CheckpointView, RunView } from '../../../src/extension/store/runView';
import type { RunRecord } from '../../../src/core/run/index';
import { checkpointDescription, newestFirst, runDescription, runTooltip } from '../../../src/extension/tree/rowText';

function checkpoint(dir: string, step: number, extra: Partial<CheckpointView> = {}): CheckpointView {
  return {
    path: path.join(dir, 'checkpoints', `checkpoint-${step}`),
    name: `checkpoint-${step}`,
    step,
    mtimeMs: step * 1000,
    valid: true,
    latest: false,
    problems: [],
    optimizer: null,
    scheduler: null,
    loss: null,
    best: false,
    ...extra,
  };
}

function record(extra: Partial<RunRecord> = {}): RunRecord {
  return {
    status: 'finished',
    pid: null,
    name: null,
    configPath: '/w/configs/a.yaml',
    maxSteps: 500,
    step: 500,
    startedAt: null,
    endedAt: null,
    backend: null,
    error: null,
    ...extra,
  };
}

function run(dir: string, checkpoints: CheckpointView[], extra: Partial<RunView> = {}): RunView {
  return {
    dir,
    name: path.basename(dir),
    status: 'finished',
    statusDetail: null,
    record: record(),
    checkpoints,
    writing: [],
    live: null,
    problems: [],
    ...extra,
  };
}

describe('resume plan', () => {
  it('a checkpoint at max_steps would train nothing: proposes another stretch as long as the run', () => {
    const c = checkpoint('/r', 500);
    assert.deepEqual(planResume(run('/r', [c]), c).pastEnd, { step: 500, maxSteps: 500, proposedMaxSteps: 1000 });
    const mid = checkpoint('/r', 300);
    assert.equal(planResume(run('/r', [c, mid]), mid).pastEnd, null);
  });

  it('lists the later checkpoints a resume from an older one abandons', () => {
    const [c5, c4, c2] = [checkpoint('/r', 500), checkpoint('/r', 400), checkpoint('/r', 200)];
    assert.deepEqual(
      planResume(run('/r', [c5, c4, c2]), c2).later.map((c) => c.name),
      ['checkpoint-500', 'checkpoint-400'],
    );
    assert.deepEqual(planResume(run('/r', [c5, c4, c2]), c5).later, []);
  });

  it('accepts only a max_steps past the checkpoint', () => {
    assert.equal(validateMaxSteps('1000', 500), undefined);
    assert.match(validateMaxSteps('500', 500) ?? '', /more than 500/);
    assert.match(validateMaxSteps('1e3x', 500) ?? '', /whole number/);
  });
});

describe('abandoned branches', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(path.join(tmpdir(), 'tr-branch-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('moves checkpoint folders whole into abandoned-branches/<time>/, where discovery does not look', async () => {
    const later = path.join(root, 'checkpoints', 'checkpoint-400');
    mkdirSync(later, { recursive: true });
    writeFileSync(path.join(later, 'trainer_state.json'), '{}');
    const dest = await moveAsideCheckpoints(root, [later], new Date('2026-01-02T03:04:05.678Z'));
    assert.equal(dest, path.join(root, ABANDONED_DIR, '2026-01-02T03-04-05-678Z'));
    assert.ok(!existsSync(later));
    assert.deepEqual(readdirSync(path.join(dest, 'checkpoint-400')), ['trainer_state.json']);
    assert.ok(WORKSPACE_EXCLUDE.includes(ABANDONED_DIR));
  });
});

describe('Runs tree rows', () => {
  it('a run row says status, steps, loss (labelled) and duration', () => {
    const r = run('/w/runs/a', [checkpoint('/w/runs/a', 500, { loss: 0.4123, latest: true })], {
      record: record({
        startedAt: Date.parse('2026-01-01T00:00:00Z'),
        endedAt: Date.parse('2026-01-01T00:02:05Z'),
        backend: 'wasm',
      }),
    });
    assert.equal(runDescription(r), 'finished · 500/500 · mean loss 0.4123 · 2 min 5 s');
    const live = {
      ...r,
      status: 'training' as const,
      live: { step: 120, maxSteps: 500, loss: 0.9, etaSec: 30, startedAt: 1000 },
    };
    assert.equal(runDescription(live, 61_000), 'training · 120/500 · loss 0.9 · 1 min 0 s');
    const tip = runTooltip({ ...r, checkpoints: [{ ...r.checkpoints[0]!, best: true }] });
    for (const want of [
      'Config: /w/configs/a.yaml',
      'Backend: wasm',
      'Started: ',
      'Duration: 2 min 5 s',
      'Best checkpoint: checkpoint-500',
    ])
      assert.ok(tip.includes(want), `${want} in\n${tip}`);
    // With the value of the metric that chose the best checkpoint (metric_for_best_model), labelled.
    const withMetric = runTooltip({ ...r, checkpoints: [{ ...r.checkpoints[0]!, best: true }] }, Date.now(), {
      name: 'eval_loss',
      value: 0.2345,
    });
    assert.match(withMetric, /\nBest checkpoint: checkpoint-500 \(eval_loss 0\.2345; mean loss 0\.4123\)\n/);
  });

  it("a run trained by a Slurm job says the job's state, id and reason while it trains, its status after", () => {
    const job = { jobId: '12', state: 'PENDING', reason: 'Resources', restarts: 0 };
    assert.equal(
      runDescription(run('/w/a', [], { status: 'training', record: null, clusterJob: job })),
      'pending (job 12, Resources)',
    );
    const running = { ...job, state: 'RUNNING', reason: 'None' };
    const live = { step: 40, maxSteps: 100, loss: 0.5, etaSec: null, startedAt: 0 };
    assert.equal(
      runDescription(run('/w/a', [], { status: 'training', record: null, clusterJob: running, live }), 10_000),
      'running (job 12) · 40/100 · loss 0.5 · 10 s',
    );
    const requeued = { jobId: '12', state: 'PENDING', reason: 'BeginTime', restarts: 1 };
    assert.equal(
      runDescription(run('/w/a', [], { status: 'training', record: null, clusterJob: requeued })),
      'pending (job 12, BeginTime, restart 1)',
    );
    assert.match(runDescription(run('/w/a', [], { status: 'finished', clusterJob: running })), /^finished · /);
  });

  it('runs are listed newest first', () => {
    const old = run('/w/a', [checkpoint('/w/a', 10)]);
    const fresh = run('/w/b', [checkpoint('/w/b', 20)]);
    assert.deepEqual(
      newestFirst([old, fresh]).map((r) => r.dir),
      ['/w/b', '/w/a'],
    );
  });

  it('a checkpoint row leads with labelled loss, optimizer and learning rate, then age and marks (the label says the step)', () => {
    const c = checkpoint('/r', 500, {
      mtimeMs: 0,
      loss: 0.41,
      latest: true,
      optimizer: {
        type: 'adam',
        hyperparameters: { learning_rate: 0.001 },
        iterations: 500,
        slotKinds: ['m', 'v'],
        variables: 4,
        bytes: 100,
      },
      scheduler: {
        type: 'cosine',
        step: 500,
        last_lr: 0.0005,
        next_lr: 0.0004,
        config: {},
      } as unknown as CheckpointView['scheduler'],
    });
    assert.equal(checkpointDescription(c, [], 10_000), 'mean loss 0.41 · adam lr 5.00e-4 · just now · latest');
    // The step is said when the folder's name does not say it.
    assert.equal(
      checkpointDescription({ ...c, name: 'best-model' }, [], 10_000),
      'step 500 · mean loss 0.41 · adam lr 5.00e-4 · just now · latest',
    );
  });
});

describe('Open Loss Curves picker', () => {
  it('pre-selects a lone run, or the runs that train', () => {
    const a = run('/w/a', []);
    assert.deepEqual(
      lossCurvesPickItems([a]).map((i) => i.picked),
      [true],
    );
    assert.deepEqual(
      lossCurvesPickItems([a, run('/w/b', [])]).map((i) => i.picked),
      [false, false],
    );
    assert.deepEqual(
      lossCurvesPickItems([a, run('/w/b', [], { status: 'training' })]).map((i) => i.picked),
      [false, true],
    );
  });
});

describe('resume plan and invalid checkpoints', () => {
  it('an invalid later checkpoint is no branch to abandon', () => {
    const c3 = checkpoint('/r', 300);
    const broken = checkpoint('/r', 400, { valid: false, problems: ['model.safetensors truncated'] });
    assert.deepEqual(planResume(run('/r', [broken, c3]), c3).later, []);
  });
});
