/**
 * In-place updates must stay invisible: whatever else holds a parameter's bytes (another tensor
 * sharing its data id, a cpu slice view, an array read or given earlier, an exported optimizer
 * state, a C++ kernel's cache keyed by tensor id) keeps seeing the values it had.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { Param } from '../../../../src/trainer/models/types';
import { asWasmBackend, shapeBytes } from '../../../../src/trainer/accel/kernels/wasmBackend';
import { createOptimizer } from '../../../../src/trainer/optim';
import { updateDirectly } from '../../../../src/trainer/accel/optim/directStorage';
import { Rng } from '../../../../src/trainer/util/rng';
import { useBackend } from '../helpers';
import { BASE_CONFIG, disposeParams, maxUlpDifference, randomGrads, randomParams } from './helpers';

const ADAM = { ...BASE_CONFIG, type: 'adam' as const };

/** Adam steps with the same seeded gradients on two parameter sets, fused and op-by-op. */
function stepBoth(fused: Param[], ops: Param[], steps: number): void {
  const a = createOptimizer(ADAM, fused, 'fused');
  const b = createOptimizer(ADAM, ops, 'ops');
  const rng = new Rng(3);
  for (let t = 0; t < steps; t++) {
    const grads = randomGrads(rng);
    tf.tidy(() => a.apply(grads));
    tf.tidy(() => b.apply(grads));
    tf.dispose(grads);
  }
  a.dispose();
  b.dispose();
}

const values = (t: tf.Tensor): Float32Array => (t.dataSync() as Float32Array).slice();

function assertSameBits(actual: Float32Array | Int32Array, expected: Float32Array | Int32Array, what: string): void {
  assert.equal(maxUlpDifference(actual, expected), 0, what);
}

/** Subtracts the gradient in one pass; returns whether the direct path ran. */
function subtractDirectly(v: tf.Variable, g: tf.Tensor): boolean {
  return updateDirectly(v, [], g, (grad, p) => {
    for (let i = 0; i < grad.length; i++) p.write[i] = p.read[i]! - grad[i]!;
  });
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`fused updates leave shared data alone on ${backend}`, () => {
    before(() => useBackend(backend));

    it('a parameter whose data id another live tensor shares gets the op path; that tensor keeps its values', () => {
      const fused = randomParams(21);
      const ops = randomParams(21);
      const alias = tf.reshape(fused[0]!.variable, [-1]); // shares the data id (refCount 2)
      const before = values(alias);
      const g = tf.onesLike(fused[0]!.variable);
      assert.equal(subtractDirectly(fused[0]!.variable, g), false);
      stepBoth(fused, ops, 3);
      assertSameBits(values(alias), before, 'the alias changed');
      fused.forEach((p, i) =>
        assertSameBits(values(p.variable), values(ops[i]!.variable), `${p.name} differs from the op path`),
      );
      tf.dispose([alias, g]);
      disposeParams([...fused, ...ops]);
    });

    it('slice views, arrays read before the step and arrays the variables were made from keep their values', () => {
      const source = new Float32Array([1, 2, 3, 4, 5, 6]);
      const fromArray = tf.tidy(() => tf.variable(tf.tensor(source, [2, 3])));
      const params = randomParams(22);
      const watched = [fromArray, params[0]!.variable];
      // A contiguous slice is a subarray view of the input on cpu, under its own data id (refCount 1).
      const views = watched.map((v) => tf.slice(v, [0, 0], [1, v.shape[1]!]));
      const viewsBefore = views.map(values);
      const read = watched.map((v) => v.dataSync() as Float32Array);
      const readBefore = read.map((r) => r.slice());
      const paramsBefore = watched.map(values);

      const all: Param[] = [{ name: 'fromArray', variable: fromArray }, ...params];
      const optimizer = createOptimizer(ADAM, all, 'fused');
      const rng = new Rng(4);
      for (let t = 0; t < 3; t++) {
        const grads = [tf.onesLike(fromArray), ...randomGrads(rng)];
        tf.tidy(() => optimizer.apply(grads));
        tf.dispose(grads);
      }
      assertSameBits(source, new Float32Array([1, 2, 3, 4, 5, 6]), "the caller's array changed");
      views.forEach((v, i) => assertSameBits(values(v), viewsBefore[i]!, `slice view ${i} changed`));
      read.forEach((r, i) => assertSameBits(r, readBefore[i]!, `array read before the step ${i} changed`));
      watched.forEach((v, i) =>
        assert.ok(maxUlpDifference(values(v), paramsBefore[i]!) > 0, `variable ${i} was not updated`),
      );
      optimizer.dispose();
      tf.dispose(views);
      disposeParams(all);
    });

    it('an exported optimizer state keeps its values while training goes on', () => {
      const params = randomParams(23);
      const optimizer = createOptimizer(ADAM, params, 'fused');
      const rng = new Rng(5);
      const step = (): void => {
        const grads = randomGrads(rng);
        tf.tidy(() => optimizer.apply(grads));
        tf.dispose(grads);
      };
      step();
      step(); // from the second step the slots are updated in place
      const { tensors } = optimizer.getState();
      const copies = Object.values(tensors).map((t) => t.data.slice());
      step();
      Object.values(tensors).forEach((t, i) => assertSameBits(t.data, copies[i]!, `exported slot ${i} changed`));
      optimizer.dispose();
      disposeParams(params);
    });
  });
}

describe('fused updates on other backends', () => {
  // A backend that is neither cpu nor wasm by name (as webgpu and tensorflow are), running the cpu kernels.
  const OTHER = 'other-than-cpu-and-wasm';
  before(async () => {
    const CpuBackend = tf.findBackend('cpu')!.constructor as new () => tf.KernelBackend;
    tf.registerBackend(OTHER, () => new CpuBackend(), -1); // lowest priority: never picked by itself
    for (const kernel of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...kernel, backendName: OTHER });
    await tf.setBackend(OTHER);
  });
  after(async () => {
    await useBackend('cpu');
    for (const kernel of tf.getKernelsForBackend(OTHER)) tf.unregisterKernel(kernel.kernelName, OTHER);
    tf.removeBackend(OTHER);
  });

  it('run the tf ops, with the same results as the op path', async () => {
    const fused = randomParams(24);
    const ops = randomParams(24);
    const g = tf.onesLike(fused[0]!.variable);
    assert.equal(subtractDirectly(fused[0]!.variable, g), false);
    const grads = randomGrads(new Rng(6));
    const info = await tf.profile(() => {
      const optimizer = createOptimizer(ADAM, fused, 'fused');
      tf.tidy(() => optimizer.apply(grads));
      optimizer.dispose();
    });
    assert.ok(
      info.kernels.some((k) => k.name === 'Sqrt'),
      'the op path did not run',
    );
    const reference = createOptimizer(ADAM, ops, 'ops');
    tf.tidy(() => reference.apply(grads));
    reference.dispose();
    fused.forEach((p, i) => assertSameBits(values(p.variable), values(ops[i]!.variable), p.name));
    tf.dispose([g, ...grads]);
    disposeParams([...fused, ...ops]);
  });
});

describe('fused updates on wasm and C++ kernel caches', () => {
  before(() => useBackend('wasm'));

  /** The stock C++ BatchMatMul: XNNPACK caches an operator with its own packed copy of b, keyed by b's tensor id. */
  function cppProduct(a: tf.Tensor3D, b: tf.Tensor3D): Float32Array {
    const backend = asWasmBackend(tf.backend());
    const batchMatMul = backend.wasm.cwrap('BatchMatMul', null, [
      'number',
      'array',
      'number',
      'number',
      'array',
      'number',
      'number',
      'number',
      'number',
    ]);
    const id = (t: tf.TensorInfo): number => backend.dataIdMap.get(t.dataId)!.id;
    const out = backend.makeOutput([1, a.shape[1], b.shape[2]], 'float32');
    batchMatMul(id(a), shapeBytes(a.shape), 3, id(b), shapeBytes(b.shape), 3, 0, 0, id(out));
    const result = tf.engine().makeTensorFromTensorInfo(out);
    const data = values(result);
    result.dispose();
    return data;
  }

  it('a product after an in-place update uses the new weights, not a packed copy of the old ones', () => {
    const a = tf.randomNormal([1, 4, 3], 0, 1, 'float32', 1) as tf.Tensor3D;
    const w = tf.tidy(() => tf.variable(tf.randomNormal([1, 3, 5], 0, 1, 'float32', 2))) as tf.Variable<tf.Rank.R3>;
    const before = cppProduct(a, w); // caches an operator for w's id
    const g = tf.onesLike(w);
    assert.equal(subtractDirectly(w, g), true, 'the direct path did not run');
    const copy = tf.tensor(values(w), w.shape) as tf.Tensor3D;
    const expected = cppProduct(a, copy);
    assert.ok(maxUlpDifference(expected, before) > 0);
    assertSameBits(cppProduct(a, w), expected, 'the product used the old weights');
    tf.dispose([a, w, g, copy]);
  });
});
