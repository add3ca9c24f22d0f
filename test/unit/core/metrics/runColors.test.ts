import assert from 'node:assert/strict';
import { runColorIndices } from '../../../../src/core/metrics/runColors';

describe('runColorIndices', () => {
  it('gives a run the same colour whatever order the runs come in', () => {
    const a = runColorIndices(['/r/a', '/r/b', '/r/c'], 8);
    const b = runColorIndices(['/r/c', '/r/a', '/r/b'], 8);
    assert.deepEqual([...a.entries()].sort(), [...b.entries()].sort());
  });

  it('gives different runs different colours while the palette lasts', () => {
    const runs = Array.from({ length: 8 }, (_, i) => `/runs/run-${i}`);
    assert.equal(new Set(runColorIndices(runs, 8).values()).size, 8);
  });
});
