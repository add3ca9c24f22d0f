/**
 * The `gpu` group of `npm run bench`: bench/gpu/check.ts (the GPU check's throughput part, without
 * its correctness cases) in a child process, its rows carried as they are. Where no GPU backend
 * loads (no tfjs-node-gpu, no WebGPU adapter) one row says why, so a run on a CPU-only machine
 * still records that nothing ran on a GPU rather than leaving the group out.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchResult, errorMessage, failedResult } from './result';

/** What bench/gpu/check.ts writes to results.json (the parts read here). */
export interface GpuCheckResults {
  exitCode?: number;
  summary?: string;
  bench?: Array<Omit<BenchResult, 'group'> & { group?: string }>;
}

const NO_GPU_EXIT = 3;
const id = { group: 'gpu', name: 'training', backend: 'gpu', unit: 'steps/s' } as const;

export function gpuResults(results: GpuCheckResults): BenchResult[] {
  if (results.exitCode === NO_GPU_EXIT) return [failedResult(id, results.summary ?? 'no GPU backend available here')];
  const rows = (results.bench ?? []).map((row) => ({ ...row, group: 'gpu' as const }));
  return rows.length > 0 ? rows : [failedResult(id, results.summary ?? 'the GPU bench wrote no rows')];
}

export async function measureGpu(options: {
  quick: boolean;
  python: string;
  timeoutMs: number;
}): Promise<BenchResult[]> {
  const out = await mkdtemp(join(tmpdir(), 'bench-gpu-'));
  const args = [
    '--import',
    'tsx',
    join(__dirname, 'gpu', 'check.ts'),
    'check',
    '--no-correctness',
    '--out',
    out,
    '--python',
    options.python,
    ...(options.quick ? ['--quick'] : []),
  ];
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
      child.on('error', reject);
      // Exit 3 (no GPU here) is an answer, not a failure: results.json says why.
      child.on('close', (code) => {
        clearTimeout(timer);
        if (code === 0 || code === NO_GPU_EXIT) resolve();
        else reject(new Error(`bench/gpu/check.ts exited with ${code}`));
      });
    });
    return gpuResults(JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as GpuCheckResults);
  } catch (e) {
    return [failedResult(id, errorMessage(e))];
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}
