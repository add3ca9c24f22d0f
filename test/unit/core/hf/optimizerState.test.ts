import assert from 'node:assert/strict';
import { inferType, summarizeOptimizer } from '../../../../src/core/hf/optimizerState';
import { PickleDict, PickleGlobal, PickleTuple, type PickleValue } from '../../../../src/core/hf/pickle';
import type { TorchFile } from '../../../../src/core/hf/torchFile';

const dict = (entries: Array<[PickleValue, PickleValue]>): PickleDict => {
  const d = new PickleDict();
  for (const [k, v] of entries) d.map.set(k, v);
  return d;
};
/** An optimizer.pt as the torch reader gives it; a stored `step` tensor reads as `tensorStep`. */
function file(root: PickleValue, tensorStep: number | null = null): TorchFile {
  return { root, path: '/c/optimizer.pt', readScalar: async () => tensorStep } as unknown as TorchFile;
}
const TENSOR = new PickleGlobal('torch', 'tensor-ish');

describe('hf: optimizer.pt summary', () => {
  it('counts slots per parameter, takes the largest step, and maps hyper-parameters to native names', async () => {
    const state = dict([
      [
        0,
        dict([
          ['step', 5],
          ['exp_avg', TENSOR],
          ['exp_avg_sq', TENSOR],
        ]),
      ],
      [
        1,
        dict([
          ['step', 9],
          ['exp_avg', TENSOR],
          ['exp_avg_sq', TENSOR],
        ]),
      ],
      [
        2,
        dict([
          ['step', 7],
          ['exp_avg', TENSOR],
          ['exp_avg_sq', null],
          [3, TENSOR],
        ]),
      ],
      [3, 'not a dict'],
    ]);
    const group = dict([
      ['lr', 0.001],
      ['betas', new PickleTuple([0.9, 0.999])],
      ['eps', 1e-8],
      ['amsgrad', false],
      ['big', 2n ** 70n],
      ['params', [0, 1, 2, 3]],
      [7, 'numeric key'],
    ]);
    const summary = await summarizeOptimizer(
      file(
        dict([
          ['state', state],
          ['param_groups', [group, 'junk']],
        ]),
      ),
      77,
      1,
    );
    assert.equal(summary.type, 'adam/adamw');
    assert.equal(summary.typeInferred, true);
    assert.equal(summary.typeInferredFrom, 'state keys exp_avg, exp_avg_sq');
    assert.match(summary.typeNote ?? '', /AdamW/);
    assert.deepEqual(summary.slotCounts, { exp_avg: 3, exp_avg_sq: 2 });
    assert.deepEqual(summary.slotKinds, ['exp_avg', 'exp_avg_sq']);
    assert.equal(summary.iterations, 9);
    assert.equal(summary.iterationsSource, 'optimizer.pt');
    assert.equal(summary.variables, 4);
    assert.equal(summary.bytes, 77);
    assert.deepEqual(summary.paramGroups, [
      { lr: 0.001, betas: '0.9,0.999', eps: 1e-8, amsgrad: false, big: String(2n ** 70n), params: 4 },
    ]);
    assert.deepEqual(summary.hyperparameters, {
      learning_rate: 0.001,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
      amsgrad: false,
      big: String(2n ** 70n),
    });
  });

  it('reads a step stored as a tensor, and falls back when none is stored', async () => {
    const withTensor = dict([
      [
        'state',
        dict([
          [
            0,
            dict([
              ['step', TENSOR],
              ['sum', TENSOR],
            ]),
          ],
        ]),
      ],
      ['param_groups', []],
    ]);
    const read = await summarizeOptimizer(file(withTensor, 12), 1, 3);
    assert.equal(read.iterations, 12);
    assert.equal(read.iterationsSource, 'optimizer.pt');
    assert.equal(read.type, 'adagrad');
    const unreadable = await summarizeOptimizer(file(withTensor, null), 1, 3);
    assert.equal(unreadable.iterations, 3);
    assert.equal(unreadable.iterationsSource, 'fallback');
    const empty = await summarizeOptimizer(
      file(
        dict([
          ['state', new PickleDict()],
          ['param_groups', []],
        ]),
      ),
      1,
      4,
    );
    assert.equal(empty.iterations, 4);
    assert.equal(empty.iterationsSource, 'fallback');
    assert.deepEqual(empty.hyperparameters, {});
    assert.deepEqual(empty.paramGroups, []);
  });

  it('takes step 0 as a step, and a later larger one over it', async () => {
    const zero = dict([
      [
        'state',
        dict([
          [0, dict([['step', 0]])],
          [1, dict([['step', 0]])],
        ]),
      ],
      ['param_groups', []],
    ]);
    const summary = await summarizeOptimizer(file(zero), 1, 50);
    assert.equal(summary.iterations, 0);
    assert.equal(summary.iterationsSource, 'optimizer.pt');
  });

  it('describes values that are neither scalars nor number tuples by their kind', async () => {
    const group = dict([
      ['betas', new PickleTuple([0.9, 'x'])],
      ['fn', new PickleGlobal('m', 'f')],
    ]);
    const summary = await summarizeOptimizer(
      file(
        dict([
          ['state', new PickleDict()],
          ['param_groups', [group]],
        ]),
      ),
      1,
      0,
    );
    assert.deepEqual(summary.paramGroups, [{ betas: '<PickleTuple>', fn: '<PickleGlobal>' }]);
    // betas that are not two numbers pass through under their own name (not as beta1 NaN).
    assert.deepEqual(summary.hyperparameters, { betas: '<PickleTuple>', fn: '<PickleGlobal>' });
    const three = dict([['betas', new PickleTuple([0.9, 0.99, 0.5])]]);
    const adan = await summarizeOptimizer(
      file(
        dict([
          ['state', new PickleDict()],
          ['param_groups', [three]],
        ]),
      ),
      1,
      0,
    );
    assert.deepEqual(adan.hyperparameters, { betas: '0.9,0.99,0.5' });
  });

  it('refuses anything but a dict with a state dict and a param_groups list, naming the file', async () => {
    const message = '/c/optimizer.pt: not an optimizer state_dict (expected a dict with "state" and "param_groups")';
    for (const root of [
      [1] as PickleValue,
      dict([['param_groups', []]]),
      dict([
        ['state', [1]],
        ['param_groups', []],
      ]),
      dict([
        ['state', new PickleDict()],
        ['param_groups', new PickleDict()],
      ]),
    ])
      await assert.rejects(summarizeOptimizer(file(root), 1, 0), { message });
  });

  describe('inferType', () => {
    it('says which slots or group keys it went by', () => {
      assert.deepEqual(inferType(['prev', 'step_size'], {}), {
        type: 'rprop',
        from: 'state keys prev, step_size',
        note: null,
      });
      assert.equal(inferType(['square_avg'], {}).note, null);
      assert.deepEqual(inferType([], { alpha: 0.99, centered: false, params: 3 }), {
        type: 'rmsprop',
        from: 'param_groups keys alpha, centered (no slot tensors in state)',
        note: null,
      });
      assert.match(inferType([], { betas: '0.9,0.999' }).note ?? '', /AdamW/);
      assert.deepEqual(inferType([], {}), {
        type: 'unknown',
        from: 'state keys (none)',
        note: 'no known optimizer keeps these keys',
      });
      assert.equal(inferType(['a', 'b'], {}).from, 'state keys a, b');
    });

    it('needs both names of a pair', () => {
      assert.equal(inferType(['exp_avg'], {}).type, 'unknown');
      assert.equal(inferType(['prev'], {}).type, 'unknown');
      assert.equal(inferType([], { nesterov: false }).type, 'unknown');
      assert.equal(inferType([], { alpha: 0.9 }).type, 'unknown');
      assert.equal(inferType([], { nesterov: false, dampening: 0 }).type, 'sgd');
    });
  });
});
