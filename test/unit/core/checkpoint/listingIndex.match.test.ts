/** entryMatchesFolder: an index row is trusted only while its folder's manifest is the very file it was made from. */
import assert from 'node:assert/strict';
import { entryMatchesFolder, type IndexedCheckpoint } from '../../../../src/core/checkpoint/listingIndex';
import type { ManifestIdentity } from '../../../../src/core/checkpoint/validate';

const IDENTITY: ManifestIdentity = { ino: 11, size: 222, mtimeMs: 3333, ctimeMs: 4444 };

const row = (overrides: Partial<IndexedCheckpoint> = {}): IndexedCheckpoint => ({
  name: 'checkpoint-20',
  step: 20,
  mtimeMs: IDENTITY.mtimeMs,
  saveCounter: 2,
  optimizer: null,
  scheduler: null,
  trainer: null,
  manifest: { ...IDENTITY },
  ...overrides,
});

describe('listing index: does a row still describe its folder', () => {
  it('yes for the same manifest file, and for a folder not named checkpoint-<step> whatever its step', () => {
    assert.equal(entryMatchesFolder(row(), { ...IDENTITY }), true);
    assert.equal(entryMatchesFolder(row({ name: 'checkpoint-best', step: 7 }), { ...IDENTITY }), true);
  });

  it('no without a manifest now', () => {
    assert.equal(entryMatchesFolder(row(), null), false);
  });

  for (const field of ['ino', 'size', 'mtimeMs', 'ctimeMs'] as const) {
    it(`no when the manifest's ${field} changed (another file now)`, () => {
      assert.equal(entryMatchesFolder(row(), { ...IDENTITY, [field]: IDENTITY[field] + 1 }), false);
    });
  }

  it("no when the row's own time is not the manifest's, or its step is not the folder name's", () => {
    assert.equal(entryMatchesFolder(row({ mtimeMs: IDENTITY.mtimeMs - 1 }), { ...IDENTITY }), false);
    assert.equal(entryMatchesFolder(row({ step: 21 }), { ...IDENTITY }), false);
    assert.equal(entryMatchesFolder(row({ step: null }), { ...IDENTITY }), false);
  });
});
