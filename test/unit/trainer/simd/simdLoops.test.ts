/**
 * The run-time SIMD encoder and heap registry (src/trainer/accel/simd/) on a plain WebAssembly memory:
 * every f32x4 operation against its float32 scalar meaning, temps, constants, scalars, shared
 * memories, and tanh/σ built from them against Math.tanh (tolerance: 5e-7 absolute; seen 2.9e-7,
 * near the clamp).
 */
import assert from 'node:assert/strict';
import { SimdModule, wasmBackendMemory } from '../../../../src/trainer/accel/simd/heapModules';
import {
  abs,
  add,
  constant,
  div,
  load,
  max,
  min,
  mul,
  neg,
  pmax,
  pmin,
  scalar,
  setTemp,
  sigmoid,
  sqrt,
  store,
  sub,
  tanh,
  temp,
} from '../../../../src/trainer/accel/simd/expressions';
import { type Expr, type LoopFunction, encodeModule } from '../../../../src/trainer/accel/simd/wasmEncoding';

const f32 = Math.fround;

/** A module with one function `f(in0, in1, out, end; s)` writing `value` to out; run over `a` and `b`. */
function runUnary(value: Expr, a: number[], b: number[], s = 0, temps = 3): Float32Array {
  const fn: LoopFunction = { name: 'f', arrays: 3, scalars: 1, temps, body: [store(2, value)] };
  const module = new SimdModule<'f'>([fn]);
  const n = a.length;
  const bytes = Math.ceil((n * 4) / 16) * 16;
  const memory = new WebAssembly.Memory({ initial: Math.ceil((3 * bytes) / 65536) });
  module.register(memory);
  new Float32Array(memory.buffer, 0, n).set(a);
  new Float32Array(memory.buffer, bytes, n).set(b);
  module.for(memory.buffer)!.f(0, bytes, 2 * bytes, n * 4, s);
  return new Float32Array(memory.buffer, 2 * bytes, n).slice();
}

const A = [1.5, -2.25, 3, 0.1, -0, 7, -1e-3, 1e30, NaN, 1, 0, -0];
const B = [0.5, 4, -3, 0.3, 2, -7, 1e-3, 2, 1, NaN, -0, 0];

describe('SIMD loops built at run time', () => {
  const cases: Array<[string, Expr, (x: number, y: number) => number]> = [
    ['add', add(load(0), load(1)), (x, y) => f32(x + y)],
    ['sub', sub(load(0), load(1)), (x, y) => f32(x - y)],
    ['mul', mul(load(0), load(1)), (x, y) => f32(x * y)],
    ['div', div(load(0), load(1)), (x, y) => f32(x / y)],
    ['min', min(load(0), load(1)), (x, y) => Math.min(x, y)],
    ['max', max(load(0), load(1)), (x, y) => Math.max(x, y)],
    ['pmin', pmin(load(0), load(1)), (x, y) => (y < x ? y : x)],
    ['pmax', pmax(load(0), load(1)), (x, y) => (x < y ? y : x)],
    ['abs', abs(load(0)), (x) => Math.abs(x)],
    ['neg', neg(load(0)), (x) => -x],
    ['sqrt', sqrt(abs(load(0))), (x) => f32(Math.sqrt(Math.abs(x)))],
    ['const and scalar', add(mul(constant(0.1), load(0)), scalar(0)), (x) => f32(f32(f32(0.1) * x) + f32(2.5))],
  ];
  for (const [name, value, expected] of cases) {
    it(`${name}: every lane as the float32 scalar operation`, () => {
      const got = runUnary(value, A, B, 2.5);
      A.forEach((x, i) =>
        assert.ok(
          Object.is(got[i], expected(f32(x), f32(B[i]!))),
          `${name} lane ${i}: ${got[i]} vs ${expected(f32(x), f32(B[i]!))}`,
        ),
      );
    });
  }

  it('temps set by a statement are read by later statements', () => {
    const fn: LoopFunction = {
      name: 'f',
      arrays: 2,
      scalars: 0,
      temps: 1,
      body: [setTemp(0, mul(load(0), load(0))), store(1, add(temp(0), temp(0)))],
    };
    const module = new SimdModule<'f'>([fn]);
    const memory = new WebAssembly.Memory({ initial: 1 });
    module.register(memory);
    new Float32Array(memory.buffer, 0, 4).set([1, 2, 3, 4]);
    module.for(memory.buffer)!.f(0, 64, 16);
    assert.deepEqual([...new Float32Array(memory.buffer, 64, 4)], [2, 8, 18, 32]);
  });

  it('tanh and sigmoid as f32x4 arithmetic: close to Math.tanh, saturated beyond the clamp, NaN stays NaN', () => {
    const xs: number[] = [];
    for (let x = -30; x <= 30; x += 0.0137) xs.push(x);
    xs.push(0, -0, 1e-8, NaN, Infinity, -Infinity);
    while (xs.length % 4) xs.push(0);
    const th = runUnary(
      tanh(load(0), 0),
      xs,
      xs.map(() => 0),
    );
    const sg = runUnary(
      sigmoid(load(0), 0),
      xs,
      xs.map(() => 0),
    );
    let worst = 0;
    xs.forEach((x, i) => {
      if (Number.isNaN(x)) {
        assert.ok(Number.isNaN(th[i]!) && Number.isNaN(sg[i]!), 'NaN');
        return;
      }
      worst = Math.max(worst, Math.abs(th[i]! - Math.tanh(x)), Math.abs(sg[i]! - 1 / (1 + Math.exp(-x))));
      assert.ok(Math.abs(th[i]!) <= 1 && sg[i]! >= 0 && sg[i]! <= 1, `range at ${x}`);
    });
    assert.ok(worst <= 5e-7, `worst ${worst}`);
  });

  it('a module registered for a memory serves its current buffer only; growth needs a new registration', () => {
    const module = new SimdModule<'f'>([{ name: 'f', arrays: 1, scalars: 0, temps: 0, body: [store(0, constant(1))] }]);
    const memory = new WebAssembly.Memory({ initial: 1 });
    assert.equal(module.for(memory.buffer), null);
    module.register(memory);
    assert.ok(module.for(memory.buffer));
    memory.grow(1);
    assert.equal(module.for(memory.buffer), null);
    module.register(memory);
    assert.ok(module.for(memory.buffer));
    assert.equal(module.for(new ArrayBuffer(16)), null);
  });

  it('runs on a shared memory (threaded builds)', () => {
    const module = new SimdModule<'f'>([{ name: 'f', arrays: 1, scalars: 0, temps: 0, body: [store(0, constant(3))] }]);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true });
    module.register(memory);
    module.for(memory.buffer)!.f(0, 16);
    assert.deepEqual([...new Float32Array(memory.buffer, 0, 4)], [3, 3, 3, 3]);
  });

  it('finds the emscripten memory of a wasm module, and null elsewhere', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    assert.equal(wasmBackendMemory({ asm: { memory } }), memory);
    assert.equal(wasmBackendMemory({}), null);
    assert.equal(wasmBackendMemory(undefined), null);
  });

  it('encodes modules WebAssembly accepts', () => {
    assert.ok(
      WebAssembly.validate(
        encodeModule([{ name: 'g', arrays: 2, scalars: 2, temps: 4, body: [store(1, tanh(scalar(1), 1))] }]),
      ),
    );
  });
});
