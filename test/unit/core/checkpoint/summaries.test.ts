import assert from 'node:assert/strict';
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { READ_LIMITS, ReadLimitError } from '../../../../src/core/limits/readLimits';
import {
  fileSize,
  listed,
  readOptimizerState,
  readSchedulerState,
  readStateText,
  readTrainerState,
  summariseOptimizer,
} from '../../../../src/core/checkpoint/summaries';
import type { Manifest, OptimizerState } from '../../../../src/core/checkpoint/types';
import { virtualFs } from './faultFs';
import { makeContent, withTempDir } from './helpers';

const manifestOf = (files: Array<[string, number]>): Manifest => ({
  format: 'training-runs-checkpoint',
  version: 1,
  step: 7,
  save_counter: 1,
  created: '2026-01-01T00:00:00.000Z',
  checksum_algorithm: 'crc32',
  files: files.map(([path, size]) => ({ path, size, checksum: '00000000' })),
});

describe('checkpoint summaries: the small state files, read for display', () => {
  it('listed and fileSize answer from the manifest only; no manifest lists nothing and sizes 0', () => {
    const manifest = manifestOf([
      ['model.safetensors', 10],
      ['optimizer.safetensors', 4096],
    ]);
    assert.equal(listed(manifest, 'optimizer.safetensors'), true);
    assert.equal(listed(manifest, 'scheduler.json'), false);
    assert.equal(listed(null, 'model.safetensors'), false);
    assert.equal(fileSize(manifest, 'optimizer.safetensors'), 4096);
    assert.equal(fileSize(manifest, 'scheduler.json'), 0);
    assert.equal(fileSize(null, 'optimizer.safetensors'), 0);
  });

  it('an optimizer summary counts slot kinds once each, variables once each, and the slot file bytes', () => {
    const state: OptimizerState = {
      type: 'adam',
      hyperparameters: { learning_rate: 0.01 },
      iterations: 5,
      slots: [
        { name: 'a/m', variable: 'a', slot: 'm' },
        { name: 'a/v', variable: 'a', slot: 'v' },
        { name: 'b/m', variable: 'b', slot: 'm' },
        { name: 'b/v', variable: 'b', slot: 'v' },
        { name: 'c/m', variable: 'c', slot: 'm' },
      ],
      extra: {},
    };
    assert.deepEqual(summariseOptimizer(state, manifestOf([['optimizer.safetensors', 321]])), {
      type: 'adam',
      hyperparameters: { learning_rate: 0.01 },
      iterations: 5,
      slotKinds: ['m', 'v'],
      variables: 3,
      bytes: 321,
    });
    assert.equal(summariseOptimizer(state, null).bytes, 0);
  });

  it('reads each state file through the injected fs only when the manifest lists it', async () => {
    await withTempDir(async (dir) => {
      const content = makeContent(7);
      await writeFile(join(dir, 'optimizer.json'), JSON.stringify(content.optimizer!.state));
      await writeFile(join(dir, 'scheduler.json'), JSON.stringify(content.scheduler));
      await writeFile(join(dir, 'trainer_state.json'), JSON.stringify(content.trainerState));
      const virtual = virtualFs(dir);
      const all = manifestOf([
        ['optimizer.json', 1],
        ['scheduler.json', 1],
        ['trainer_state.json', 1],
      ]);
      assert.deepEqual(await readOptimizerState(virtual.fs, virtual.root, all), content.optimizer!.state);
      assert.deepEqual(await readSchedulerState(virtual.fs, virtual.root, all), content.scheduler);
      assert.deepEqual(await readTrainerState(virtual.fs, virtual.root, all), content.trainerState);
      assert.equal(virtual.openHandles(), 0);
      const opened = virtual.calls.open + virtual.calls.readFile;
      assert.ok(opened >= 3, 'read through the injected fs');
      const none = manifestOf([['model.safetensors', 1]]);
      assert.equal(await readOptimizerState(virtual.fs, virtual.root, none), null);
      assert.equal(await readSchedulerState(virtual.fs, virtual.root, none), null);
      assert.equal(await readTrainerState(virtual.fs, virtual.root, null), null);
      assert.equal(virtual.calls.open + virtual.calls.readFile, opened, 'an unlisted file is not read');
    });
  });

  it('a bad state file is named with its path and field', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'scheduler.json'), JSON.stringify({ ...makeContent(1).scheduler, step: -2 }));
      const virtual = virtualFs(dir);
      await assert.rejects(
        readSchedulerState(virtual.fs, virtual.root, manifestOf([['scheduler.json', 1]])),
        (e: unknown) =>
          e instanceof Error && e.message.startsWith(`${join(virtual.root, 'scheduler.json')}: field "step": `),
      );
    });
  });

  it('a state file over the JSON size limit, or a folder in its place, is refused before it is read', async () => {
    await withTempDir(async (dir) => {
      const big = join(dir, 'trainer_state.json');
      await writeFile(big, '');
      await truncate(big, READ_LIMITS.jsonFileBytes + 1); // sparse: costs no disk
      await mkdir(join(dir, 'scheduler.json'));
      const virtual = virtualFs(dir);
      await assert.rejects(readStateText(virtual.fs, join(virtual.root, 'trainer_state.json')), ReadLimitError);
      await assert.rejects(readStateText(virtual.fs, join(virtual.root, 'scheduler.json')), {
        message: `${join(virtual.root, 'scheduler.json')}: is a folder, not a regular file (a checkpoint holds only regular files)`,
      });
      assert.equal(virtual.openHandles(), 0);
    });
  });
});
