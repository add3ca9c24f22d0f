import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchSampler, DataError, buildDataset } from '../../../src/trainer/data';
import { loadCsv } from '../../../src/trainer/data/csv';
import { loadTextFile, syntheticText } from '../../../src/trainer/data/text';

describe('BatchSampler', () => {
  it('covers every example once per epoch, reshuffles each epoch, and carries a batch across the boundary', () => {
    const s = new BatchSampler(10, 4, 123);
    const drawn = [s.next(), s.next(), s.next()].flatMap((b) => Array.from(b));
    assert.deepEqual(
      [...drawn.slice(0, 10)].sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.equal(s.currentEpoch, 1);
    assert.deepEqual(s.getPosition(), { epoch: 1, index: 2 });
    const epoch1 = [...drawn.slice(10), ...Array.from(s.next()), ...Array.from(s.next())].slice(0, 10);
    assert.notDeepEqual(epoch1, drawn.slice(0, 10));
  });

  it('a restored position yields exactly the batches the original sampler goes on to draw', () => {
    const a = new BatchSampler(37, 5, 9);
    for (let i = 0; i < 9; i++) a.next();
    const position = JSON.parse(JSON.stringify(a.getPosition()));
    const b = new BatchSampler(37, 5, 9);
    b.setPosition(position);
    for (let i = 0; i < 12; i++) assert.deepEqual(Array.from(b.next()), Array.from(a.next()));
  });

  it('the same seed gives the same order; another seed another', () => {
    assert.deepEqual(Array.from(new BatchSampler(20, 20, 1).next()), Array.from(new BatchSampler(20, 20, 1).next()));
    assert.notDeepEqual(Array.from(new BatchSampler(20, 20, 1).next()), Array.from(new BatchSampler(20, 20, 2).next()));
  });

  it('rejects an impossible position', () => {
    assert.throws(() => new BatchSampler(5, 2, 1).setPosition({ epoch: 0, index: 9 }), /invalid data position/);
  });
});

describe('datasets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trainer-data-'));

  it('synthetic classification is deterministic and one-hot encodes targets', () => {
    const cfg = {
      type: 'synthetic_classification',
      samples: 30,
      features: 3,
      classes: 4,
      noise: 0.1,
      seed: 5,
    } as const;
    const a = buildDataset(cfg);
    const b = buildDataset(cfg);
    assert.deepEqual(a.batch([3, 7]), b.batch([3, 7]));
    const { y, yShape } = a.batch([0, 1, 2]);
    assert.deepEqual(yShape, [3, 4]);
    for (let r = 0; r < 3; r++)
      assert.equal(
        y.slice(r * 4, r * 4 + 4).reduce((s, v) => s + v, 0),
        1,
      );
  });

  it('text windows predict the next character', () => {
    const d = syntheticText(200, 5, 1);
    const { x, y, xShape } = d.batch([0]);
    const v = d.vocab.length;
    assert.deepEqual(xShape, [1, 5, v]);
    const argmax = (a: Float32Array, t: number): number => a.slice(t * v, (t + 1) * v).indexOf(1);
    for (let t = 0; t < 4; t++) assert.equal(argmax(y, t), argmax(x, t + 1));
  });

  it('CSV: standardised features, labels sorted into classes', () => {
    const file = join(dir, 'ok.csv');
    writeFileSync(file, 'a,b,label\n1,10,cat\n2,20,dog\n3,30,cat\n');
    const d = loadCsv(file, 'label', 'classification');
    assert.equal(d.features, 2);
    assert.equal(d.outputs, 2);
    const { x, y } = d.batch([0, 1, 2]);
    assert.ok(Math.abs(x[0]! + x[2]! + x[4]!) < 1e-6, 'column a has zero mean');
    assert.deepEqual(Array.from(y), [1, 0, 0, 1, 1, 0]);
  });

  it('CSV errors name the file, line and column', () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'a,b,label\n1,10,cat\n2,oops,dog\n');
    assert.throws(
      () => loadCsv(file, 'label', 'classification'),
      (e: unknown) => e instanceof DataError && /bad\.csv:3: column "b" is "oops"/.test(e.message),
    );
    assert.throws(() => loadCsv(file, 'target', 'classification'), /no column "target"/);
  });

  it('a text file too short for seq_len is refused with the fix', () => {
    const file = join(dir, 'short.txt');
    writeFileSync(file, 'abc');
    assert.throws(() => loadTextFile(file, 8), /smaller data\.seq_len/);
  });
});
