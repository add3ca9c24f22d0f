import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { parseDevice, selectBackend } from '../../../src/trainer/backend/selectBackend';
import { InputError } from '../../../src/trainer/util/errors';

describe('backend selection', () => {
  const visibleBefore = process.env.CUDA_VISIBLE_DEVICES;
  after(async () => {
    if (visibleBefore === undefined) delete process.env.CUDA_VISIBLE_DEVICES;
    else process.env.CUDA_VISIBLE_DEVICES = visibleBefore;
    await tf.setBackend('cpu');
  });

  it('-d takes a GPU index, cpu or wasm', () => {
    assert.deepEqual(parseDevice('1'), { backend: 'tensorflow-gpu', device: 1 });
    assert.deepEqual(parseDevice('cpu'), { backend: 'cpu', device: null });
    assert.deepEqual(parseDevice('wasm'), { backend: 'wasm', device: null });
    assert.throws(() => parseDevice('gpu0'), InputError);
  });

  it('auto without native bindings picks wasm and says why each native one was skipped', async function () {
    let nativeInstalled = true;
    try {
      require.resolve('@tensorflow/tfjs-node');
    } catch {
      nativeInstalled = false;
    }
    if (nativeInstalled) this.skip();
    const choice = await selectBackend({ backend: 'auto', device: null });
    assert.equal(choice.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.deepEqual(choice.skipped.map((s) => s.name), ['tensorflow-gpu', 'tensorflow']);
    assert.match(choice.skipped[0]!.reason, /tfjs-node-gpu is not installed/);
    assert.match(choice.reason, /auto/);
  });

  it('an explicit backend that cannot load is a usage error (exit 2), not a silent fallback', async () => {
    await assert.rejects(selectBackend({ backend: 'webgpu', device: null }), (e: unknown) => e instanceof InputError && e.exitCode === 2);
    const gpu = await selectBackend({ backend: 'tensorflow-gpu', device: 0 }).then(() => null, (e: unknown) => e);
    if (gpu !== null) {
      assert.ok(gpu instanceof InputError);
      assert.match(gpu.message, /tensorflow-gpu was asked for/);
      assert.equal(process.env.CUDA_VISIBLE_DEVICES, '0', 'the device is made visible before loading');
    }
  });

  it('cpu on request', async () => {
    const choice = await selectBackend({ backend: 'cpu', device: null });
    assert.equal(choice.name, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
  });
});
