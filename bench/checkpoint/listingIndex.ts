/**
 * Does the listing index still pay for itself now that the run store lists a run only when it
 * changes? Times one run's listing, as the store does it after a save (from the index) and exact
 * (every checkpoint validated), for runs of N checkpoints: wall and CPU milliseconds, median of
 * --reps. `npx tsx bench/checkpoint/listingIndex.ts [--sizes 20,200,2000] [--reps 9] [--json PATH]`.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultFs } from '../../src/core/checkpoint/fs';
import { listCheckpoints } from '../../src/core/checkpoint/list';
import { crc32 } from '../../src/core/checkpoint/checksum';
import { MANIFEST_FILE, TRAINER_STATE_FILE } from '../../src/core/checkpoint/layout';
import { updateListingIndex } from '../../src/core/checkpoint/listingIndexUpdate';
import { CheckpointManager } from '../../src/core/checkpoint/manager';
import { DEFAULT_CHECKPOINT_OPTIONS } from '../../src/core/checkpoint/types';
import { benchContents, measure, median } from './fixture';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '20,200,2000' },
    reps: { type: 'string', default: '9' },
    json: { type: 'string' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const reps = Number(values.reps);

/** A run of `n` checkpoints: one real small save cloned (without fsync), then the index a trainer keeps. */
async function makeRun(root: string, n: number): Promise<string> {
  const seedRun = join(root, 'seed');
  const content = benchContents()(1);
  const small = {
    ...content,
    weights: { w: { dtype: 'float32' as const, shape: [4], data: new Float32Array(4) } },
    optimizer: undefined,
  };
  const manager = new CheckpointManager(seedRun, {
    ...DEFAULT_CHECKPOINT_OPTIONS,
    save_total_limit: null,
    metric_for_best_model: null,
    greater_is_better: false,
  });
  await (
    await manager.save(small)
  ).done;
  const seedDir = join(seedRun, 'checkpoints', 'checkpoint-1');
  const files = await Promise.all(
    (await readdir(seedDir)).map(async (name) => [name, await readFile(join(seedDir, name))] as const),
  );
  const seedFile = (name: string) => files.find(([n]) => n === name)?.[1] ?? Buffer.alloc(0);
  const [seedState, seedManifest] = [seedFile(TRAINER_STATE_FILE), seedFile(MANIFEST_FILE)];
  const run = join(root, `run-${n}`);
  for (let c = 0; c < n; c++) {
    const step = (c + 1) * 10;
    const dir = join(run, 'checkpoints', `checkpoint-${step}`);
    await mkdir(dir, { recursive: true });
    // Each clone is a valid checkpoint of its own step: trainer_state.json's global_step, and the manifest's step, save and checksum of it.
    const state = Buffer.from(
      JSON.stringify({ ...JSON.parse(seedState.toString('utf8')), global_step: step }, null, 2),
    );
    const manifest = JSON.parse(seedManifest.toString('utf8')) as {
      step: number;
      save_counter: number;
      files: Array<{ path: string; size: number; checksum: string }>;
    };
    manifest.step = step;
    manifest.save_counter = c + 1;
    manifest.files = manifest.files.map((f) =>
      f.path === TRAINER_STATE_FILE
        ? { ...f, size: state.byteLength, checksum: (crc32(state) >>> 0).toString(16).padStart(8, '0') }
        : f,
    );
    const written = new Map<string, Buffer>([
      ...files,
      [TRAINER_STATE_FILE, state],
      [MANIFEST_FILE, Buffer.from(JSON.stringify(manifest, null, 2))],
    ]);
    await Promise.all([...written].map(([name, bytes]) => writeFile(join(dir, name), bytes)));
  }
  await updateListingIndex(join(run, 'checkpoints'), defaultFs, []);
  return run;
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'listing-index-bench-'));
  const rows: Array<Record<string, number>> = [];
  try {
    for (const n of sizes) {
      const run = await makeRun(root, n);
      // Both ways list every checkpoint as valid (a fixture the index would not trust measures nothing).
      for (const useIndex of [true, false]) {
        const rows = await listCheckpoints(run, { useIndex }); // also warms the page cache and the modules
        if (rows.length !== n || !rows.every((r) => r.valid))
          throw new Error(
            `fixture of ${n}: ${rows.filter((r) => r.valid).length} valid rows of ${rows.length} (${rows[0]?.problems.join('; ')})`,
          );
      }
      // Alternated, so a change of the machine's load falls on both.
      const samples = {
        indexed: [] as Array<{ wallMs: number; cpuMs: number }>,
        exact: [] as Array<{ wallMs: number; cpuMs: number }>,
      };
      for (let i = 0; i < reps; i++) {
        samples.indexed.push(await measure(() => listCheckpoints(run, { useIndex: true })));
        samples.exact.push(await measure(() => listCheckpoints(run, { useIndex: false })));
      }
      const summary = (xs: Array<{ wallMs: number; cpuMs: number }>) => ({
        wallMs: median(xs.map((s) => s.wallMs)),
        cpuMs: median(xs.map((s) => s.cpuMs)),
      });
      const indexed = summary(samples.indexed);
      const exact = summary(samples.exact);
      rows.push({
        checkpoints: n,
        indexedMs: indexed.wallMs,
        indexedCpuMs: indexed.cpuMs,
        exactMs: exact.wallMs,
        exactCpuMs: exact.cpuMs,
      });
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  const machine = `${cpus().length} cores, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`;
  console.log(`one run's listing, median of ${reps} (${machine})`);
  console.log('checkpoints  from the index (wall / CPU ms)  exact (wall / CPU ms)  exact / index');
  for (const r of rows) {
    const f = (x: number | undefined) => (x ?? NaN).toFixed(1);
    console.log(
      `${String(r.checkpoints).padStart(11)}  ${`${f(r.indexedMs)} / ${f(r.indexedCpuMs)}`.padStart(29)}  ${`${f(r.exactMs)} / ${f(r.exactCpuMs)}`.padStart(21)}  ${((r.exactMs ?? 0) / (r.indexedMs ?? 1)).toFixed(1)}x`,
    );
  }
  if (values.json) await writeFile(values.json, `${JSON.stringify({ machine, reps, rows }, null, 2)}\n`);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
