/**
 * The webgpu layer's set-up: the real webgpu backend (Dawn) on whatever adapter the machine has,
 * a software one included (CI installs Mesa's lavapipe: scripts/setup-software-gpu.mjs). Without
 * an adapter every test of the layer is skipped with Dawn's reason.
 */
import * as tf from '@tensorflow/tfjs';
import { type ConcreteBackend, activateBackend } from '../../src/trainer/backend/selectBackend';

let adapter: Promise<{ ok: true; name: string } | { ok: false; reason: string }> | null = null;

/** Activates webgpu once per process (a second Dawn instance would crash dawn.node); then cpu again. */
function webgpuOnce(): NonNullable<typeof adapter> {
  adapter ??= (async () => {
    tf.enableProdMode();
    const attempt = await activateBackend('webgpu', null, undefined, true);
    await tf.setBackend('cpu');
    return attempt.ok
      ? { ok: true as const, name: attempt.detail ?? 'unnamed adapter' }
      : { ok: false as const, reason: attempt.reason };
  })();
  return adapter;
}

/** Mocha hook for the enclosing describe: skip it, saying why, where Dawn finds no adapter. */
export function requireWebgpuAdapter(): void {
  before(async function () {
    const a = await webgpuOnce();
    if (!a.ok) {
      console.warn(
        `    skipped: no WebGPU adapter here (${a.reason}); scripts/setup-software-gpu.mjs installs one on Debian`,
      );
      this.skip();
    }
  });
}

/** Makes `backend` active; webgpu reuses the one Dawn device, wasm gets the trainer's kernels (no system BLAS). */
export async function activate(backend: string): Promise<void> {
  tf.enableProdMode();
  if (backend === 'webgpu' && !(await webgpuOnce()).ok) throw new Error('no WebGPU adapter');
  const attempt = await activateBackend(backend as ConcreteBackend, null, { library: 'off', threads: null }, true);
  if (!attempt.ok) throw new Error(`backend ${backend}: ${attempt.reason}`);
}
