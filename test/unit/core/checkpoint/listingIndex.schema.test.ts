/** Hand-crafted listing index files: every shape check, each alone (one bad entry distrusts the whole index). */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LISTING_INDEX_FILE, readListingIndex, writeListingIndex } from '../../../../src/core/checkpoint/listingIndex';
import { CheckpointManager } from '../../../../src/core/checkpoint/manager';
import { failRenameOnce, virtualFs } from './faultFs';
import { makeContent, managerOptions } from './helpers';

type Json = Record<string, unknown>;
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** Sets `path` (dotted) of a copy of `entry` to `value` (undefined deletes it). */
function edited(entry: Json, path: string, value: unknown): Json {
  const copy = clone(entry);
  const keys = path.split('.');
  let at = copy as Json;
  for (const key of keys.slice(0, -1)) at = at[key] as Json;
  if (value === undefined) delete at[keys.at(-1)!];
  else at[keys.at(-1)!] = value;
  return copy;
}

describe('listing index: schema of a hand-written file', () => {
  let dir: string;
  let entry: Json;

  before(async () => {
    // A real entry, as the manager writes it, is the base every case edits.
    dir = await mkdtemp(join(tmpdir(), 'ckpt-index-'));
    await (
      await new CheckpointManager(dir, managerOptions()).save(makeContent(10))
    ).done;
    const index = JSON.parse(await readFile(join(dir, 'checkpoints', LISTING_INDEX_FILE), 'utf8')) as {
      checkpoints: Json[];
    };
    entry = index.checkpoints[0]!;
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const checkpointsDir = () => join(dir, 'checkpoints');
  async function readWith(body: unknown): Promise<Map<string, unknown> | null> {
    await writeFile(join(checkpointsDir(), LISTING_INDEX_FILE), typeof body === 'string' ? body : JSON.stringify(body));
    const v = virtualFs(dir);
    return readListingIndex(join(v.root, 'checkpoints'), v.fs);
  }
  const file = (checkpoints: unknown, extra: Json = {}) => ({
    format: 'training-runs-checkpoint-index',
    version: 2,
    checkpoints,
    ...extra,
  });

  it('trusts the entry the manager wrote, by name', async () => {
    const read = await readWith(file([entry]));
    assert.deepEqual([...(read?.keys() ?? [])], ['checkpoint-10']);
    assert.deepEqual(read?.get('checkpoint-10'), entry);
    assert.deepEqual([...((await readWith(file([])))?.keys() ?? ['not read'])], []);
  });

  it('distrusts a file of another format or version, without a list, or not an object', async () => {
    for (const body of [
      file([entry], { format: 'other' }),
      file([entry], { version: 1 }),
      file({}),
      [file([entry])],
      'null',
      '{"format":',
    ]) {
      assert.equal(await readWith(body), null, JSON.stringify(body).slice(0, 60));
    }
  });

  const accepted: Array<[string, unknown]> = [
    ['step', null],
    ['step', 0],
    ['optimizer', null],
    ['scheduler', null],
    ['trainer', null],
    ['scheduler.next_lr', null],
    ['trainer.loss', null],
    ['trainer.bestCheckpoint', 'checkpoint-3'],
    ['optimizer.hyperparameters.amsgrad', false],
    ['optimizer.hyperparameters.name', 'adam'],
    ['optimizer.hyperparameters.clip', null],
    ['scheduler.config.kind', 'cosine'],
    ['scheduler.config.floor', null],
  ];
  for (const [path, value] of accepted) {
    it(`accepts ${path} = ${JSON.stringify(value)}`, async () => {
      assert.notEqual(await readWith(file([edited(entry, path, value)])), null);
    });
  }

  const rejected: Array<[string, unknown]> = [
    ['name', 7],
    ['mtimeMs', 'soon'],
    ['mtimeMs', undefined],
    ['saveCounter', 1.5],
    ['step', -1],
    ['step', 2.5],
    ['step', '3'],
    ['optimizer', 'adam'],
    ['optimizer.type', 3],
    ['optimizer.hyperparameters', [1]],
    ['optimizer.hyperparameters.learning_rate', { value: 1 }],
    ['optimizer.iterations', 'many'],
    ['optimizer.slotKinds', 'm'],
    ['optimizer.slotKinds', [1]],
    ['optimizer.variables', null],
    ['optimizer.bytes', undefined],
    ['scheduler', 5],
    ['scheduler.type', null],
    ['scheduler.config', null],
    ['scheduler.config.warmup_steps', true],
    ['scheduler.step', '1'],
    ['scheduler.last_lr', null],
    ['scheduler.next_lr', 'soon'],
    ['trainer', 'x'],
    ['trainer.loss', 'low'],
    ['trainer.bestCheckpoint', 3],
    // A string is no record, though its characters are string values.
    ['optimizer.hyperparameters', 'adam'],
    ['scheduler.config', 'cosine'],
    ['optimizer.slotKinds', ['m', 1]],
    ['manifest', null],
    ['manifest.ino', '12'],
    ['manifest.size', undefined],
    ['manifest.mtimeMs', null],
    ['manifest.ctimeMs', 'now'],
  ];
  for (const [path, value] of rejected) {
    it(`distrusts the whole file for ${path} = ${JSON.stringify(value)}`, async () => {
      assert.equal(await readWith(file([entry, edited(entry, path, value)])), null);
    });
  }

  it('writes sorted by name through a temporary file, and removes it when the rename fails', async () => {
    const v = virtualFs(dir);
    const names = ['checkpoint-9', 'checkpoint-10', 'checkpoint-1'];
    await writeListingIndex(
      join(v.root, 'checkpoints'),
      v.fs,
      names.map((name) => ({ ...(entry as object), name }) as never),
    );
    const written = JSON.parse(await readFile(join(checkpointsDir(), LISTING_INDEX_FILE), 'utf8')) as {
      checkpoints: Json[];
      format: string;
      version: number;
    };
    assert.deepEqual(
      written.checkpoints.map((c) => c.name),
      ['checkpoint-1', 'checkpoint-10', 'checkpoint-9'],
    );
    assert.deepEqual([written.format, written.version], ['training-runs-checkpoint-index', 2]);
    failRenameOnce(v, (from) => from.includes('.tmp-index-'));
    await assert.rejects(writeListingIndex(join(v.root, 'checkpoints'), v.fs, []), { code: 'ENOSPC' });
    assert.deepEqual(
      (await readdir(checkpointsDir())).filter((n) => n.startsWith('.tmp-')),
      [],
    );
  });
});
