/** contentProblems on its own: each disagreement named exactly, and nothing reported for a consistent checkpoint. */
import assert from 'node:assert/strict';
import { contentProblems, type ConsistencyLabels } from '../../../../src/core/checkpoint/consistency';
import type { CheckpointContent, TensorEntry } from '../../../../src/core/checkpoint/types';
import { makeContent } from './helpers';

const LABELS: ConsistencyLabels = {
  trainerState: 'T',
  optimizerState: 'O',
  scheduler: 'S',
  weights: 'W',
  optimizerTensors: 'OT',
};

const f32 = (shape: number[], length = shape.reduce((a, b) => a * b, 1)): TensorEntry => ({
  dtype: 'float32',
  shape,
  data: new Float32Array(length),
});

/** A consistent checkpoint of one weight "w" [2, 3] with one slot "w/m" and no scheduler. */
function small(): CheckpointContent {
  const content = makeContent(4);
  content.weights = { w: f32([2, 3]) };
  content.optimizer = {
    state: { ...content.optimizer!.state, slots: [{ name: 'w/m', variable: 'w', slot: 'm' }] },
    tensors: { 'w/m': f32([2, 3]) },
  };
  delete content.scheduler;
  return content;
}

describe('contentProblems', () => {
  it('finds nothing in a consistent checkpoint, scalars and step 0 included', () => {
    assert.deepEqual(contentProblems(makeContent(0), LABELS, undefined), []);
    const content = small();
    content.weights['scalar'] = f32([]);
    assert.deepEqual(contentProblems(content, LABELS, 'float32'), []);
  });

  it('names counters that are negative or beyond 2^53, in the file they come from', () => {
    const content = makeContent(3);
    content.trainerState.global_step = -1;
    content.step = -1;
    content.optimizer!.state.iterations = 2 ** 53 + 2;
    content.scheduler!.step = 1.5;
    assert.deepEqual(contentProblems(content, LABELS), [
      'T: global_step -1 is not a whole number between 0 and 2^53 (JSON cannot hold it exactly)',
      'O: iterations 9007199254740994 is not a whole number between 0 and 2^53 (JSON cannot hold it exactly)',
      'S: step 1.5 is not a whole number between 0 and 2^53 (JSON cannot hold it exactly)',
    ]);
  });

  it("names a trainer state whose global_step disagrees with the checkpoint's step", () => {
    const content = small();
    content.trainerState.global_step = 5;
    assert.deepEqual(contentProblems(content, LABELS), ["T: global_step 5 disagrees with the checkpoint's step 4"]);
  });

  it('names tensors whose data is not of their dtype, or not as many values as their shape', () => {
    const content = small();
    content.weights = {
      a: { dtype: 'int32', shape: [2], data: new Float32Array(2) },
      b: { dtype: 'float32', shape: [2], data: new Int32Array(2) },
      c: { dtype: 'float32', shape: [2], data: new Uint8Array(2) as unknown as Float32Array },
      d: f32([2, 3], 5),
    };
    content.optimizer = undefined;
    assert.deepEqual(contentProblems(content, LABELS), [
      'W: tensor "a" says int32 but holds float32 data',
      'W: tensor "b" says float32 but holds int32 data',
      'W: tensor "c" says float32 but holds other data',
      'W: tensor "d" has 5 values for shape [2, 3]',
    ]);
  });

  it('names weights of another dtype than the model expects, only when it says which', () => {
    const content = small();
    content.weights['n'] = { dtype: 'int32', shape: [1], data: new Int32Array(1) };
    assert.deepEqual(contentProblems(content, LABELS, 'float32'), [
      'W: weight "n" is int32, the model\'s weights are float32',
    ]);
    assert.deepEqual(contentProblems(content, LABELS), []);
  });

  it('checks the optimizer tensors and each slot against its weight: missing, unknown weight, shape, dtype', () => {
    const content = small();
    const { state } = content.optimizer!;
    content.weights['v'] = f32([6]);
    content.weights['i'] = { dtype: 'int32', shape: [2, 3], data: new Int32Array(6) };
    content.optimizer = {
      state: {
        ...state,
        slots: [
          { name: 'gone', variable: 'w', slot: 'm' },
          { name: 'orphan', variable: 'nowhere', slot: 'm' },
          { name: 'transposed', variable: 'w', slot: 'm' },
          { name: 'flat', variable: 'v', slot: 'm' },
          { name: 'longer', variable: 'v', slot: 'm' },
          { name: 'int', variable: 'i', slot: 'm' },
          { name: 'w/m', variable: 'w', slot: 'm' },
        ],
      },
      tensors: {
        orphan: f32([1]),
        transposed: f32([3, 2]),
        flat: f32([6, 1]),
        longer: f32([6], 5),
        int: f32([2, 3]),
        'w/m': f32([2, 3]),
      },
    };
    assert.deepEqual(contentProblems(content, LABELS), [
      'OT: tensor "longer" has 5 values for shape [6]',
      'OT: slot tensor "gone" listed in O is missing',
      'O: slot "orphan" belongs to "nowhere", which is not among the weights',
      'OT: slot "transposed" is float32 [3, 2] but its weight "w" is float32 [2, 3]',
      'OT: slot "flat" is float32 [6, 1] but its weight "v" is float32 [6]',
      'OT: slot "int" is float32 [2, 3] but its weight "i" is int32 [2, 3]',
    ]);
  });

  it('a slot shorter in rank than its weight is a mismatch too', () => {
    const content = small();
    content.optimizer!.tensors['w/m'] = f32([2], 6);
    assert.deepEqual(contentProblems(content, LABELS), [
      'OT: tensor "w/m" has 6 values for shape [2]',
      'OT: slot "w/m" is float32 [2] but its weight "w" is float32 [2, 3]',
    ]);
  });
});
