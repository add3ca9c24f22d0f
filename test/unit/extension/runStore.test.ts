import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CheckpointInfo } from '../../../src/core/checkpoint/types';
import { runDirFromMarker, runDirsFromMarkers } from '../../../src/extension/model/discovery';
import type { CheckpointSource } from '../../../src/extension/model/checkpointEngine';
import { RunStore } from '../../../src/extension/store/runStore';
import { checkpointRow, readerWith } from '../../support/runReaders';
import { latestValidCheckpoint } from '../../../src/extension/store/runView';
import { ReadRefusedError } from '../../../src/extension/reading/readerPool';
import { runDescription } from '../../../src/extension/tree/rowText';

function info(runDir: string, step: number, mtimeMs: number, extra: Partial<CheckpointInfo> = {}): CheckpointInfo {
  return { ...checkpointRow(path.join(runDir, 'checkpoints'), step, mtimeMs), ...extra };
}

/** A checkpoint source whose listing the test controls; summaries keyed by checkpoint name. */
function fakeSource(
  lists: Map<string, CheckpointInfo[]>,
  summaries: Record<string, { loss: number; bestCheckpoint: string | null }> = {},
): CheckpointSource {
  return {
    list: async (dir) => lists.get(path.resolve(dir)) ?? [],
    trainerSummary: async (p) => summaries[path.basename(p)] ?? null,
  };
}

describe('RunStore', () => {
  let root: string;
  let runA: string;
  let runB: string;

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'tr-model-'));
    runA = path.join(root, 'a');
    runB = path.join(root, 'b');
    mkdirSync(path.join(runA, 'checkpoints'), { recursive: true });
    mkdirSync(path.join(runB, 'checkpoints'), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("keeps the engine's order of checkpoints and marks loss and best from the trainer state", async () => {
    // The engine's order (mtime, newest first) is kept even when steps are not monotonic.
    const list = [
      info(runA, 300, 3000, { latest: true }),
      info(runA, 500, 2000),
      info(runA, 400, 1000, { valid: false, problems: ['manifest.json missing'] }),
    ];
    const model = new RunStore({
      reader: readerWith(
        fakeSource(new Map([[runA, list]]), {
          'checkpoint-300': { loss: 0.3, bestCheckpoint: 'checkpoint-500' },
          'checkpoint-500': { loss: 0.2, bestCheckpoint: 'checkpoint-500' },
        }),
      ),
    });
    await model.setRunDirs([runA]);
    const run = model.get(runA);
    assert.deepEqual(
      run?.checkpoints.map((c) => c.name),
      ['checkpoint-300', 'checkpoint-500', 'checkpoint-400'],
    );
    assert.deepEqual(
      run?.checkpoints.map((c) => c.loss),
      [0.3, 0.2, null],
    );
    assert.deepEqual(
      run?.checkpoints.map((c) => c.best),
      [false, true, false],
    );
    assert.equal(run && latestValidCheckpoint(run)?.name, 'checkpoint-300');
  });

  it('takes loss and best from the rows when the engine gives them, reading no trainer state', async () => {
    const list = [
      info(runA, 20, 2000, { trainer: { loss: 0.25, bestCheckpoint: 'checkpoint-10' } }),
      info(runA, 10, 1000, { trainer: { loss: 0.5, bestCheckpoint: null } }),
    ];
    const source = fakeSource(new Map([[runA, list]]));
    const model = new RunStore({
      reader: readerWith({ ...source, trainerSummary: async () => assert.fail('trainer state read again') }),
    });
    await model.setRunDirs([runA]);
    assert.deepEqual(
      model.get(runA)?.checkpoints.map((c) => [c.loss, c.best]),
      [
        [0.25, false],
        [0.5, true],
      ],
    );
  });

  it("lists from the runs' indexes when scanning or after a save, exactly on an explicit refresh", async () => {
    const requests: boolean[] = [];
    const source = fakeSource(new Map([[runA, [info(runA, 10, 1000)]]]));
    const model = new RunStore({
      reader: readerWith({
        ...source,
        list: (dir, request) => (requests.push(request?.exact === true), source.list(dir, request)),
      }),
    });
    await model.setRunDirs([runA]);
    await model.setRunDirs([runA], { exact: true });
    await model.refresh(runA);
    assert.deepEqual(requests, [false, true, true]);
    model.applyEvent(runA, {
      type: 'checkpoint_saved',
      step: 10,
      name: 'checkpoint-10',
      path: path.join(runA, 'checkpoints', 'checkpoint-10'),
      bytes: 1,
      blockingMs: 0,
      durationMs: 1,
      deleted: [],
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(requests, [false, true, true, false]);
  });

  it('never offers an invalid checkpoint as the latest valid one', async () => {
    const list = [
      info(runA, 500, 3000, { valid: false, problems: ['model.safetensors: checksum mismatch'] }),
      info(runA, 400, 2000),
    ];
    const model = new RunStore({ reader: readerWith(fakeSource(new Map([[runA, list]]))) });
    await model.setRunDirs([runA]);
    const run = model.get(runA);
    assert.equal(run && latestValidCheckpoint(run)?.name, 'checkpoint-400');
  });

  it('reads status from run.json and calls a dead trainer\'s "training" a failure', async () => {
    writeFileSync(
      path.join(runA, 'run.json'),
      JSON.stringify({ status: 'finished', pid: 1, config: { config_path: '/p/configs/train.yaml' } }),
    );
    writeFileSync(path.join(runB, 'run.json'), JSON.stringify({ status: 'training', pid: 424242 }));
    const model = new RunStore({ reader: readerWith(fakeSource(new Map())), isProcessAlive: () => false });
    await model.setRunDirs([runA, runB]);
    assert.equal(model.get(runA)?.status, 'finished');
    assert.equal(model.get(runA)?.record?.configPath, '/p/configs/train.yaml');
    assert.equal(model.get(runB)?.status, 'failed');
    assert.match(model.get(runB)?.statusDetail ?? '', /424242/);
  });

  it('reports a broken run.json as a problem of the run, not a crash', async () => {
    writeFileSync(path.join(runA, 'run.json'), '{ nope');
    const model = new RunStore({ reader: readerWith(fakeSource(new Map())) });
    await model.setRunDirs([runA]);
    assert.match(model.get(runA)?.problems[0] ?? '', /run\.json: not valid JSON/);
  });

  it('marks a run whose files are refused "unreadable: <reason>" and still lists the others', async () => {
    execFileSync('mkfifo', [path.join(runB, 'run.json')]); // a read of it would block forever
    const runC = path.join(root, 'c');
    mkdirSync(runC);
    const lists = new Map([[runA, [info(runA, 10, 1000)]]]);
    const source: CheckpointSource = {
      list: async (dir) => {
        if (path.resolve(dir) === runC) throw new ReadRefusedError('listCheckpoints', 'took longer than 2 s');
        return lists.get(path.resolve(dir)) ?? [];
      },
      // A refused summary read leaves the row without a loss instead of failing the listing.
      trainerSummary: async () => Promise.reject(new ReadRefusedError('nativeTrainerSummary', 'took longer than 2 s')),
    };
    const model = new RunStore({ reader: readerWith(source) });
    await model.setRunDirs([runA, runB, runC]);
    assert.equal(model.get(runA)?.unreadable, undefined);
    assert.deepEqual(
      model.get(runA)?.checkpoints.map((c) => [c.name, c.loss]),
      [['checkpoint-10', null]],
    );
    assert.match(model.get(runB)?.unreadable ?? '', /^run\.json: not a regular file/);
    assert.equal(model.get(runC)?.unreadable, 'took longer than 2 s');
    assert.match(model.get(runC)?.problems.join('\n') ?? '', /Cannot list checkpoints: took longer than 2 s/);
    assert.match(runDescription(model.get(runC)!), /^unreadable: took longer than 2 s/);
    assert.doesNotMatch(runDescription(model.get(runA)!), /unreadable/);
  });

  it('reads a run refused for load again on refresh: its listing shows once the reader answers', async () => {
    let refuse = true;
    const source: CheckpointSource = {
      list: async (dir) => {
        if (refuse) throw new ReadRefusedError('listCheckpoints', 'took longer than 2 s');
        return [info(path.resolve(dir), 10, 1000)];
      },
      trainerSummary: async () => null,
    };
    const model = new RunStore({ reader: readerWith(source) });
    await model.setRunDirs([runA]);
    assert.equal(model.get(runA)?.unreadable, 'took longer than 2 s');
    refuse = false;
    await model.refresh(runA);
    assert.equal(model.get(runA)?.unreadable, undefined);
    assert.deepEqual(
      model.get(runA)?.checkpoints.map((c) => c.name),
      ['checkpoint-10'],
    );
  });

  it('shows live progress while this window trains, then the exit status', async () => {
    writeFileSync(path.join(runA, 'run.json'), JSON.stringify({ status: 'training', pid: process.pid }));
    const model = new RunStore({ reader: readerWith(fakeSource(new Map())) });
    let changes = 0;
    model.onDidChange(() => changes++);
    model.markActive(runA);
    model.applyEvent(runA, {
      type: 'step',
      step: 7,
      maxSteps: 10,
      epoch: 0,
      loss: 0.5,
      lr: 0.1,
      examplesPerSec: 1,
      stepsPerSec: 1,
      etaSec: 3,
      time: 1,
    });
    assert.equal(model.get(runA)?.status, 'training');
    assert.equal(model.get(runA)?.live?.step, 7);
    model.markStopping(runA);
    assert.equal(model.get(runA)?.status, 'stopping');
    await model.markEnded(runA, { status: 'stopped', detail: null });
    assert.equal(model.get(runA)?.status, 'stopped');
    assert.equal(model.isActive(runA), false);
    assert.ok(changes >= 4);
  });

  it("keeps a cluster job's state set while a re-read was reading the folder (no stale state put back)", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const model = new RunStore({
      reader: readerWith({ list: async () => (await gate, []), trainerSummary: async () => null }),
    });
    model.markActive(runA);
    model.setClusterJob(runA, { jobId: '7', state: 'RUNNING', reason: 'None', restarts: 0 });
    const reading = model.refresh(runA); // e.g. after the checkpoint the requeued trainer saved
    await new Promise((r) => setTimeout(r, 10));
    model.setClusterJob(runA, { jobId: '7', state: 'PENDING', reason: 'BeginTime', restarts: 1 });
    release();
    await reading;
    assert.deepEqual(model.get(runA)?.clusterJob, { jobId: '7', state: 'PENDING', reason: 'BeginTime', restarts: 1 });
    model.setClusterJob(runB, { jobId: '8', state: 'RUNNING', reason: 'None', restarts: 0 });
    assert.equal(model.get(runB), undefined, 'only runs this window trains follow a job');
  });

  it('lists folders of saves in progress', async () => {
    mkdirSync(path.join(runA, 'checkpoints', '.tmp-checkpoint-600'));
    const model = new RunStore({ reader: readerWith(fakeSource(new Map())) });
    await model.setRunDirs([runA]);
    assert.deepEqual(model.get(runA)?.writing, ['.tmp-checkpoint-600']);
  });

  it('forgets runs that are no longer discovered, except active ones', async () => {
    const model = new RunStore({ reader: readerWith(fakeSource(new Map())) });
    await model.setRunDirs([runA, runB]);
    model.markActive(runB);
    await model.setRunDirs([]);
    assert.deepEqual(
      model.runs().map((r) => r.dir),
      [runB],
    );
  });
});

describe('run discovery', () => {
  it('maps marker files to run folders', () => {
    assert.equal(runDirFromMarker('/w/runs/x/run.json'), '/w/runs/x');
    assert.equal(runDirFromMarker('/w/runs/x/checkpoints/checkpoint-5/manifest.json'), '/w/runs/x');
    assert.deepEqual(
      runDirsFromMarkers([
        '/w/b/run.json',
        '/w/a/checkpoints/checkpoint-1/manifest.json',
        '/w/b/checkpoints/checkpoint-2/manifest.json',
      ]),
      ['/w/a', '/w/b'],
    );
  });
});
