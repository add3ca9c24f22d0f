/**
 * Checkpoint I/O benchmark (not a test): a 10M-parameter model plus Adam m and v (~120 MB).
 *   npx tsx bench/checkpoint/io.ts [--json PATH] [--dir DIR] [--reps N] [--runs 100] [--per-run 100]
 * Compares the checkpoint engine against plain fs on the same bytes:
 *   save (write, hash, fsync, manifest, rename, retention) vs writev + fsync of the same files;
 *   load + checksum verification vs reading the same files into fresh buffers;
 *   time an async save blocks the caller vs the whole save;
 *   discovery (quick validation) of runs × checkpoints vs a readdir + stat of every file.
 */
import { mkdir, mkdtemp, open, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { discoverCheckpoints } from '../../src/core/checkpoint/discovery';
import { CheckpointManager } from '../../src/core/checkpoint/manager';
import { encodeSafetensors } from '../../src/core/checkpoint/safetensors';
import type { CheckpointContent, TensorMap } from '../../src/core/checkpoint/types';
import { DEFAULT_CHECKPOINT_OPTIONS } from '../../src/core/checkpoint/types';

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    dir: { type: 'string' },
    reps: { type: 'string', default: '5' },
    runs: { type: 'string', default: '100' },
    'per-run': { type: 'string', default: '100' },
  },
});
const reps = Number(values.reps);
const PARAMS = 10_000_000;
const TENSORS = 10;

function tensors(suffix: string, seed: number): TensorMap {
  const map: TensorMap = {};
  for (let i = 0; i < TENSORS; i++) {
    const data = new Float32Array(PARAMS / TENSORS);
    for (let j = 0; j < data.length; j += 997) data[j] = seed + j;
    map[`layer_${i}/kernel${suffix}`] = { dtype: 'float32', shape: [1000, PARAMS / TENSORS / 1000], data };
  }
  return map;
}

function content(step: number): CheckpointContent {
  const weights = tensors('', 1);
  const m = tensors('/m', 2);
  const v = tensors('/v', 3);
  const slots = [...Object.keys(m), ...Object.keys(v)].map((name) => ({ name, variable: name.replace(/\/[mv]$/, ''), slot: name.slice(-1) }));
  return {
    step,
    weights,
    optimizer: {
      state: { type: 'adam', hyperparameters: { learning_rate: 1e-3 }, iterations: step, slots, extra: { accBeta1: 0.5, accBeta2: 0.9 } },
      tensors: { ...m, ...v },
    },
    scheduler: { type: 'constant', config: {}, step, last_lr: 1e-3, next_lr: 1e-3 },
    trainerState: {
      global_step: step, epoch: 0, data_position: {}, rng: {}, loss: 1, best_metric_name: null, best_metric: null, best_checkpoint: null, greater_is_better: false,
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** CPU milliseconds (user + system, all threads of this process) of the last `time` call. */
let lastCpuMs = 0;

async function time<T>(fn: () => Promise<T>): Promise<number> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  await fn();
  const used = process.cpuUsage(cpu);
  lastCpuMs = (used.user + used.system) / 1000;
  return performance.now() - t;
}

async function plainWriteFsync(dir: string, files: Array<{ name: string; chunks: Uint8Array[] }>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const f of files) {
    const h = await open(join(dir, f.name), 'w');
    for (let i = 0; i < f.chunks.length; i += 256) await h.writev(f.chunks.slice(i, i + 256));
    await h.sync();
    await h.close();
  }
}

async function plainRead(dir: string, names: string[]): Promise<number> {
  let bytes = 0;
  for (const n of names) bytes += (await readFile(join(dir, n))).length;
  return bytes;
}

async function makeDiscoveryFixture(root: string, runs: number, perRun: number): Promise<number> {
  // One real small checkpoint, cloned without fsync (building 10,000 with fsync would take minutes).
  const seedRun = join(root, 'seed');
  const small: CheckpointContent = { ...content(1), weights: { w: { dtype: 'float32', shape: [4], data: new Float32Array(4) } } };
  small.optimizer = undefined;
  const manager = new CheckpointManager(seedRun, { ...DEFAULT_CHECKPOINT_OPTIONS, save_total_limit: null, metric_for_best_model: null, greater_is_better: false });
  await (await manager.save(small)).done;
  const seedDir = join(seedRun, 'checkpoints', 'checkpoint-1');
  const files = await Promise.all((await readdir(seedDir)).map(async (n) => [n, await readFile(join(seedDir, n))] as const));
  let count = 0;
  for (let r = 0; r < runs; r++) {
    for (let c = 0; c < perRun; c++) {
      const dir = join(root, `run-${r}`, 'checkpoints', `checkpoint-${(c + 1) * 10}`);
      await mkdir(dir, { recursive: true });
      await Promise.all(files.map(([n, b]) => writeFile(join(dir, n), b)));
      count++;
    }
  }
  return count;
}

async function statEverything(root: string): Promise<number> {
  let n = 0;
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    await Promise.all(entries.map(async (e) => {
      const p = join(dir, e.name);
      await stat(p);
      n++;
      if (e.isDirectory()) await walk(p);
    }));
  };
  await walk(root);
  return n;
}

async function main(): Promise<void> {
  const base = await mkdtemp(join(values.dir ?? tmpdir(), 'ckpt-bench-'));
  const results: Record<string, number> = {};
  try {
    const files = [
      { name: 'model.safetensors', chunks: encodeSafetensors(content(0).weights) },
      { name: 'optimizer.safetensors', chunks: encodeSafetensors(content(0).optimizer!.tensors) },
    ];
    const totalBytes = files.reduce((n, f) => n + f.chunks.reduce((m, c) => m + c.byteLength, 0), 0);
    results.bytes = totalBytes;

    const cpu = { plainWrite: [] as number[], save: [] as number[], plainRead: [] as number[], load: [] as number[] };
    const plainWrites: number[] = [];
    const saves: number[] = [];
    const blocking: number[] = [];
    const plainReads: number[] = [];
    const loads: number[] = [];
    // No retention inside the timed save (the plain side deletes its files untimed too): like for like.
    const manager = new CheckpointManager(join(base, 'run'), {
      ...DEFAULT_CHECKPOINT_OPTIONS, save_total_limit: null, metric_for_best_model: null, greater_is_better: false,
    });
    for (let i = 0; i < reps; i++) {
      plainWrites.push(await time(() => plainWriteFsync(join(base, `plain-${i}`), files)));
      cpu.plainWrite.push(lastCpuMs);
      const c = content(i + 1);
      const cpuStart = process.cpuUsage();
      const t0 = performance.now();
      const pending = await manager.save(c);
      blocking.push(performance.now() - t0);
      await pending.done;
      saves.push(performance.now() - t0);
      const used = process.cpuUsage(cpuStart);
      cpu.save.push((used.user + used.system) / 1000);
      // Reads right after writes come from the page cache, for both sides alike.
      plainReads.push(await time(() => plainRead(join(base, `plain-${i}`), files.map((f) => f.name))));
      cpu.plainRead.push(lastCpuMs);
      loads.push(await time(() => manager.load(pending.path, { restoreOptimizer: true, restoreScheduler: true })));
      cpu.load.push(lastCpuMs);
      await rm(join(base, `plain-${i}`), { recursive: true, force: true });
      await rm(pending.path, { recursive: true, force: true });
    }
    Object.assign(results, {
      plainWriteFsyncMs: median(plainWrites),
      saveMs: median(saves),
      asyncSaveBlockingMs: median(blocking),
      plainReadMs: median(plainReads),
      loadVerifyMs: median(loads),
      plainWriteFsyncCpuMs: median(cpu.plainWrite),
      saveCpuMs: median(cpu.save),
      plainReadCpuMs: median(cpu.plainRead),
      loadVerifyCpuMs: median(cpu.load),
      bestPlainWriteFsyncMs: Math.min(...plainWrites),
      bestSaveMs: Math.min(...saves),
      bestPlainReadMs: Math.min(...plainReads),
      bestLoadVerifyMs: Math.min(...loads),
    });

    const runs = Number(values.runs);
    const perRun = Number(values['per-run']);
    const fixture = join(base, 'many');
    results.discoveryCheckpoints = await makeDiscoveryFixture(fixture, runs, perRun);
    const runDirs = Array.from({ length: runs }, (_, r) => join(fixture, `run-${r}`));
    const discover = async () => {
      for (const d of runDirs) await discoverCheckpoints(d);
    };
    await discover(); // warm the dentry cache for both sides
    results.discoveryMs = median([await time(discover), await time(discover), await time(discover)]);
    results.statAllMs = median([await time(() => statEverything(fixture)), await time(() => statEverything(fixture)), await time(() => statEverything(fixture))]);
  } finally {
    await rm(base, { recursive: true, force: true });
  }

  const mb = results.bytes! / 1e6;
  const rows: Array<[string, string, string]> = [
    ['save (engine) vs write+fsync', `${results.saveMs!.toFixed(0)} ms vs ${results.plainWriteFsyncMs!.toFixed(0)} ms`, `${(results.saveMs! / results.plainWriteFsyncMs!).toFixed(2)}x`],
    ['load+verify vs plain read', `${results.loadVerifyMs!.toFixed(0)} ms vs ${results.plainReadMs!.toFixed(0)} ms`, `${(results.loadVerifyMs! / results.plainReadMs!).toFixed(2)}x`],
    ['async save blocking vs full save', `${results.asyncSaveBlockingMs!.toFixed(1)} ms vs ${results.saveMs!.toFixed(0)} ms`, `${((100 * results.asyncSaveBlockingMs!) / results.saveMs!).toFixed(1)}%`],
    [`discovery ${results.discoveryCheckpoints} ckpts vs stat all`, `${results.discoveryMs!.toFixed(0)} ms vs ${results.statAllMs!.toFixed(0)} ms`, `${(results.discoveryMs! / results.statAllMs!).toFixed(2)}x`],
  ];
  rows.push(
    ['  best of reps: save vs write+fsync', `${results.bestSaveMs!.toFixed(0)} ms vs ${results.bestPlainWriteFsyncMs!.toFixed(0)} ms`, `${(results.bestSaveMs! / results.bestPlainWriteFsyncMs!).toFixed(2)}x`],
    ['  best of reps: load+verify vs read', `${results.bestLoadVerifyMs!.toFixed(0)} ms vs ${results.bestPlainReadMs!.toFixed(0)} ms`, `${(results.bestLoadVerifyMs! / results.bestPlainReadMs!).toFixed(2)}x`],
    ['  CPU time: save vs write+fsync', `${results.saveCpuMs!.toFixed(0)} ms vs ${results.plainWriteFsyncCpuMs!.toFixed(0)} ms`, ''],
    ['  CPU time: load+verify vs read', `${results.loadVerifyCpuMs!.toFixed(0)} ms vs ${results.plainReadCpuMs!.toFixed(0)} ms`, ''],
  );
  console.log(`checkpoint I/O, ${mb.toFixed(1)} MB (10M params + Adam m, v), median of ${reps}; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs`);
  for (const [a, b, c] of rows) console.log(`${a.padEnd(40)} ${b.padEnd(26)} ${c}`);
  console.log(`save throughput ${(mb / (results.saveMs! / 1000)).toFixed(0)} MB/s, load ${(mb / (results.loadVerifyMs! / 1000)).toFixed(0)} MB/s`);
  if (values.json) await writeFile(values.json, JSON.stringify(results, null, 2) + '\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
