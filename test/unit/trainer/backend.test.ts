import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { activeBlasKernels } from '../../../src/trainer/accel/blas';
import { releaseGpuGlobals } from '../../../src/trainer/backend/release';
import { parseDevice, selectBackend } from '../../../src/trainer/backend/selectBackend';
import {
  adapterOptionFor,
  dawnOptionsFromEnv,
  noAdapterReason,
  parseAdapterList,
  vulkanLoaderPresent,
} from '../../../src/trainer/backend/webgpuBackend';
import { resolveOptional } from '../../../src/trainer/backend/optionalModule';
import { InputError } from '../../../src/trainer/util/errors';
import { withoutVulkanDrivers } from '../../support/vulkanDrivers';

const installed = (name: string): boolean => resolveOptional(name).found;

// The machine may have a Vulkan driver (lavapipe, a GPU): these tests make "none" themselves.
describe('backend selection (no Vulkan driver)', () => {
  withoutVulkanDrivers();
  const visibleBefore = process.env.CUDA_VISIBLE_DEVICES;
  const dawnBefore = process.env.TRAINING_RUNS_DAWN_OPTIONS;
  after(async () => {
    if (visibleBefore === undefined) delete process.env.CUDA_VISIBLE_DEVICES;
    else process.env.CUDA_VISIBLE_DEVICES = visibleBefore;
    if (dawnBefore === undefined) delete process.env.TRAINING_RUNS_DAWN_OPTIONS;
    else process.env.TRAINING_RUNS_DAWN_OPTIONS = dawnBefore;
    await tf.setBackend('cpu');
    releaseGpuGlobals();
  });

  it('-d takes a GPU index (any GPU backend), a backend name, or a GPU backend with an index', () => {
    assert.deepEqual(parseDevice('1'), { backend: 'auto', device: 1 });
    assert.deepEqual(parseDevice('cpu'), { backend: 'cpu', device: null });
    assert.deepEqual(parseDevice('wasm'), { backend: 'wasm', device: null });
    assert.deepEqual(parseDevice('webgpu'), { backend: 'webgpu', device: null });
    assert.deepEqual(parseDevice('webgpu:2'), { backend: 'webgpu', device: 2 });
    assert.deepEqual(parseDevice('tensorflow-gpu:0'), { backend: 'tensorflow-gpu', device: 0 });
    assert.throws(() => parseDevice('gpu0'), InputError);
    assert.throws(() => parseDevice('cpu:1'), /runs on no GPU/);
  });

  it('auto on a machine without GPU or native bindings picks wasm and says why each faster one was skipped', async function () {
    if (installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu')) this.skip();
    delete process.env.TRAINING_RUNS_DAWN_OPTIONS;
    const started = performance.now();
    const choice = await selectBackend({ backend: 'auto', device: null });
    if (choice.name === 'webgpu') this.skip(); // a machine with a real GPU adapter
    assert.equal(choice.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.deepEqual(
      choice.skipped.map((s) => s.name),
      ['tensorflow-gpu', 'webgpu', 'tensorflow'],
    );
    assert.match(choice.skipped[0]!.reason, /tfjs-node-gpu is not installed/);
    assert.match(
      choice.skipped[1]!.reason,
      installed('webgpu') ? /no WebGPU adapter/ : /webgpu \(Dawn\) is not installed/,
    );
    assert.match(choice.reason, /auto: first available after tensorflow-gpu, webgpu, tensorflow/);
    assert.ok(performance.now() - started < 5000, 'falling back must be fast');
  });

  it('an explicit backend that cannot load is a usage error (exit 2), not a silent fallback', async () => {
    const gpu = await selectBackend({ backend: 'tensorflow-gpu', device: 0 }).then(
      () => null,
      (e: unknown) => e,
    );
    if (gpu !== null) {
      assert.ok(gpu instanceof InputError && gpu.exitCode === 2);
      assert.match(gpu.message, /tensorflow-gpu was asked for/);
    }
  });

  it('a GPU index never falls back to the CPU: no GPU backend is an error naming each reason', async function () {
    if (installed('@tensorflow/tfjs-node-gpu')) this.skip();
    delete process.env.TRAINING_RUNS_DAWN_OPTIONS;
    const error = await selectBackend({ backend: 'auto', device: 3 }).then(
      () => null,
      (e: unknown) => e,
    );
    if (error === null) this.skip(); // a machine where GPU 3 exists
    assert.ok(error instanceof InputError);
    assert.match(
      error.message,
      /GPU 3 was asked for but cannot be used: no GPU backend can use it \(tensorflow-gpu: .*; webgpu: .*\); use -d cpu or -d wasm/,
    );
  });

  it("webgpu through Dawn's null adapter: the whole loading path runs, and -d picks adapters by Dawn's list", async function () {
    if (!installed('webgpu')) this.skip();
    process.env.TRAINING_RUNS_DAWN_OPTIONS = 'backend=null';
    await assert.rejects(
      selectBackend({ backend: 'webgpu', device: 1 }),
      /GPU 1 is not among the WebGPU adapters Dawn sees \(0: Null backend \(null\)\)/,
    );
    const choice = await selectBackend({ backend: 'webgpu', device: 0 });
    assert.equal(choice.name, 'webgpu');
    assert.equal(tf.getBackend(), 'webgpu');
    assert.match(choice.reason, /requested: WebGPU through Dawn on null-backend/);
    await tf.setBackend('cpu');
    // Back to the same adapter without a second Dawn instance (dropping the first crashes dawn.node).
    assert.equal((await selectBackend({ backend: 'webgpu', device: null })).name, 'webgpu');
    await assert.rejects(
      selectBackend({ backend: 'webgpu', device: 1 }),
      /already runs on null-backend in this process/,
    );
    await tf.setBackend('cpu');
  });

  it('wasm puts its matrix products on the system BLAS when one loads, and off keeps them in WebAssembly', async function () {
    // The test set-up installs Debian's libopenblas0-pthread; a machine without it has nothing to check here.
    if (!existsSync('/usr/lib/x86_64-linux-gnu/libopenblas.so.0') || !installed('koffi')) this.skip();
    try {
      const fast = await selectBackend({ backend: 'wasm', device: null, blas: { library: 'auto', threads: 1 } });
      assert.equal(fast.name, 'wasm');
      assert.ok(fast.blas, 'a BLAS is in use');
      assert.match(fast.blas.name, /OpenBLAS/);
      assert.equal(fast.blas.threads, 1);
      assert.match(fast.reason, /matrix products on OpenBLAS .*\(1 thread\)/);
      assert.ok(activeBlasKernels(), 'the BLAS matmul kernels are registered');
      const off = await selectBackend({ backend: 'wasm', device: null, blas: { library: 'off', threads: null } });
      assert.equal(off.blas, null);
      assert.match(off.reason, /matrix products in WebAssembly \(no system BLAS: blas: off in the config\)/);
      assert.equal(activeBlasKernels(), null, 'off puts the previous kernels back');
    } finally {
      await selectBackend({ backend: 'wasm', device: null, blas: { library: 'off', threads: null } });
    }
  });

  it('a BLAS library the user named that cannot load stops the run (exit 2) naming the field and path', async () => {
    const error = await selectBackend({
      backend: 'auto',
      device: null,
      blas: { library: '/nowhere/libopenblas.so.0', threads: null },
    }).then(
      () => null,
      (e: unknown) => e,
    );
    if (tf.getBackend() === 'webgpu' || tf.getBackend() === 'tensorflow') return; // a faster backend won: blas applies to wasm only
    assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
    assert.equal(error.field, 'blas');
    assert.match(error.message, /^blas: .*\/nowhere\/libopenblas\.so\.0.*; set blas to auto, off, or the path/);
  });

  it('cpu on request', async () => {
    const choice = await selectBackend({ backend: 'cpu', device: null });
    assert.equal(choice.name, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
  });
});

describe('WebGPU adapter choice', () => {
  const listing =
    "no adapter with backend 'vulkan' and name 'x' found\nAvailable adapters:\n * backend: 'vulkan', name: 'NVIDIA H200'\n * backend: 'vulkan', name: 'NVIDIA H200'\n * backend: 'vulkan', name: 'AMD Radeon (RADV)'\n";

  it("reads Dawn's adapter list", () => {
    assert.deepEqual(parseAdapterList(listing), [
      { index: 0, backend: 'vulkan', name: 'NVIDIA H200' },
      { index: 1, backend: 'vulkan', name: 'NVIDIA H200' },
      { index: 2, backend: 'vulkan', name: 'AMD Radeon (RADV)' },
    ]);
    assert.deepEqual(parseAdapterList('no suitable backends found'), []);
  });

  it('picks by name, and refuses an index it cannot reach (out of range, or a second GPU of the same name)', () => {
    const adapters = parseAdapterList(listing);
    assert.deepEqual(adapterOptionFor(adapters, 2), {
      ok: true,
      option: 'adapter=AMD Radeon (RADV)',
      entry: adapters[2],
    });
    assert.deepEqual(adapterOptionFor(adapters, 0), { ok: true, option: 'adapter=NVIDIA H200', entry: adapters[0] });
    const twin = adapterOptionFor(adapters, 1);
    assert.ok(!twin.ok && /GPUs 0 and 1 are both "NVIDIA H200"/.test(twin.reason));
    const missing = adapterOptionFor(adapters, 5);
    assert.ok(!missing.ok && /GPU 5 is not among/.test(missing.reason));
  });

  it('Dawn options come from TRAINING_RUNS_DAWN_OPTIONS, separated by ";"', () => {
    assert.deepEqual(dawnOptionsFromEnv({ TRAINING_RUNS_DAWN_OPTIONS: 'backend=vulkan; enable-dawn-features=a,b' }), [
      'backend=vulkan',
      'enable-dawn-features=a,b',
    ]);
    assert.deepEqual(dawnOptionsFromEnv({}), []);
  });

  it('the no-adapter reason says whether the Vulkan loader is missing', function () {
    if (process.platform !== 'linux') this.skip();
    const withLoader = noAdapterReason({ LD_LIBRARY_PATH: `${__dirname}/gpu/fixtures` });
    assert.match(withLoader, /no Vulkan driver Dawn accepts \(point VK_DRIVER_FILES/);
    if (!vulkanLoaderPresent({})) assert.match(noAdapterReason({}), /the Vulkan loader libvulkan.so.1 is missing/);
  });
});
