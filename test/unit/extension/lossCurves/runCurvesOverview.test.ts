/**
 * A long run's first paint comes from its overview (core/metrics/metricsOverview.ts), not from the
 * whole history: RunCurves.load reads only the overview, the snapshot says how many points the run
 * has, live events reach the panels meanwhile, and loadFull brings every point (for zooming and the
 * other metrics) without applying an event the file already held twice.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OVERVIEW_POINTS } from '../../../../src/core/metrics/metricsOverview';
import { readRunMetrics } from '../../../../src/core/metrics/runHistory';
import type { TrainerEvent } from '../../../../src/core/protocol/trainerEvents';
import { RunCurves } from '../../../../src/extension/lossCurves/runCurves';
import type { RunReader } from '../../../../src/extension/store/runReader';
import { emptyReader } from '../../../support/runReaders';

const store = { get: () => undefined, refresh: async () => undefined };
const row = (step: number): string =>
  JSON.stringify({ step, loss: 1 + 1 / step, lr: 1e-3, examples_per_sec: 1000, time: 1_700_000_000_000 + step });
const rows = (from: number, to: number): string =>
  Array.from({ length: to - from + 1 }, (_, i) => row(from + i)).join('\n') + '\n';
const stepEvent = (step: number): TrainerEvent => ({
  type: 'step',
  step,
  maxSteps: 100_000,
  epoch: 0,
  loss: 0.5,
  lr: 1e-3,
  examplesPerSec: 1000,
  stepsPerSec: 10,
  etaSec: null,
  time: 1_700_000_000_000 + step,
});

describe('RunCurves: the first paint from the overview, then the whole history', function () {
  this.timeout(60_000);
  let dir: string;
  let fullReads: number;
  let reader: RunReader;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'curves-overview-'));
    writeFileSync(join(dir, 'metrics.jsonl'), rows(1, 40_000));
    await readRunMetrics(dir); // an earlier open wrote the cache and the overview
    fullReads = 0;
    const base = emptyReader();
    reader = {
      ...base,
      readRunMetrics: (runDir) => {
        fullReads++;
        return base.readRunMetrics(runDir);
      },
    };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('paints from the overview without reading the whole history, then loadFull reads it once', async () => {
    const feed = new RunCurves(dir, 'long', store, reader, () => undefined);
    await feed.load();
    assert.equal(fullReads, 0, 'load read only the overview');
    assert.equal(feed.partial, true);
    const first = feed.snapshot(2000);
    assert.equal(first.totalPoints, 40_000, 'the snapshot counts every point of the run');
    assert.ok(first.series.steps.length <= 2000);
    assert.equal(first.series.steps[0], 1);
    assert.equal(first.series.steps.at(-1), 40_000);
    assert.deepEqual(first.metricNames, ['examples_per_sec']);
    await Promise.all([feed.loadFull(), feed.loadFull()]);
    assert.equal(fullReads, 1);
    assert.equal(feed.partial, false);
    assert.equal(feed.grewSinceOverview, false, 'nothing was appended meanwhile');
    assert.equal(feed.range(100, 199, 1000).steps.length, 100, 'zooming has every point');
    assert.equal(
      feed.otherMetrics(100_000, 'loss')['examples_per_sec']?.steps.length,
      40_000,
      'every point of the other metrics',
    );
  });

  it('forwards live events while partial, and applies to the whole history only those the file lacked', async () => {
    const feed = new RunCurves(dir, 'long', store, reader, () => undefined);
    await feed.load();
    const changes = feed.apply(stepEvent(40_001));
    assert.deepEqual(
      changes.map((c) => c.kind),
      ['point', 'scalars'],
      'the panels get the event at once',
    );
    assert.equal(feed.snapshot(OVERVIEW_POINTS * 2).series.steps.at(-1), 40_001);
    assert.equal(feed.totalPoints, 40_001);
    // The trainer writes its rows as it reports them: the file holds 40,001 and 40,002 when read.
    appendFileSync(join(dir, 'metrics.jsonl'), rows(40_001, 40_002));
    feed.apply(stepEvent(40_002));
    feed.apply(stepEvent(40_003)); // not yet in the file
    await feed.loadFull();
    assert.equal(feed.grewSinceOverview, true, 'the panel sends init again');
    const steps = feed.range(39_990, 40_010, 1000).steps;
    assert.deepEqual(steps.slice(-4), [40_000, 40_001, 40_002, 40_003]);
    assert.equal(feed.totalPoints, 40_003, 'no event applied twice, none lost');
    // The file's rows won over the events' (loss 0.5) for the steps it held.
    assert.notEqual(feed.range(40_001, 40_001, 10).loss[0], 0.5);
  });

  it('reads the whole history at once for a run without an overview', async () => {
    rmSync(join(dir, '.metrics.overview'));
    const feed = new RunCurves(dir, 'long', store, reader, () => undefined);
    await feed.load();
    assert.equal(fullReads, 1);
    assert.equal(feed.partial, false);
    assert.equal(feed.grewSinceOverview, false);
    assert.equal(feed.snapshot(2000).totalPoints, 40_000);
  });
});
