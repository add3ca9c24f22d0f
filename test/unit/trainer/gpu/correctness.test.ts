/**
 * The GPU correctness logic, run with the backends every machine has: wasm stands in for the GPU
 * against cpu, and a deliberately wrong backend proves the check fails when it should.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import {
  caseConfig,
  correctnessCases,
  MODEL_VARIANTS,
  OPTIMIZER_VARIANTS,
  SCHEDULER_TYPES,
} from '../../../support/gpu/cases';
import { CPU_FAMILY_TOLERANCE } from '../../../support/gpu/compare';
import { type Activate, compareResume, compareRun } from '../../../support/gpu/correctness';

const activate: Activate = async (backend) => {
  tf.enableProdMode();
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} failed`);
  await tf.ready();
};

/** The cpu backend with one wrong kernel: Sqrt 1% off (Adam and RMSprop divide by it). */
function registerBrokenBackend(): void {
  if (tf.findBackendFactory('broken-sqrt')) return;
  tf.registerBackend('broken-sqrt', () => new MathBackendCPU());
  for (const kernel of tf.getKernelsForBackend('cpu')) {
    if (kernel.kernelName === tf.Sqrt) continue;
    tf.registerKernel({ ...kernel, backendName: 'broken-sqrt' });
  }
  const sqrt = tf.getKernel(tf.Sqrt, 'cpu')!;
  tf.registerKernel({
    kernelName: tf.Sqrt,
    backendName: 'broken-sqrt',
    kernelFunc: (args) => {
      const out = sqrt.kernelFunc(args) as tf.TensorInfo;
      const backend = args.backend as MathBackendCPU;
      const values = backend.data.get(out.dataId)!.values as Float32Array;
      for (let i = 0; i < values.length; i++) values[i] = values[i]! * 1.01;
      return out;
    },
  });
}

describe('GPU correctness checks (wasm standing in for the GPU)', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'gpu-correctness-'));
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await tf.setBackend('cpu');
  });

  it('the cases cover every model, optimizer and scheduler', () => {
    const cases = correctnessCases(dir, 3);
    const names = cases.map((c) => c.name).join('\n');
    for (const m of MODEL_VARIANTS) assert.match(names, new RegExp(`^${m} \\+`, 'm'));
    for (const o of OPTIMIZER_VARIANTS) assert.match(names, new RegExp(`\\+ ${o} \\+`));
    for (const s of SCHEDULER_TYPES) assert.match(names, new RegExp(`\\+ ${s}$`, 'm'));
    assert.equal(
      correctnessCases(dir, 3, true).length,
      MODEL_VARIANTS.length * OPTIMIZER_VARIANTS.length * SCHEDULER_TYPES.length,
    );
  });

  it('wasm matches cpu within the stated tolerance (transformer + adam: its key bias has no true gradient)', async () => {
    const config = caseConfig('transformer', 'adam', 'cosine', join(dir, 'match'), 3);
    const r = await compareRun('transformer', config, 3, 'cpu', 'wasm', CPU_FAMILY_TOLERANCE, activate);
    assert.equal(r.ok, true, r.problems.join('; '));
    assert.ok(r.maxLossRelDiff < 1e-5);
  });

  it('a backend with one wrong kernel fails the check', async () => {
    registerBrokenBackend();
    const config = caseConfig('mlp', 'adam', 'cosine', join(dir, 'broken'), 3);
    const r = await compareRun('mlp broken', config, 3, 'cpu', 'broken-sqrt', CPU_FAMILY_TOLERANCE, activate);
    assert.equal(r.ok, false);
    assert.match(r.problems.join('\n'), /optimizer slots|weights|losses/);
  });

  it('a checkpoint written on one backend resumes on the other, through real checkpoint files, both ways', async () => {
    for (const [from, to] of [
      ['wasm', 'cpu'],
      ['cpu', 'wasm'],
    ] as const) {
      const config = caseConfig('char_lm_lstm', 'adam', 'cosine', join(dir, `resume-${from}-${to}`), 6);
      const r = await compareResume('lstm', config, 3, 3, from, to, 'cpu', CPU_FAMILY_TOLERANCE, activate);
      assert.equal(r.ok, true, `${from} -> ${to}: ${r.problems.join('; ')}`);
      assert.equal(r.kind, 'resume');
    }
  });
});
