/**
 * The checkpoint I/O bench's JSON (bench/checkpoint/io.ts --json) as `npm run bench` rows. When io.ts
 * writes `results` (rows in bench/result.ts's shape) every one is carried as it is, whatever its
 * name; otherwise its flat figures (its first format) are mapped to the documented names.
 */
import { againstReference, failedResult, type BenchResult } from './result';

type IoJson = Record<string, unknown>;

const num = (io: IoJson, key: string): number | null =>
  typeof io[key] === 'number' && Number.isFinite(io[key]) ? (io[key] as number) : null;

function passThrough(rows: unknown[]): BenchResult[] {
  return rows.map((raw, i) => {
    const row = (raw ?? {}) as Record<string, unknown>;
    const name = typeof row['name'] === 'string' ? row['name'] : `result_${i}`;
    const id = {
      group: 'checkpoint',
      name,
      backend: typeof row['backend'] === 'string' ? row['backend'] : 'node-fs',
      unit: typeof row['unit'] === 'string' ? row['unit'] : 'ms',
    } as const;
    const detail = typeof row['detail'] === 'string' ? row['detail'] : '';
    const value = typeof row['value'] === 'number' ? row['value'] : null;
    if (value === null) return failedResult(id, detail || 'no value');
    const ref = row['reference'] as { name?: unknown; value?: unknown } | null | undefined;
    const reference =
      ref && typeof ref.name === 'string' && typeof ref.value === 'number'
        ? { name: ref.name, value: ref.value }
        : null;
    const result = againstReference(id, value, reference, detail);
    // A ratio io.ts chose itself (e.g. a slowdown) wins over value / reference.
    return typeof row['ratio'] === 'number' ? { ...result, ratio: row['ratio'] } : result;
  });
}

function fromFlatFigures(io: IoJson): BenchResult[] {
  const mb = num(io, 'bytes');
  const checksum = typeof io['checksum'] === 'string' ? `, ${io['checksum']}` : '';
  const size = mb === null ? '' : `${(mb / 1e6).toFixed(1)} MB${checksum}`;
  const cpu = (ours: string, ref: string) => {
    const a = num(io, ours);
    const b = num(io, ref);
    return a !== null && b !== null ? `; CPU time ${a.toFixed(0)} vs ${b.toFixed(0)} ms` : '';
  };
  const row = (name: string, valueKey: string, refName: string, refKey: string, detail: string): BenchResult => {
    const id = { group: 'checkpoint', name, backend: 'node-fs', unit: 'ms' } as const;
    const value = num(io, valueKey);
    const reference = num(io, refKey);
    if (value === null || reference === null)
      return failedResult(id, `io.ts reported no ${value === null ? valueKey : refKey}`);
    return againstReference(id, value, { name: refName, value: reference }, detail);
  };
  const rows = [
    row('save', 'saveMs', 'write+fsync', 'plainWriteFsyncMs', `${size}${cpu('saveCpuMs', 'plainWriteFsyncCpuMs')}`),
    row('load_verify', 'loadVerifyMs', 'read', 'plainReadMs', `${size}${cpu('loadVerifyCpuMs', 'plainReadCpuMs')}`),
    row('async_save_blocking', 'asyncSaveBlockingMs', 'full save', 'saveMs', size),
    row(
      'discovery',
      'discoveryMs',
      'stat every file',
      'statAllMs',
      `${num(io, 'discoveryCheckpoints') ?? '?'} checkpoints`,
    ),
  ];
  // Added later: absent from older io.ts output, so only carried when present.
  const listing: Array<[string, string, string]> = [
    [
      'listing_indexed',
      'listingIndexedMs',
      "from the runs' listing indexes, every run at once (as the Runs view reads them)",
    ],
    [
      'listing_indexed_sequential',
      'listingIndexedSequentialMs',
      "from the runs' listing indexes, one run after another",
    ],
    ['listing_exact', 'listingExactMs', 'every checkpoint validated and its state files read, every run at once'],
  ];
  for (const [name, key, how] of listing) {
    if (key in io)
      rows.push(
        row(name, key, 'stat every file', 'statAllMs', `${num(io, 'discoveryCheckpoints') ?? '?'} checkpoints, ${how}`),
      );
  }
  if ('backgroundSaveStepSlowdown' in io) {
    // As bench/README.md documents it: the ratio itself is the value (unit x), both step times in detail.
    const id = { group: 'checkpoint', name: 'background_save_step_slowdown', backend: 'node-fs', unit: 'x' } as const;
    const workload = typeof io['stepWorkload'] === 'string' ? io['stepWorkload'] : '';
    const slowdown = num(io, 'backgroundSaveStepSlowdown');
    const steps = `step ${num(io, 'stepDuringSaveMs')?.toFixed(2) ?? '?'} ms during an async save vs ${num(io, 'stepMs')?.toFixed(2) ?? '?'} ms without (${num(io, 'stepsDuringSave') ?? '?'} steps during the save)`;
    rows.push(
      slowdown === null
        ? failedResult(id, workload || 'io.ts reported no slowdown')
        : { ...id, value: slowdown, reference: null, ratio: null, detail: `${steps}; ${workload}` },
    );
  }
  return rows;
}

export function checkpointResults(io: IoJson): BenchResult[] {
  return Array.isArray(io['results']) ? passThrough(io['results']) : fromFlatFigures(io);
}
