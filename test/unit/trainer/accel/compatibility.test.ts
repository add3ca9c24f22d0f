import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { DEFAULT_BLAS_REQUEST, accelerateWasmBackend, describeWasmAcceleration } from '../../../../src/trainer/accel';
import {
  BUILT_FOR,
  type TfjsVersions,
  fusedKernelBackends,
  installedTfjsVersions,
  wasmAccelerationRefusal,
} from '../../../../src/trainer/accel/compatibility';

const root = join(__dirname, '../../../..');
const olderCore: TfjsVersions = { ...BUILT_FOR, '@tensorflow/tfjs-core': '4.21.0' };

/** Every kernel function registered on the wasm backend, by name. */
function wasmRegistry(): Map<string, unknown> {
  return new Map(tf.getKernelsForBackend('wasm').map((k) => [k.kernelName, k.kernelFunc]));
}

describe('acceleration layer: tfjs version check', () => {
  it('was built for the tfjs versions package-lock.json installs, and they are the ones installed', () => {
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string }>;
    };
    for (const [name, version] of Object.entries(BUILT_FOR))
      assert.equal(lock.packages[`node_modules/${name}`]?.version, version, `${name} in package-lock.json`);
    assert.deepEqual(installedTfjsVersions(), BUILT_FOR);
    assert.equal(wasmAccelerationRefusal(), null);
  });

  it('names the version it was built for and the one installed when they differ', () => {
    assert.equal(
      wasmAccelerationRefusal(olderCore),
      'the acceleration layer was built for @tensorflow/tfjs-core 4.22.0 but @tensorflow/tfjs-core 4.21.0 is installed',
    );
    const bothNewer = wasmAccelerationRefusal({
      '@tensorflow/tfjs-core': '5.0.0',
      '@tensorflow/tfjs-backend-wasm': '5.0.0',
    });
    assert.match(
      bothNewer ?? '',
      /built for @tensorflow\/tfjs-core 4\.22\.0, @tensorflow\/tfjs-backend-wasm 4\.22\.0 but @tensorflow\/tfjs-core 5\.0\.0, @tensorflow\/tfjs-backend-wasm 5\.0\.0 is installed/,
    );
  });

  it('on another tfjs registers nothing on wasm and the backend reason says stock kernels and why', () => {
    const before = wasmRegistry();
    const acceleration = accelerateWasmBackend(DEFAULT_BLAS_REQUEST, olderCore);
    assert.equal(acceleration.replaced, false);
    assert.deepEqual(wasmRegistry(), before, 'the wasm kernel registry changed');
    assert.equal(
      describeWasmAcceleration(acceleration),
      'stock tfjs kernels (the acceleration layer was built for @tensorflow/tfjs-core 4.22.0 but @tensorflow/tfjs-core 4.21.0 is installed)',
    );
  });

  it('keeps the fused kernels off wasm on another tfjs (cpu keeps them)', () => {
    assert.deepEqual(fusedKernelBackends(null), ['wasm', 'cpu']);
    assert.deepEqual(fusedKernelBackends('another tfjs'), ['cpu']);
  });
});
