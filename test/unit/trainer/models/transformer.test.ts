import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ATTENTION_GRAD_KERNEL, ATTENTION_KERNEL } from '../../../../src/trainer/accel/fused/attention';
import { type TransformerSpec, buildTransformer } from '../../../../src/trainer/models/transformer';
import { Rng } from '../../../../src/trainer/util/rng';
import { assertClose, kernelsRun, onBackend, useWasmWithBlasKernels } from './fused/fusedCompare';

const SPEC: TransformerSpec = { vocab: 11, seqLen: 8, dModel: 16, heads: 2, ffDim: 32, blocks: 2, dropout: 0 };

function oneHot(seed: number, rows: number, classes: number): Float32Array {
  const rng = new Rng(seed);
  const data = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) data[r * classes + Math.floor(rng.next() * classes)] = 1;
  return data;
}

/** Loss and the gradient of every parameter, in the model's parameter order. */
function lossAndGrads(spec: TransformerSpec, training: boolean): Float32Array[] {
  const [b, t] = [3, 7];
  const model = buildTransformer(spec, 5);
  try {
    return tf.tidy(() => {
      const x = tf.tensor(oneHot(1, b * t, spec.vocab), [b, t, spec.vocab]);
      const y = tf.tensor(oneHot(2, b * t, spec.vocab), [b, t, spec.vocab]);
      const vars = model.params.map((p) => p.variable);
      const { value, grads } = tf.variableGrads(() => model.loss(x, y, { training, dropoutSeed: 9 }), vars);
      return [value.dataSync() as Float32Array, ...vars.map((v) => grads[v.name]!.dataSync() as Float32Array)];
    });
  } finally {
    model.dispose();
  }
}

describe('transformer', function () {
  this.timeout(60000);

  it("keeps its parameters' names and shapes (checkpoints stay compatible)", async () => {
    await onBackend('cpu', () => {
      const model = buildTransformer({ ...SPEC, blocks: 1 }, 1);
      const d = SPEC.dModel;
      assert.deepEqual(
        model.params.map((p) => `${p.name} [${p.variable.shape}]`),
        [
          `embedding/table [${SPEC.vocab},${d}]`,
          `position/table [${SPEC.seqLen},${d}]`,
          `block_1/ln_1/gamma [${d}]`,
          `block_1/ln_1/beta [${d}]`,
          ...['query', 'key', 'value', 'output'].flatMap((n) => [
            `block_1/attention/${n}/kernel [${d},${d}]`,
            `block_1/attention/${n}/bias [${d}]`,
          ]),
          `block_1/ln_2/gamma [${d}]`,
          `block_1/ln_2/beta [${d}]`,
          `block_1/ffn/dense_1/kernel [${d},${SPEC.ffDim}]`,
          `block_1/ffn/dense_1/bias [${SPEC.ffDim}]`,
          `block_1/ffn/dense_2/kernel [${SPEC.ffDim},${d}]`,
          `block_1/ffn/dense_2/bias [${d}]`,
          `ln_final/gamma [${d}]`,
          `ln_final/beta [${d}]`,
          `output/kernel [${d},${SPEC.vocab}]`,
          `output/bias [${SPEC.vocab}]`,
        ],
      );
      model.dispose();
    });
  });

  describe('on wasm with the BLAS kernels', () => {
    useWasmWithBlasKernels();

    it('gives the loss and every gradient of the op-by-op model on cpu, through the fused attention', async () => {
      const expected = await onBackend('cpu', () => lossAndGrads(SPEC, true));
      const actual = await onBackend('wasm', () => lossAndGrads(SPEC, true));
      assertClose('loss and gradients', actual, expected, 2e-5);
      const names = await onBackend('wasm', () => {
        const model = buildTransformer(SPEC, 5);
        const x = tf.tensor(oneHot(1, 2 * 4, SPEC.vocab), [2, 4, SPEC.vocab]);
        return kernelsRun(
          () => tf.variableGrads(() => model.loss(x, x, { training: true, dropoutSeed: 1 })).value,
        ).finally(() => {
          model.dispose();
          x.dispose();
        });
      });
      assert.ok(
        names.includes(ATTENTION_KERNEL) && names.includes(ATTENTION_GRAD_KERNEL),
        `kernels run: ${names.join(', ')}`,
      );
    });

    it('with dropout in training, takes the op-by-op attention and still matches cpu', async () => {
      const spec = { ...SPEC, dropout: 0.2 };
      const expected = await onBackend('cpu', () => lossAndGrads(spec, true));
      const actual = await onBackend('wasm', () => lossAndGrads(spec, true));
      assertClose('loss and gradients', actual, expected, 2e-5);
    });
  });
});
