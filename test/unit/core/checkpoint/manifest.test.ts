import assert from 'node:assert/strict';
import { parseManifest } from '../../../../src/core/checkpoint/manifest';
import { READ_LIMITS } from '../../../../src/core/limits/readLimits';

const manifest = {
  format: 'training-runs-checkpoint',
  version: 1,
  step: 20,
  save_counter: 2,
  created: '2026-12-07T00:00:00.000Z',
  checksum_algorithm: 'sha256',
  files: [
    { path: 'model.safetensors', size: 128, checksum: 'ab' },
    { path: 'trainer_state.json', size: 0, checksum: 'cd' },
  ],
  removed_on_purpose: ['optimizer.safetensors'],
};

const text = (changes: Record<string, unknown>, drop?: string): string => {
  const copy: Record<string, unknown> = { ...manifest, ...changes };
  if (drop !== undefined) delete copy[drop];
  return JSON.stringify(copy);
};

describe('manifest.json: read back whole, every bad field named', () => {
  it('a valid manifest comes back with every field, removed_on_purpose optional', () => {
    assert.deepEqual(parseManifest(JSON.stringify(manifest), 'm.json'), manifest);
    const { removed_on_purpose: _removed, ...plain } = manifest;
    assert.deepEqual(parseManifest(JSON.stringify(plain), 'm.json'), plain);
  });

  const bad: Array<[string, Record<string, unknown>, string | undefined, string]> = [
    ['another format', { format: 'other' }, undefined, 'format'],
    ['version 2', { version: 2 }, undefined, 'version'],
    ['a negative step', { step: -1 }, undefined, 'step'],
    ['a fractional step', { step: 1.5 }, undefined, 'step'],
    ['a negative save counter', { save_counter: -1 }, undefined, 'save_counter'],
    ['a fractional save counter', { save_counter: 0.5 }, undefined, 'save_counter'],
    ['no created time', {}, 'created', 'created'],
    ['no checksum algorithm', {}, 'checksum_algorithm', 'checksum_algorithm'],
    ['no files', { files: [] }, undefined, 'files'],
    ['a file without a path', { files: [{ path: '', size: 1, checksum: 'a' }] }, undefined, 'files.0.path'],
    ['a negative size', { files: [{ path: 'a', size: -1, checksum: 'a' }] }, undefined, 'files.0.size'],
    ['a fractional size', { files: [{ path: 'a', size: 1.5, checksum: 'a' }] }, undefined, 'files.0.size'],
    ['an empty checksum', { files: [{ path: 'a', size: 1, checksum: '' }] }, undefined, 'files.0.checksum'],
    ['removed_on_purpose not names', { removed_on_purpose: [1] }, undefined, 'removed_on_purpose.0'],
  ];
  for (const [what, changes, drop, field] of bad) {
    it(`rejects ${what}, naming field "${field}"`, () => {
      assert.throws(() => parseManifest(text(changes, drop), 'ck/manifest.json'), {
        message: new RegExp(`^ck/manifest\\.json: field "${field.replace(/\./g, '\\.')}": `),
      });
    });
  }

  it("the message says what was wrong with the field, in the schema's words", () => {
    assert.throws(() => parseManifest(text({ step: 'ten' }), 'm.json'), {
      message: /^m\.json: field "step": .*expected number, received string$/,
    });
  });

  it('a manifest that is not an object is a bad "(root)"', () => {
    assert.throws(() => parseManifest('"text"', 'm.json'), { message: /^m\.json: field "\(root\)": / });
    assert.throws(() => parseManifest('null', 'm.json'), { message: /^m\.json: field "\(root\)": / });
  });

  for (const path of ['sub/model.safetensors', 'sub\\model.safetensors', '.hidden', '../model.safetensors']) {
    it(`rejects the file entry "${path}": only plain names inside the checkpoint folder`, () => {
      const files = [
        { path: 'model.safetensors', size: 1, checksum: 'a' },
        { path, size: 1, checksum: 'a' },
      ];
      assert.throws(() => parseManifest(text({ files }), 'm.json'), {
        message: `m.json: file entry "${path}" must be a plain file name inside the checkpoint folder`,
      });
    });
  }

  it('rejects a file listed twice (each entry is checked and hashed on its own), naming the file', () => {
    const files = [
      { path: 'model.safetensors', size: 1, checksum: 'a' },
      { path: 'optimizer.safetensors', size: 1, checksum: 'b' },
      { path: 'model.safetensors', size: 1, checksum: 'a' },
    ];
    assert.throws(() => parseManifest(text({ files }), 'm.json'), {
      message: /^m\.json: file entry "model\.safetensors" is listed more than once/,
    });
  });

  it('more file entries than the limit fail before the schema walks them; exactly the limit is read', () => {
    const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ path: `f${i}`, size: 1, checksum: 'a' }));
    const over = READ_LIMITS.manifestEntries + 1;
    assert.throws(() => parseManifest(text({ files: entries(over) }), 'm.json'), {
      message: `m.json: field "files" has ${over} entries (limit ${READ_LIMITS.manifestEntries}); the file is corrupt or not what it claims to be`,
    });
    assert.equal(
      parseManifest(text({ files: entries(READ_LIMITS.manifestEntries) }), 'm.json').files.length,
      READ_LIMITS.manifestEntries,
    );
  });
});
