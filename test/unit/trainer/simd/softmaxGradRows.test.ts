/**
 * The SIMD softmax-gradient rows (src/trainer/accel/simd/softmaxGradRows.ts) on a plain WebAssembly
 * memory against the same formula in double: dS = scale·P⊙(dP − rowsum(dP⊙P)). Tolerance
 * 1e-6·columns·(1 + |expected|) (float32 products, lane-wise partial sums of a row).
 */
import assert from 'node:assert/strict';
import { encodeSoftmaxGradModule, softmaxGradRowsOn } from '../../../../src/trainer/accel/simd/softmaxGradRows';
import { Rng } from '../../../../src/trainer/util/rng';

function reference(dp: Float32Array, p: Float32Array, cols: number, scale: number): Float64Array {
  const out = new Float64Array(dp.length);
  for (let r = 0; r < dp.length / cols; r++) {
    let dot = 0;
    for (let j = 0; j < cols; j++) dot += dp[r * cols + j]! * p[r * cols + j]!;
    for (let j = 0; j < cols; j++) out[r * cols + j] = scale * p[r * cols + j]! * (dp[r * cols + j]! - dot);
  }
  return out;
}

describe('SIMD softmax-gradient rows', () => {
  it('compiles, shared memory included', () => {
    assert.ok(WebAssembly.validate(encodeSoftmaxGradModule(false)));
    assert.ok(WebAssembly.validate(encodeSoftmaxGradModule(true)));
  });

  for (const [rows, cols] of [
    [1, 4],
    [3, 8],
    [64, 64],
    [5, 36],
  ] as const) {
    it(`rows ${rows} x ${cols}: in place, as the double formula, rows after the end untouched`, () => {
      const rng = new Rng(rows * 100 + cols);
      const memory = new WebAssembly.Memory({ initial: 2 });
      const n = rows * cols;
      const dpOffset = 64;
      const pOffset = dpOffset + (n + cols) * 4;
      const dp = new Float32Array(memory.buffer, dpOffset, n + cols);
      const p = new Float32Array(memory.buffer, pOffset, n + cols);
      for (let i = 0; i < n + cols; i++) {
        dp[i] = rng.normal();
        // Probability-like rows with exact zeros (the causal mask's), as the attention gives.
        p[i] = i % cols > (i / cols) % cols ? 0 : rng.next();
      }
      const expected = reference(dp.slice(0, n), p.slice(0, n), cols, 0.25);
      const after = dp.slice(n);
      softmaxGradRowsOn(memory)!(dpOffset, pOffset, cols * 4, n * 4, 0.25);
      for (let i = 0; i < n; i++)
        assert.ok(
          Math.abs(dp[i]! - expected[i]!) <= 1e-6 * (1 + Math.abs(expected[i]!)) * cols,
          `element ${i}: ${dp[i]} vs ${expected[i]}`,
        );
      assert.deepEqual(dp.slice(n), after);
    });
  }
});
