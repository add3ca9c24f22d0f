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

  it('starts over once every slot is taken: colours repeat, and collisions probe again', () => {
    // With 3 slots /runs/r0 hashes to 1, r1 and r2 to 2, r3 and r4 to 0.
    assert.deepEqual(
      Object.fromEntries(runColorIndices(['/runs/r4', '/runs/r3', '/runs/r2', '/runs/r1', '/runs/r0'], 3)),
      {
        '/runs/r0': 1,
        '/runs/r1': 2,
        '/runs/r2': 0,
        '/runs/r3': 0,
        '/runs/r4': 1,
      },
    );
  });

  it('gives every run slot 0 of a one-colour palette', () => {
    assert.deepEqual([...runColorIndices(['/a', '/b', '/c'], 1).values()], [0, 0, 0]);
  });
});
