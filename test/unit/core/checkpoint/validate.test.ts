import assert from 'node:assert/strict';
import { mkdir, open, readFile, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointManager } from '../../../../src/core/checkpoint/manager';
import { defaultFs, type CheckpointFs } from '../../../../src/core/checkpoint/fs';
import { hashFile } from '../../../../src/core/checkpoint/hashedIo';
import { validateCheckpoint } from '../../../../src/core/checkpoint/validate';
import { makeContent, managerOptions, withTempDir } from './helpers';

async function saved(dir: string, step = 100): Promise<string> {
  const manager = new CheckpointManager(dir, managerOptions());
  const pending = await manager.save(makeContent(step));
  await pending.done;
  return pending.path;
}

async function flipByte(path: string, offset: number): Promise<void> {
  const handle = await open(path, 'r+');
  const byte = Buffer.alloc(1);
  await handle.read(byte, 0, 1, offset);
  byte[0] = byte[0]! ^ 0xff;
  await handle.write(byte, 0, 1, offset);
  await handle.close();
}

describe('validateCheckpoint', () => {
  it('accepts a committed folder with weights, with and without checksums', async () => {
    await withTempDir(async (dir) => {
      const path = await saved(dir);
      const quick = await validateCheckpoint(path);
      assert.deepEqual(quick.problems, []);
      assert.equal(quick.valid, true);
      assert.equal(quick.manifest?.step, 100);
      assert.deepEqual(
        quick.manifest?.files.map((f) => f.path),
        [
          'model.safetensors',
          'optimizer.safetensors',
          'optimizer.json',
          'scheduler.json',
          'trainer_state.json',
          'metadata.json',
        ],
      );
      assert.equal((await validateCheckpoint(path, { verifyChecksums: true })).valid, true);
    });
  });

  it('checks a manifest of many files a few at a time (each hash holds its read buffers)', async () => {
    await withTempDir(async (dir) => {
      const path = await saved(dir);
      const manifest = JSON.parse(await readFile(join(path, 'manifest.json'), 'utf8'));
      for (let i = 0; i < 40; i++) {
        const name = `extra-${i}.bin`;
        await writeFile(join(path, name), Buffer.alloc(1000, i));
        const checksum = await hashFile(defaultFs, join(path, name), manifest.checksum_algorithm);
        manifest.files.push({ path: name, size: 1000, checksum });
      }
      await writeFile(join(path, 'manifest.json'), JSON.stringify(manifest));
      let open = 0;
      let most = 0;
      const counting: CheckpointFs = {
        ...defaultFs,
        open: async (...args: Parameters<CheckpointFs['open']>) => {
          const handle = await defaultFs.open(...args);
          most = Math.max(most, ++open);
          const close = handle.close.bind(handle);
          handle.close = async () => {
            open--;
            return close();
          };
          return handle;
        },
      };
      const result = await validateCheckpoint(path, { verifyChecksums: true, fs: counting });
      assert.deepEqual(result.problems, []);
      assert.ok(most >= 2 && most <= 4, `files open at once: ${most}`);
    });
  });

  it('rejects a missing folder', async () => {
    const result = await validateCheckpoint('/nonexistent/checkpoint-1');
    assert.equal(result.valid, false);
    assert.deepEqual(result.problems, ['/nonexistent/checkpoint-1: does not exist']);
  });

  it('rejects an empty folder', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'checkpoint-5');
      await mkdir(path);
      const result = await validateCheckpoint(path);
      assert.equal(result.valid, false);
      assert.deepEqual(result.problems, [`${join(path, 'manifest.json')}: missing (the folder is empty)`]);
    });
  });

  it('rejects weights without a manifest (an uncommitted save)', async () => {
    await withTempDir(async (dir) => {
      const path = await saved(dir);
      await unlink(join(path, 'manifest.json'));
      const result = await validateCheckpoint(path);
      assert.deepEqual(result.problems, [`${join(path, 'manifest.json')}: missing (the save never completed)`]);
    });
  });

  it('catches a truncated file by size, without reading it', async () => {
    await withTempDir(async (dir) => {
      const path = await saved(dir);
      const model = join(path, 'model.safetensors');
      const size = (await readFile(model)).length;
      await truncate(model, size - 4);
      const result = await validateCheckpoint(path);
      assert.equal(result.valid, false);
      assert.deepEqual(result.problems, [
        `${model}: size ${size - 4} bytes, manifest says ${size} (truncated or overwritten)`,
      ]);
    });
  });

  it('catches a flipped byte only when verifying checksums', async () => {
    await withTempDir(async (dir) => {
      const path = await saved(dir);
      const slots = join(path, 'optimizer.safetensors');
      await flipByte(slots, (await readFile(slots)).length - 3);
      assert.equal((await validateCheckpoint(path)).valid, true);
      const verified = await validateCheckpoint(path, { verifyChecksums: true });
      assert.equal(verified.valid, false);
      assert.deepEqual(verified.problems, [`${slots}: crc32 checksum mismatch (file is corrupt)`]);
    });
  });

  it('names a listed file that is missing and a manifest that is not JSON', async () => {
    await withTempDir(async (dir) => {
      const path = await saved(dir);
      await unlink(join(path, 'scheduler.json'));
      assert.deepEqual((await validateCheckpoint(path)).problems, [
        `${join(path, 'scheduler.json')}: missing (listed in the manifest)`,
      ]);
      await writeFile(join(path, 'manifest.json'), '{"format": ');
      const broken = await validateCheckpoint(path);
      assert.equal(broken.problems.length, 1);
      assert.match(broken.problems[0]!, /manifest\.json: not valid JSON/);
    });
  });

  it('names the bad manifest field', async () => {
    await withTempDir(async (dir) => {
      const path = await saved(dir);
      const manifest = JSON.parse(await readFile(join(path, 'manifest.json'), 'utf8'));
      manifest.files[0].size = -1;
      await writeFile(join(path, 'manifest.json'), JSON.stringify(manifest));
      const result = await validateCheckpoint(path);
      assert.match(result.problems[0]!, /manifest\.json: field "files\.0\.size"/);
    });
  });
});
