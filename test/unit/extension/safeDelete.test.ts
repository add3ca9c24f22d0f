import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { deleteCheckpointFolder, DeleteRefusedError } from '../../../src/extension/model/safeDelete';

describe('deleteCheckpointFolder', () => {
  let root: string;
  let run: string;
  let outside: string;

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'tr-delete-'));
    run = path.join(root, 'run');
    outside = path.join(root, 'precious');
    mkdirSync(path.join(run, 'checkpoints', 'checkpoint-100'), { recursive: true });
    mkdirSync(path.join(run, 'checkpoints', 'checkpoint-200'), { recursive: true });
    writeFileSync(path.join(run, 'checkpoints', 'checkpoint-100', 'model.safetensors'), 'x');
    writeFileSync(path.join(run, 'checkpoints', 'checkpoint-200', 'model.safetensors'), 'y');
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'keep.txt'), 'keep');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('removes exactly that checkpoint folder', async () => {
    await deleteCheckpointFolder(path.join(run, 'checkpoints', 'checkpoint-100'), [run]);
    assert.equal(existsSync(path.join(run, 'checkpoints', 'checkpoint-100')), false);
    assert.equal(existsSync(path.join(run, 'checkpoints', 'checkpoint-200', 'model.safetensors')), true);
  });

  it('removes links inside the checkpoint as links, leaving their targets', async () => {
    const ckpt = path.join(run, 'checkpoints', 'checkpoint-100');
    symlinkSync(outside, path.join(ckpt, 'linked-dir'));
    symlinkSync(path.join(outside, 'keep.txt'), path.join(ckpt, 'linked-file'));
    await deleteCheckpointFolder(ckpt, [run]);
    assert.equal(existsSync(ckpt), false);
    assert.equal(existsSync(path.join(outside, 'keep.txt')), true);
  });

  it('unlinks a checkpoint that is itself a link, without touching the target', async () => {
    const link = path.join(run, 'checkpoints', 'checkpoint-300');
    symlinkSync(outside, link);
    await deleteCheckpointFolder(link, [run]);
    assert.throws(() => lstatSync(link));
    assert.equal(existsSync(path.join(outside, 'keep.txt')), true);
  });

  it('refuses folders that are not checkpoints of a known run', async () => {
    await assert.rejects(deleteCheckpointFolder(outside, [run]), DeleteRefusedError);
    await assert.rejects(deleteCheckpointFolder(path.join(run, 'checkpoints'), [run]), DeleteRefusedError);
    await assert.rejects(
      deleteCheckpointFolder(path.join(run, 'checkpoints', 'checkpoint-100'), [path.join(root, 'other')]),
      DeleteRefusedError,
    );
    await assert.rejects(
      deleteCheckpointFolder(path.join(run, 'checkpoints', 'checkpoint-100', '..', '..', '..', 'precious'), [run]),
      DeleteRefusedError,
    );
    mkdirSync(path.join(run, 'checkpoints', 'notes'));
    await assert.rejects(
      deleteCheckpointFolder(path.join(run, 'checkpoints', 'notes'), [run]),
      /not a checkpoint folder/,
    );
    assert.equal(existsSync(path.join(outside, 'keep.txt')), true);
    assert.equal(existsSync(path.join(run, 'checkpoints', 'checkpoint-100')), true);
  });

  it('refuses to delete through a checkpoints folder that is a link', async () => {
    const run2 = path.join(root, 'run2');
    mkdirSync(run2);
    mkdirSync(path.join(outside, 'checkpoint-5'));
    symlinkSync(outside, path.join(run2, 'checkpoints'));
    await assert.rejects(deleteCheckpointFolder(path.join(run2, 'checkpoints', 'checkpoint-5'), [run2]), /link/);
    assert.equal(existsSync(path.join(outside, 'checkpoint-5')), true);
  });
});
