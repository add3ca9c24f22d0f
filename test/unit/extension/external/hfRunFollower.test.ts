import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseTrainerEvent, type TrainerEvent } from '../../../../src/core/protocol/trainerEvents';
import type { HfListOptions } from '../../../../src/core/hf/checkpoints';
import { HfRunFollower } from '../../../../src/extension/external/hfRunFollower';
import { fileRunReader } from '../../../../src/extension/store/runReader';
import { writeHfCheckpoint } from './hfHelpers';

describe('HfRunFollower', () => {
  let out: string;
  let events: TrainerEvent[];
  const follower = (existing = new Map<string, number>(), reportedStep = -1) =>
    new HfRunFollower({
      outputDir: out,
      existing,
      reportedStep,
      maxSteps: null,
      emit: (e) => events.push(e),
      now: () => 1_000,
    });

  beforeEach(() => {
    out = path.join(mkdtempSync(path.join(tmpdir(), 'tr-follow-')), 'out');
    events = [];
  });
  afterEach(() => rmSync(path.dirname(out), { recursive: true, force: true }));

  /** A follower of `out` that the store's watcher reports to (pollMs null), its folder listings counted. */
  const watchedFollower = (options: { debounceMs?: number; quietPollMs?: number }) => {
    const counted = { listings: 0 };
    const reader = {
      ...fileRunReader,
      listHfCheckpoints: (dir: string, o?: HfListOptions) => (
        counted.listings++,
        fileRunReader.listHfCheckpoints(dir, o)
      ),
    };
    const f = new HfRunFollower({
      outputDir: out,
      existing: new Map(),
      reportedStep: -1,
      maxSteps: null,
      emit: (e) => events.push(e),
      pollMs: null,
      ...options,
      reader,
    });
    return { f, counted };
  };

  it("with the store's watcher following the folder, lists it only when told files changed (no poll)", async () => {
    const { f, counted } = watchedFollower({ debounceMs: 10 });
    f.start();
    writeHfCheckpoint(out, 2, { maxSteps: 4 });
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(counted.listings, 0, 'nothing polls the folder');
    f.filesChanged();
    f.filesChanged();
    // The one look may take a while on a busy machine: wait for it, then make sure no second follows.
    for (let waited = 0; counted.listings === 0 && waited < 10_000; waited += 20)
      await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(counted.listings, 1, 'one look for a burst of changes');
    assert.deepEqual(
      events.filter((e) => e.type === 'checkpoint_saved').map((e) => e.type === 'checkpoint_saved' && e.name),
      ['checkpoint-2'],
    );
    f.dispose();
  });

  it('with the watcher following the folder, still looks when it has been quiet for quietPollMs (watchers miss events)', async () => {
    const { f, counted } = watchedFollower({ quietPollMs: 100 });
    f.start();
    writeHfCheckpoint(out, 2, { maxSteps: 4 });
    // No filesChanged() at all: the watcher missed the folder.
    for (let waited = 0; !events.some((e) => e.type === 'checkpoint_saved') && waited < 10_000; waited += 20)
      await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(
      events.filter((e) => e.type === 'checkpoint_saved').map((e) => e.type === 'checkpoint_saved' && e.name),
      ['checkpoint-2'],
    );
    f.stopWatching();
    const after = counted.listings;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(counted.listings, after, 'no look after stopWatching');
    f.dispose();
  });

  it('reports nothing for a folder that does not exist yet', async () => {
    await follower().poll();
    assert.equal(events.length, 0);
  });

  it('reports each new checkpoint once: its unreported log entries as steps, then checkpoint_saved', async () => {
    const f = follower();
    writeHfCheckpoint(out, 2, { maxSteps: 4 });
    await f.poll();
    await f.poll();
    writeHfCheckpoint(out, 4, { maxSteps: 4 });
    await f.poll();
    for (const e of events) assert.ok(parseTrainerEvent(e).ok, JSON.stringify(e));
    assert.deepEqual(
      events.map((e) =>
        e.type === 'step'
          ? `step ${e.step}/${e.maxSteps} loss ${e.loss}`
          : e.type === 'checkpoint_saved'
            ? `saved ${e.name}`
            : e.type,
      ),
      [
        'step 1/4 loss 1',
        'step 2/4 loss 0.5',
        'saved checkpoint-2',
        'step 3/4 loss 0.3333333333333333',
        'step 4/4 loss 0.25',
        'saved checkpoint-4',
      ],
    );
    assert.deepEqual(f.progress, { step: 4, loss: 0.25, maxSteps: 4 });
  });

  it('skips checkpoints that existed before the launch and log entries up to the resumed step', async () => {
    const then = Math.floor(Date.now() / 1000) * 1000 - 60_000; // whole seconds: utimes round-trips them exactly
    const old = writeHfCheckpoint(out, 2, { mtimeMs: then });
    const existing = new Map([['checkpoint-2', then]]);
    const f = follower(existing, 2);
    await f.poll();
    assert.equal(events.length, 0, `${old} was there before the launch`);
    writeHfCheckpoint(out, 3);
    await f.poll();
    assert.deepEqual(
      events.map((e) => e.type),
      ['step', 'checkpoint_saved'],
    );
    assert.equal((events[0] as Extract<TrainerEvent, { type: 'step' }>).step, 3);
  });

  it('reports a checkpoint rewritten since the launch (a fresh run over an old folder) and the folders deleted meanwhile', async () => {
    writeHfCheckpoint(out, 2, { mtimeMs: Date.now() - 60_000 });
    const gone = writeHfCheckpoint(out, 1, { mtimeMs: Date.now() - 60_000 });
    const f = follower(
      new Map([
        ['checkpoint-2', Date.now() - 60_000],
        ['checkpoint-1', Date.now() - 60_000],
      ]),
    );
    rmSync(gone, { recursive: true });
    writeHfCheckpoint(out, 2, { mtimeMs: Date.now() });
    await f.poll();
    const saved = events.filter((e) => e.type === 'checkpoint_saved');
    assert.deepEqual(
      saved.map((e) => [e.name, e.deleted]),
      [['checkpoint-2', ['checkpoint-1']]],
    );
  });

  it('waits for an incomplete checkpoint (no trainer_state.json yet) to become valid', async () => {
    const f = follower();
    const dir = writeHfCheckpoint(out, 1);
    rmSync(path.join(dir, 'trainer_state.json'));
    await f.poll();
    assert.equal(events.length, 0);
    writeHfCheckpoint(out, 1);
    await f.poll();
    assert.deepEqual(
      events.map((e) => e.type),
      ['step', 'checkpoint_saved'],
    );
  });
});

describe('HfRunFollower speed and ETA after a resume', () => {
  it("rates a checkpoint's burst of log entries by the newest one, so the ETA is sane", async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'tr-follow-eta-')), 'out');
    try {
      let now = 0;
      const events: TrainerEvent[] = [];
      // Resumed at step 60 of 200; checkpoint-80 (entries 61..80) appears 10 s after the launch.
      const f = new HfRunFollower({
        outputDir: out,
        existing: new Map(),
        reportedStep: 60,
        maxSteps: 200,
        emit: (e) => events.push(e),
        now: () => now,
      });
      writeHfCheckpoint(out, 80, { maxSteps: 200 });
      now = 10_000;
      await f.poll();
      const steps = events.filter((e): e is Extract<TrainerEvent, { type: 'step' }> => e.type === 'step');
      assert.deepEqual([steps[0]?.step, steps[steps.length - 1]?.step], [61, 80]);
      // 20 steps in 10 s: 2 steps/s, so 120 steps left take 60 s (not the 17 min a 1-step count gave).
      for (const s of steps) assert.equal(s.stepsPerSec, 2);
      assert.equal(steps[steps.length - 1]?.etaSec, 60);
    } finally {
      rmSync(path.dirname(out), { recursive: true, force: true });
    }
  });
});
