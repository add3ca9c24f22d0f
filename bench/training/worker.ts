/**
 * Measures one model on one backend in a fresh process (kernel registries and heaps stay apart):
 *   npx tsx bench/training/worker.ts --model mlp --backend wasm-fast --warmup 3 --steps 30 --max-seconds 20
 * Backends: cpu, wasm (stock kernels), wasm-fast (+ registerFastWasmKernels), wasm-blas (+ matmuls on
 * the system BLAS; --blas-threads N, default the trainer's: cores - 1, 1 to 4), tensorflow.
 * Prints one JSON line: { model, backend, steps, seconds, stepsPerSecond, loss, detail }.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerFastWasmKernels } from '../../src/trainer/accel/kernels';
import { loadBlas, registerBlasKernels } from '../../src/trainer/accel/blas';
import { MODEL_NAMES, type ModelName, trainable } from './models';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    backend: { type: 'string' },
    warmup: { type: 'string', default: '2' },
    steps: { type: 'string', default: '10' },
    'max-seconds': { type: 'string', default: '20' },
    'blas-threads': { type: 'string' },
  },
});

/** Matmuls on the system BLAS over the fast kernels; throws (so the bench row shows why) when none loads. */
function useBlasKernels(threads: string | undefined): string {
  const load = loadBlas(threads === undefined ? {} : { threads: Number(threads) });
  if (!load.ok) throw new Error(`wasm-blas: ${load.reason}`);
  registerBlasKernels(load.blas);
  return `BatchMatMul, _FusedMatMul on ${load.blas.name} (${load.blas.library}), ${load.blas.threads} thread${load.blas.threads === 1 ? '' : 's'}`;
}

async function useBackend(backend: string): Promise<string> {
  tf.enableProdMode();
  if (backend === 'tensorflow') require('@tensorflow/tfjs-node');
  const tfName = backend.startsWith('wasm') ? 'wasm' : backend;
  if (!(await tf.setBackend(tfName))) throw new Error(`backend ${tfName} failed to initialise`);
  await tf.ready();
  if (backend === 'wasm-fast') return `replaced ${registerFastWasmKernels().join(', ')}`;
  if (backend === 'wasm-blas')
    return `replaced ${registerFastWasmKernels().join(', ')}; ${useBlasKernels(values['blas-threads'])}`;
  return backend === 'wasm' ? 'stock kernels' : '';
}

async function main(): Promise<void> {
  const model = values.model as ModelName;
  if (!MODEL_NAMES.includes(model)) throw new Error(`--model must be one of ${MODEL_NAMES.join(', ')}`);
  const backend = values.backend ?? 'wasm-fast';
  const detail = await useBackend(backend);
  const job = trainable(model);
  const maxMs = Number(values['max-seconds']) * 1000;
  const warmStart = performance.now();
  for (let i = 0; i < Number(values.warmup) && performance.now() - warmStart < maxMs; i++) job.step();
  let steps = 0;
  let loss = NaN;
  const start = performance.now();
  // A fixed number of steps, cut short on very slow backends (the cpu one) so the run stays bounded.
  while (steps < Number(values.steps) && (steps === 0 || performance.now() - start < maxMs)) {
    loss = job.step();
    steps++;
  }
  const seconds = (performance.now() - start) / 1000;
  job.dispose();
  console.log(JSON.stringify({ model, backend, steps, seconds, stepsPerSecond: steps / seconds, loss, detail }));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
