/**
 * Where one training step spends its time, kernel by kernel (a tool for kernel work, not a benchmark):
 *   npx tsx bench/training/profile.ts --model char_lm --backend wasm-fast
 * Backends: cpu, wasm, wasm-fast, wasm-blas (--blas-threads N).
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerFastWasmKernels } from '../../src/trainer/accel/kernels';
import { loadBlas, registerBlasKernels } from '../../src/trainer/accel/blas';
import { type ModelName, trainable } from './models';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'mlp' },
    backend: { type: 'string', default: 'wasm-fast' },
    top: { type: 'string', default: '15' },
    kernel: { type: 'string' },
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

async function main(): Promise<void> {
  tf.enableProdMode();
  await tf.setBackend(values.backend!.startsWith('wasm') ? 'wasm' : values.backend!);
  await tf.ready();
  if (values.backend === 'wasm-fast' || values.backend === 'wasm-blas') registerFastWasmKernels();
  if (values.backend === 'wasm-blas') console.log(useBlasKernels(values['blas-threads']));
  const job = trainable(values.model as ModelName);
  job.step();
  const t0 = performance.now();
  const info = await tf.profile(() => {
    job.step();
  });
  const wall = performance.now() - t0;
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    // --kernel NAME splits that kernel's time by input shapes.
    const key = (values.kernel ?? '').split(',').includes(k.name)
      ? `${k.name} ${JSON.stringify(k.inputShapes)}`
      : k.name;
    const entry = byKernel.get(key) ?? { ms: 0, calls: 0 };
    entry.ms += k.kernelTimeMs as number;
    entry.calls++;
    byKernel.set(key, entry);
  }
  const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const kernelMs = rows.reduce((s, [, e]) => s + e.ms, 0);
  console.log(
    `${values.model} on ${values.backend}: ${info.kernels.length} kernel calls, ${kernelMs.toFixed(1)} ms in kernels, ${wall.toFixed(1)} ms wall (profiling adds overhead)`,
  );
  for (const [name, e] of rows.slice(0, Number(values.top)))
    console.log(`${name.padEnd(40)} ${e.ms.toFixed(1).padStart(8)} ms ${String(e.calls).padStart(6)} calls`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
