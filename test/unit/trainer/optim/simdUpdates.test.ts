/**
 * The WebAssembly SIMD loops (4 lanes, in place on the wasm heap) against the JavaScript loops
 * (the same maths on plain arrays), for every update, on lengths with and without a remainder of
 * 4. Tolerance: none (both round every operation to float32 in the same order).
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { asWasmBackend, heapF32 } from '../../../../src/trainer/accel/kernels/wasmBackend';
import type { UpdateTarget } from '../../../../src/trainer/accel/optim/directStorage';
import {
  adamScalars,
  adamStep,
  momentumStep,
  rmsPropStep,
  sgdStep,
} from '../../../../src/trainer/accel/optim/fusedUpdates';
import { registerHeap, simdKernelsFor } from '../../../../src/trainer/accel/optim/simdUpdates';
import { encodeModule } from '../../../../src/trainer/accel/simd/wasmEncoding';
import { Rng } from '../../../../src/trainer/util/rng';
import { useBackend } from '../helpers';
import { maxUlpDifference } from './helpers';

const LENGTHS = [1, 3, 4, 7, 8, 13, 1000];

/** Runs one update on [gradient, parameter, ...slots]. */
type Update = (g: Float32Array, targets: UpdateTarget[]) => void;

const UPDATES: Array<[string, Update]> = [
  ['sgd', (g, [p]) => sgdStep(0.03, g, p!)],
  ['momentum', (g, [p, a]) => momentumStep(0.03, 0.9, false, g, p!, a!)],
  ['nesterov', (g, [p, a]) => momentumStep(0.03, 0.9, true, g, p!, a!)],
  ['adam', (g, [p, m, v]) => adamStep(adamScalars(0.01, 0.9, 0.999, 0.9 ** 3, 0.999 ** 3, 1e-7, null), g, p!, m!, v!)],
  ['adamw', (g, [p, m, v]) => adamStep(adamScalars(0.01, 0.9, 0.999, 0.9 ** 3, 0.999 ** 3, 1e-7, 0.05), g, p!, m!, v!)],
  ['rmsprop', (g, [p, ms, mom]) => rmsPropStep(0.01, 0.9, 0.5, 1e-7, g, p!, ms!, mom!)],
];
const ARRAYS: Record<string, number> = { sgd: 2, momentum: 3, nesterov: 3, adam: 4, adamw: 4, rmsprop: 4 };

function randomValues(rng: Rng, n: number, positive: boolean): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = positive ? Math.abs(rng.normal()) : rng.normal();
  return out;
}

describe('SIMD optimizer loops on the wasm heap', () => {
  before(() => useBackend('wasm'));

  const heapMemory = (): WebAssembly.Memory =>
    (asWasmBackend(tf.backend()).wasm as unknown as { asm: { memory: WebAssembly.Memory } }).asm.memory;

  it('the module validates and its loops are available for the wasm heap', () => {
    registerHeap(heapMemory());
    assert.ok(simdKernelsFor(heapMemory().buffer), 'no SIMD loops for the heap');
    assert.equal(simdKernelsFor(new Float32Array(4).buffer), null);
  });

  for (const [name, update] of UPDATES) {
    it(`${name}: in place on the heap gives the bits of the JavaScript loop on plain arrays`, () => {
      const rng = new Rng(31);
      for (const n of LENGTHS) {
        // Slots that are second moments (adam v, rmsprop ms) must be non-negative.
        const initial = Array.from({ length: ARRAYS[name]! }, (_, k) => randomValues(rng, n, k === 3));
        const tensors = initial.map((values) => tf.tensor1d(values));
        registerHeap(heapMemory());
        const backend = asWasmBackend(tf.backend());
        const heap = tensors.map((t) => heapF32(backend, t));
        assert.ok(simdKernelsFor(heap[0]!.buffer), 'the SIMD loops would not run');
        const plain = initial.map((values) => values.slice());
        for (let step = 0; step < 3; step++) {
          update(
            heap[0]!,
            heap.slice(1).map((a) => ({ read: a, write: a })),
          );
          update(
            plain[0]!,
            plain.slice(1).map((a) => ({ read: a, write: a })),
          );
        }
        heap.forEach((h, k) => assert.equal(maxUlpDifference(h, plain[k]!), 0, `length ${n}, array ${k}`));
        assert.ok(maxUlpDifference(heap[1]!, initial[1]!) > 0, 'the parameter did not change');
        tf.dispose(tensors);
      }
    });
  }

  it('a target written to another array (not in place) takes the JavaScript loop and leaves its input alone', () => {
    const rng = new Rng(32);
    const [g, p] = [randomValues(rng, 16, false), randomValues(rng, 16, false)].map((v) => tf.tensor1d(v));
    registerHeap(heapMemory());
    const backend = asWasmBackend(tf.backend());
    const before = heapF32(backend, p!).slice();
    const out = new Float32Array(16);
    sgdStep(0.5, heapF32(backend, g!), { read: heapF32(backend, p!), write: out });
    assert.equal(maxUlpDifference(heapF32(backend, p!), before), 0);
    const expected = before.map((x, i) => x - Math.fround(Math.fround(0.5) * heapF32(backend, g!)[i]!));
    assert.equal(maxUlpDifference(out, expected), 0);
    tf.dispose([g!, p!]);
  });

  it('runs on a shared memory too (threaded wasm builds), with the same bits', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
    registerHeap(memory);
    assert.ok(simdKernelsFor(memory.buffer), 'no SIMD loops for a shared memory');
    const rng = new Rng(33);
    const shared = [0, 1, 2, 3].map((k) => new Float32Array(memory.buffer, k * 4096, 1000));
    shared.forEach((a, k) => a.set(randomValues(rng, 1000, k === 3)));
    const plain = shared.map((a) => a.slice());
    const update = UPDATES.find(([name]) => name === 'adamw')![1];
    update(
      shared[0]!,
      shared.slice(1).map((a) => ({ read: a, write: a })),
    );
    update(
      plain[0]!,
      plain.slice(1).map((a) => ({ read: a, write: a })),
    );
    shared.forEach((a, k) => assert.equal(maxUlpDifference(a, plain[k]!), 0, `array ${k}`));
  });

  it('encodes a module WebAssembly accepts', () => {
    const bytes = encodeModule([
      {
        name: 'f',
        arrays: 1,
        scalars: 1,
        temps: 1,
        body: [{ array: 0, value: { op: 'tee', index: 0, value: { op: 'sqrt', a: { op: 'scalar', index: 0 } } } }],
      },
    ]);
    assert.ok(WebAssembly.validate(bytes));
  });
});
