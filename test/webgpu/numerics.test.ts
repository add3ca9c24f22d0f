/**
 * The real webgpu backend against cpu: the reference models' forward and backward passes, the fused
 * ops' fallback (they have no webgpu kernels), and resuming across backends through real checkpoint
 * files. Tiny sizes and few steps: a software adapter (lavapipe) runs the shaders on the CPU.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { type ModelVariant, caseConfig } from '../support/gpu/cases';
import { GPU_TOLERANCE, type Tolerance } from '../support/gpu/compare';
import { compareResume, compareRun } from '../support/gpu/correctness';
import { TrainingSession } from '../../src/trainer/loop/session';
import type { TrainConfig } from '../../src/core/config/types';
import { activate, requireWebgpuAdapter } from './adapter';

const EXACT: Tolerance = { atol: 0, rtol: 0, lossRtol: 0, outlierFraction: 0 };
/** Forward and backward of one batch, float32 on both: |webgpu - cpu| <= atol + rtol·|cpu| per element. */
const PASS_TOLERANCE = { atol: 1e-5, rtol: 1e-3 };

/** The reference models (an MLP, a character LSTM, a transformer) and the GRU, small, without dropout. */
function smallConfig(model: ModelVariant, dir: string, steps: number): TrainConfig {
  const config = caseConfig(model, 'adam', 'cosine', join(dir, model), steps);
  return { ...config, model: { ...config.model, dropout: 0 } as TrainConfig['model'] };
}

interface Pass {
  loss: number;
  grads: Array<{ name: string; values: Float32Array }>;
  weights: Float32Array[];
}

/** Loss and every parameter's gradient on the first 4 examples, with the seeded initial weights. */
async function forwardBackward(backend: string, config: TrainConfig): Promise<Pass> {
  await activate(backend);
  const session = TrainingSession.create(config);
  try {
    const arrays = session.dataset.batch([0, 1, 2, 3]);
    const params = session.model.params;
    const { value, grads } = tf.tidy(() => {
      const x = tf.tensor(arrays.x, arrays.xShape, 'float32');
      const y = tf.tensor(arrays.y, arrays.yShape, 'float32');
      return tf.variableGrads(
        () => session.model.loss(x, y, { training: true, dropoutSeed: 1 }),
        params.map((p) => p.variable),
      );
    });
    const loss = (await value.data())[0]!;
    const read = await Promise.all(
      params.map(async (p) => ({ name: p.name, values: (await grads[p.variable.name]!.data()) as Float32Array })),
    );
    const weights = await Promise.all(params.map(async (p) => (await p.variable.data()) as Float32Array));
    tf.dispose([value, ...Object.values(grads)]);
    return { loss, grads: read, weights };
  } finally {
    session.dispose();
    await tf.setBackend('cpu');
  }
}

/** Largest |a - b| and the worst ratio to the element bound (<= 1 passes). */
function difference(actual: Float32Array, expected: Float32Array): { maxAbs: number; worstRatio: number } {
  let maxAbs = 0;
  let worstRatio = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    maxAbs = Math.max(maxAbs, d);
    worstRatio = Math.max(worstRatio, d / (PASS_TOLERANCE.atol + PASS_TOLERANCE.rtol * Math.abs(expected[i]!)));
  }
  return { maxAbs, worstRatio };
}

describe('webgpu backend (real adapter) against cpu', function () {
  requireWebgpuAdapter();
  const dir = mkdtempSync(join(tmpdir(), 'webgpu-layer-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const model of ['mlp', 'char_lm_lstm', 'transformer', 'char_lm_gru'] as const) {
    it(`${model}: forward and backward match cpu within atol ${PASS_TOLERANCE.atol} + rtol ${PASS_TOLERANCE.rtol}`, async () => {
      const config = smallConfig(model, dir, 1);
      const cpu = await forwardBackward('cpu', config);
      const gpu = await forwardBackward('webgpu', config);
      cpu.weights.forEach((w, i) => assert.deepEqual(gpu.weights[i], w, 'both start from the same seeded weights'));
      const lossDiff = Math.abs(gpu.loss - cpu.loss);
      assert.ok(
        lossDiff <= PASS_TOLERANCE.atol + PASS_TOLERANCE.rtol * Math.abs(cpu.loss),
        `loss ${gpu.loss} vs ${cpu.loss}`,
      );
      let maxGrad = 0;
      for (const [i, g] of cpu.grads.entries()) {
        const d = difference(gpu.grads[i]!.values, g.values);
        assert.ok(
          d.worstRatio <= 1,
          `${g.name}: gradient differs by up to ${d.maxAbs} (${d.worstRatio.toFixed(2)}x the bound)`,
        );
        maxGrad = Math.max(maxGrad, d.maxAbs);
      }
      console.log(
        `      ${model}: |loss diff| ${lossDiff.toExponential(2)}, max |gradient diff| ${maxGrad.toExponential(2)}`,
      );
    });
  }

  it('the fused ops have no webgpu kernels: webgpu runs them op by op, cpu fused', async () => {
    const config = smallConfig('transformer', dir, 1);
    const kernelsOn = async (backend: string): Promise<string[]> => {
      await activate(backend);
      const session = TrainingSession.create(config);
      try {
        const arrays = session.dataset.batch([0, 1]);
        const info = await tf.profile(() =>
          tf.tidy(() => {
            const x = tf.tensor(arrays.x, arrays.xShape, 'float32');
            const y = tf.tensor(arrays.y, arrays.yShape, 'float32');
            return tf.grad((v: tf.Tensor) =>
              session.model.loss(tf.add(x, tf.mul(v, 0)), y, { training: true, dropoutSeed: 1 }),
            )(tf.scalar(0));
          }),
        );
        return info.kernels.map((k) => k.name);
      } finally {
        session.dispose();
        await tf.setBackend('cpu');
      }
    };
    const fused = (names: string[]) => [...new Set(names.filter((n) => n.startsWith('TrainingRuns')))].sort();
    assert.ok(fused(await kernelsOn('cpu')).length > 0, 'cpu runs the fused kernels (so this check can fail)');
    assert.deepEqual(fused(await kernelsOn('webgpu')), [], 'webgpu falls back to the composite ops');
  });

  it('transformer + Adam with clip_norm (a global norm over all its parameters): 4 steps on webgpu match cpu', async () => {
    const config = smallConfig('transformer', dir, 4);
    assert.equal(config.optimizer.clip_norm, 1);
    const r = await compareRun(
      'transformer',
      { ...config, output_dir: join(dir, 'clipped') },
      4,
      'cpu',
      'webgpu',
      GPU_TOLERANCE,
      activate,
    );
    console.log(
      `      transformer, 4 Adam steps with clipping: max weight diff ${r.maxWeightDiff.toExponential(2)}, max loss rel diff ${r.maxLossRelDiff.toExponential(2)}`,
    );
    assert.equal(r.ok, true, r.problems.join('; '));
  });

  for (const model of ['mlp', 'char_lm_lstm', 'transformer'] as const) {
    it(`${model}: a run trained on webgpu resumes on webgpu bit for bit equal to the uninterrupted webgpu run`, async () => {
      const config = smallConfig(model, dir, 4);
      // Exactness is only promised where the adapter is deterministic: two whole runs first.
      const twice = await compareRun(
        model,
        { ...config, output_dir: join(dir, `${model}-repeat`) },
        4,
        'webgpu',
        'webgpu',
        EXACT,
        activate,
      );
      const resumed = await compareResume(
        model,
        { ...config, output_dir: join(dir, `${model}-resume`) },
        2,
        2,
        'webgpu',
        'webgpu',
        'webgpu',
        twice.ok ? EXACT : GPU_TOLERANCE,
        activate,
      );
      console.log(
        `      ${model}: two uninterrupted webgpu runs ${twice.ok ? 'bit-identical' : `differ (${twice.problems[0]})`}; resumed vs uninterrupted: max weight diff ${resumed.maxWeightDiff}, max slot diff ${resumed.maxSlotDiff}, max loss rel diff ${resumed.maxLossRelDiff}`,
      );
      assert.equal(twice.ok, true, `the adapter is not deterministic: ${twice.problems.join('; ')}`);
      assert.equal(resumed.ok, true, resumed.problems.join('; '));
    });
  }

  for (const [from, to] of [
    ['wasm', 'webgpu'],
    ['webgpu', 'wasm'],
  ] as const) {
    it(`a run trained on ${from} resumes on ${to}, as the uninterrupted cpu run continues (GPU tolerance)`, async () => {
      const config = smallConfig('char_lm_lstm', dir, 4);
      const r = await compareResume(
        'lstm',
        { ...config, output_dir: join(dir, `${from}-${to}`) },
        2,
        2,
        from,
        to,
        'cpu',
        GPU_TOLERANCE,
        activate,
      );
      console.log(
        `      ${from} -> ${to}: max weight diff ${r.maxWeightDiff.toExponential(2)}, max loss rel diff ${r.maxLossRelDiff.toExponential(2)}`,
      );
      assert.equal(r.ok, true, r.problems.join('; '));
    });
  }
});
