/**
 * Reading tensors on backends without synchronous reads. tfjs-backend-webgpu's dataSync() needs
 * OffscreenCanvas (a browser object) and throws "OffscreenCanvas is not defined" in Node; an
 * awaited data() works and leaves a CPU copy that later dataSync() calls return. So code that reads
 * synchronously (snapshots, optimizer slots) first downloads what it will read.
 */
import * as tf from '@tensorflow/tfjs';

/** Backends whose dataSync() does not work in Node. */
export function lacksSyncReads(backend: string = tf.getBackend()): boolean {
  return backend === 'webgpu';
}

/** Downloads every live variable (weights and optimizer slots) so dataSync() on them works everywhere. */
export async function prefetchVariables(): Promise<void> {
  if (!lacksSyncReads()) return;
  const variables = Object.values(tf.engine().state.registeredVariables);
  await Promise.all(variables.map((v) => v.data()));
}
