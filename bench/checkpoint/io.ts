/**
 * Checkpoint I/O benchmark (not a test): a 10M-parameter model plus Adam m and v (~120 MB).
 *   npx tsx bench/checkpoint/io.ts [--json PATH] [--dir DIR] [--reps 9] [--step-rounds 5] [--runs 100] [--per-run 100] [--no-steps]
 * Compares the checkpoint engine against plain fs on the same bytes, medians of N repetitions:
 *   save (write, checksum, fsync, manifest, rename, retention) vs writev + fsync of the same files
 *   (manifest included) one after another, then an fsync of their folder (see plainIo.ts);
 *   load + checksum verification vs reading the same files into fresh buffers;
 *   time an async save blocks the caller vs the whole save;
 *   training steps while an async save runs vs without (stepSlowdown.ts; --no-steps skips it);
 *   discovery (quick validation) of runs × checkpoints vs a readdir + stat of every file;
 *   listing those runs as the Runs view does, from their listing indexes and exact, vs the same stat.
 */
import { crc32Implementation } from '../../src/core/checkpoint/checksum';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeContent } from '../../src/core/checkpoint/contents';
import { discoverCheckpoints } from '../../src/core/checkpoint/discovery';
import { defaultFs } from '../../src/core/checkpoint/fs';
import { listCheckpoints } from '../../src/core/checkpoint/list';
import { updateListingIndex } from '../../src/core/checkpoint/listingIndexUpdate';
import { MANIFEST_FILE } from '../../src/core/checkpoint/layout';
import { CheckpointManager } from '../../src/core/checkpoint/manager';
import type { CheckpointContent } from '../../src/core/checkpoint/types';
import { DEFAULT_CHECKPOINT_OPTIONS } from '../../src/core/checkpoint/types';
import { benchContents, measure, median } from './fixture';
import { type PlainFile, plainRead, plainWriteFsync, plainWriteFsyncParallel, statEverything } from './plainIo';
import { measureStepSlowdown } from './stepSlowdown';

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    dir: { type: 'string' },
    reps: { type: 'string', default: '9' },
    'step-rounds': { type: 'string', default: '5' },
    runs: { type: 'string', default: '100' },
    'per-run': { type: 'string', default: '100' },
    'no-steps': { type: 'boolean', default: false },
  },
});
const reps = Number(values.reps);
const managerOptions = {
  ...DEFAULT_CHECKPOINT_OPTIONS,
  save_total_limit: null,
  metric_for_best_model: null,
  greater_is_better: false,
};

/** The files a save writes, manifest included (its size matters, not its checksums): the reference writes exactly these. */
function referenceFiles(content: CheckpointContent): PlainFile[] {
  const files = encodeContent(content, { saveOptimizer: true, saveScheduler: true });
  const entries = files.map((f) => ({
    path: f.name,
    size: f.chunks.reduce((n, c) => n + c.byteLength, 0),
    checksum: '00000000',
  }));
  const manifest = {
    format: 'training-runs-checkpoint',
    version: 1,
    step: content.step,
    save_counter: 1,
    created: new Date().toISOString(),
    checksum_algorithm: 'crc32',
    files: entries,
  };
  return [...files, { name: MANIFEST_FILE, chunks: [Buffer.from(JSON.stringify(manifest, null, 2))] }];
}

async function makeDiscoveryFixture(
  root: string,
  content: CheckpointContent,
  runs: number,
  perRun: number,
): Promise<number> {
  // One real small checkpoint, cloned without fsync (building 10,000 with fsync would take minutes).
  const seedRun = join(root, 'seed');
  const small: CheckpointContent = {
    ...content,
    weights: { w: { dtype: 'float32', shape: [4], data: new Float32Array(4) } },
    optimizer: undefined,
  };
  const manager = new CheckpointManager(seedRun, managerOptions);
  await (
    await manager.save(small)
  ).done;
  const seedDir = join(seedRun, 'checkpoints', 'checkpoint-1');
  const files = await Promise.all(
    (await readdir(seedDir)).map(async (n) => [n, await readFile(join(seedDir, n))] as const),
  );
  let count = 0;
  for (let r = 0; r < runs; r++) {
    for (let c = 0; c < perRun; c++) {
      const dir = join(root, `run-${r}`, 'checkpoints', `checkpoint-${(c + 1) * 10}`);
      await mkdir(dir, { recursive: true });
      await Promise.all(files.map(([n, b]) => writeFile(join(dir, n), b)));
      count++;
    }
    // The listing index a trainer keeps (it describes every checkpoint once, as after an upgrade).
    await updateListingIndex(join(root, `run-${r}`, 'checkpoints'), defaultFs, []);
  }
  return count;
}

type Sample = { wallMs: number; cpuMs: number };
const wall = (xs: Sample[]) => median(xs.map((x) => x.wallMs));
const cpuOf = (xs: Sample[]) => median(xs.map((x) => x.cpuMs));
const best = (xs: Sample[]) => Math.min(...xs.map((x) => x.wallMs));

async function main(): Promise<void> {
  const base = await mkdtemp(join(values.dir ?? tmpdir(), 'ckpt-bench-'));
  const results: Record<string, number | string | null> = {};
  const content = benchContents();
  try {
    const files = referenceFiles(content(0));
    results.bytes = files.reduce((n, f) => n + f.chunks.reduce((m, c) => m + c.byteLength, 0), 0);
    results.referenceFiles = files.length;
    results.reps = reps;
    results.checksum = `crc32 (${crc32Implementation()})`;

    const s = {
      plain: [] as Sample[],
      parallel: [] as Sample[],
      save: [] as Sample[],
      blocking: [] as number[],
      read: [] as Sample[],
      load: [] as Sample[],
    };
    // No retention inside the timed save (the plain side deletes its files untimed too): like for like.
    const manager = new CheckpointManager(join(base, 'run'), managerOptions);
    for (let i = 0; i < reps; i++) {
      let path = '';
      const writers = [
        async () => s.plain.push(await measure(() => plainWriteFsync(join(base, `plain-${i}`), files))),
        async () => s.parallel.push(await measure(() => plainWriteFsyncParallel(join(base, `parallel-${i}`), files))),
        async () =>
          s.save.push(
            await measure(async () => {
              const t0 = performance.now();
              const pending = await manager.save(content(i + 1));
              s.blocking.push(performance.now() - t0);
              path = pending.path;
              await pending.done;
            }),
          ),
      ];
      // Every other repetition in reverse, so that whatever the order favours (the first write, the last) evens out.
      for (const write of i % 2 === 0 ? writers : [...writers].reverse()) await write();
      // Reads right after writes come from the page cache, for both sides alike.
      s.read.push(
        await measure(() =>
          plainRead(
            join(base, `plain-${i}`),
            files.map((f) => f.name),
          ),
        ),
      );
      s.load.push(await measure(() => manager.load(path, { restoreOptimizer: true, restoreScheduler: true })));
      for (const dir of [join(base, `plain-${i}`), join(base, `parallel-${i}`), path])
        await rm(dir, { recursive: true, force: true });
    }
    Object.assign(results, {
      plainWriteFsyncMs: wall(s.plain),
      saveMs: wall(s.save),
      asyncSaveBlockingMs: median(s.blocking),
      plainReadMs: wall(s.read),
      loadVerifyMs: wall(s.load),
      plainWriteFsyncCpuMs: cpuOf(s.plain),
      saveCpuMs: cpuOf(s.save),
      plainReadCpuMs: cpuOf(s.read),
      loadVerifyCpuMs: cpuOf(s.load),
      bestPlainWriteFsyncMs: best(s.plain),
      bestSaveMs: best(s.save),
      bestPlainReadMs: best(s.read),
      bestLoadVerifyMs: best(s.load),
      plainWriteFsyncParallelMs: wall(s.parallel),
      plainWriteFsyncParallelCpuMs: cpuOf(s.parallel),
    });

    if (!values['no-steps']) {
      try {
        // Each round is a save while training (about a second): fewer than the I/O repetitions, never more.
        const rounds = Math.min(reps, Number(values['step-rounds']));
        const slowdown = await measureStepSlowdown(manager, content, rounds);
        Object.assign(results, {
          stepRounds: rounds,
          backgroundSaveStepSlowdown: slowdown.slowdown,
          stepMs: slowdown.stepMs,
          stepDuringSaveMs: slowdown.stepDuringSaveMs,
          stepsDuringSave: slowdown.stepsDuringSave,
          saveDuringTrainingMs: slowdown.saveDuringTrainingMs,
          stepWorkload: slowdown.workload,
        });
      } catch (error) {
        // Training code under change must not cost the I/O figures: say why this one is missing.
        Object.assign(results, {
          backgroundSaveStepSlowdown: null,
          stepWorkload: `failed: ${(error as Error).message}`,
        });
      }
    }

    const runs = Number(values.runs);
    const perRun = Number(values['per-run']);
    const fixture = join(base, 'many');
    results.discoveryCheckpoints = await makeDiscoveryFixture(fixture, content(1), runs, perRun);
    const runDirs = Array.from({ length: runs }, (_, r) => join(fixture, `run-${r}`));
    const discover = async () => {
      for (const d of runDirs) await discoverCheckpoints(d);
    };
    await discover(); // warm the dentry cache for both sides
    results.discoveryMs = wall([await measure(discover), await measure(discover), await measure(discover)]);
    results.statAllMs = wall([
      await measure(() => statEverything(fixture)),
      await measure(() => statEverything(fixture)),
      await measure(() => statEverything(fixture)),
    ]);
    // Listing as the Runs view does it (rows with optimizer, scheduler and trainer summaries; every
    // run at once): from the runs' listing indexes, and exact (every checkpoint validated).
    const listAll = (useIndex: boolean) => async () =>
      void (await Promise.all(runDirs.map((d) => listCheckpoints(d, { useIndex }))));
    const listEach = async () => {
      for (const d of runDirs) await listCheckpoints(d, { useIndex: true });
    };
    await listAll(true)();
    results.listingIndexedMs = wall([
      await measure(listAll(true)),
      await measure(listAll(true)),
      await measure(listAll(true)),
      await measure(listAll(true)),
      await measure(listAll(true)),
    ]);
    results.listingIndexedSequentialMs = wall([
      await measure(listEach),
      await measure(listEach),
      await measure(listEach),
      await measure(listEach),
      await measure(listEach),
    ]);
    results.listingExactMs = wall([
      await measure(listAll(false)),
      await measure(listAll(false)),
      await measure(listAll(false)),
    ]);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
  report(results as Record<string, number> & { stepWorkload?: string });
  if (values.json) await writeFile(values.json, JSON.stringify(results, null, 2) + '\n');
}

function report(r: Record<string, number> & { stepWorkload?: string }): void {
  const ms = (x: number, digits = 0) => `${x.toFixed(digits)} ms`;
  /** A row comparing `a` with `b` as a ratio, or as a percentage of `b`. */
  const ratio = (label: string, a: number, b: number): [string, string, string] => [
    label,
    `${ms(a)} vs ${ms(b)}`,
    `${(a / b).toFixed(2)}x`,
  ];
  const share = (label: string, a: number, b: number, aDigits = 0): [string, string, string] => [
    label,
    `${ms(a, aDigits)} vs ${ms(b)}`,
    `${((100 * a) / b).toFixed(1)}%`,
  ];
  const rows: Array<[string, string, string]> = [
    ratio('save (engine) vs write+fsync', r.saveMs!, r.plainWriteFsyncMs!),
    ratio('load+verify vs plain read', r.loadVerifyMs!, r.plainReadMs!),
    share('async save blocking vs full save', r.asyncSaveBlockingMs!, r.saveMs!, 1),
  ];
  if (typeof r.backgroundSaveStepSlowdown === 'number') {
    rows.push([
      'train step during async save vs without',
      `${ms(r.stepDuringSaveMs!, 1)} vs ${ms(r.stepMs!, 1)}`,
      `${r.backgroundSaveStepSlowdown.toFixed(2)}x`,
    ]);
  } else if (r.stepWorkload) {
    rows.push(['train step during async save vs without', r.stepWorkload, '']);
  }
  rows.push(
    ratio(`discovery ${r.discoveryCheckpoints} ckpts vs stat all`, r.discoveryMs!, r.statAllMs!),
    share('listing from the indexes vs stat all', r.listingIndexedMs!, r.statAllMs!),
    share('  one run after another', r.listingIndexedSequentialMs!, r.statAllMs!),
    ratio('listing exact vs stat all', r.listingExactMs!, r.statAllMs!),
    ratio('  best of reps: save vs write+fsync', r.bestSaveMs!, r.bestPlainWriteFsyncMs!),
    ratio('  best of reps: load+verify vs read', r.bestLoadVerifyMs!, r.bestPlainReadMs!),
    ['  CPU time: save vs write+fsync', `${ms(r.saveCpuMs!)} vs ${ms(r.plainWriteFsyncCpuMs!)}`, ''],
    ['  CPU time: load+verify vs read', `${ms(r.loadVerifyCpuMs!)} vs ${ms(r.plainReadCpuMs!)}`, ''],
    ratio('  save vs write+fsync, all files at once', r.saveMs!, r.plainWriteFsyncParallelMs!),
  );
  if (typeof r.backgroundSaveStepSlowdown === 'number') {
    rows.push([
      '  save while training vs alone',
      `${ms(r.saveDuringTrainingMs!)} vs ${ms(r.saveMs!)}`,
      `${r.stepsDuringSave} steps`,
    ]);
  }
  const mb = r.bytes! / 1e6;
  console.log(
    `checkpoint I/O, ${mb.toFixed(1)} MB in ${r.referenceFiles} files (10M params + Adam m, v), median of ${r.reps}; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs`,
  );
  for (const [a, b, c] of rows) console.log(`${a.padEnd(42)} ${b.padEnd(26)} ${c}`);
  console.log(
    `save throughput ${(mb / (r.saveMs! / 1000)).toFixed(0)} MB/s, load ${(mb / (r.loadVerifyMs! / 1000)).toFixed(0)} MB/s`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
