/**
 * What the scale suite (running inside the VS Code host) reports back to bench/scale/scale.ts, and
 * how those reports become bench rows: one set of rows per extension build, the build of this
 * checkout next to the baseline build (another commit) measured in the same bench run.
 */
import { type BenchResult, failedResult, median } from '../result';

export const SCALE_ENV = {
  out: 'TRAINING_RUNS_BENCH_SCALE_OUT',
  expectedRuns: 'TRAINING_RUNS_BENCH_SCALE_RUNS',
  liveConfig: 'TRAINING_RUNS_BENCH_SCALE_CONFIG',
  settleMs: 'TRAINING_RUNS_BENCH_SCALE_SETTLE_MS',
} as const;

export const EXTENSION_ID = 'training-runs.training-runs';

export interface SavePhase {
  /** The Runs view visible (VS Code asks the tree for rows) or the side bar closed. */
  tree: 'open' | 'closed';
  saves: number;
  /** Host CPU (user + system) from Train to the trainer's exit plus a settle period. */
  hostCpuMs: number;
  wallMs: number;
  /** The host's CPU over an idle period of the same length just before: what the host spends anyway. */
  idleCpuMs: number;
}

export interface ScaleReport {
  runsListed: number;
  activationMs: number;
  /** From activate() to the tree listing every run. */
  runsListedMs: number;
  /** From activate() to every run row having its status and checkpoint facts. */
  rowsReadyMs: number;
  listingCpuMs: number;
  heapUsedMb: number;
  heapDeltaMb: number;
  rssMb: number;
  saves: SavePhase[];
}

export interface MeasuredBuild {
  /** "this checkout" or the baseline's commit. */
  label: string;
  reports: ScaleReport[];
}

const id = (name: string, unit: string) => ({ group: 'scale' as const, name, backend: 'code-server', unit });

/** Per build and figure: the median over launches, with the baseline's figure as the reference. */
export function scaleResults(current: MeasuredBuild, baseline: MeasuredBuild | null, workspace: string): BenchResult[] {
  const figures: Array<[string, string, (r: ScaleReport) => number | undefined]> = [
    ['activation', 'ms', (r) => r.activationMs],
    ['tree_runs_listed', 'ms', (r) => r.runsListedMs],
    ['tree_rows_ready', 'ms', (r) => r.rowsReadyMs],
    ['listing_host_cpu', 'ms', (r) => r.listingCpuMs],
    ['host_heap_used', 'MB', (r) => r.heapUsedMb],
    ['host_rss', 'MB', (r) => r.rssMb],
    ['host_cpu_per_save_tree_open', 'ms', (r) => perSave(r, 'open')],
    ['host_cpu_per_save_tree_closed', 'ms', (r) => perSave(r, 'closed')],
  ];
  return figures.map(([name, unit, pick]) => {
    const value = medianOf(current.reports.map(pick));
    const base = baseline ? medianOf(baseline.reports.map(pick)) : null;
    if (value === null) return failedResult(id(name, unit), `no figure from ${current.label}`);
    const reference = base === null ? null : { name: `baseline ${baseline?.label}`, value: base };
    const ratio = reference && reference.value > 0 ? value / reference.value : null;
    return {
      ...id(name, unit),
      value,
      reference,
      ratio,
      detail: `${workspace}; ${current.reports.length} launch(es) of ${current.label}`,
    };
  });
}

/** Host CPU per checkpoint saved, less what the idle host spent over the same time. */
export function perSave(report: ScaleReport, tree: SavePhase['tree']): number | undefined {
  const phase = report.saves.find((s) => s.tree === tree);
  if (!phase || phase.saves === 0) return undefined;
  return Math.max(0, phase.hostCpuMs - phase.idleCpuMs) / phase.saves;
}

function medianOf(values: Array<number | undefined>): number | null {
  const known = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return known.length === 0 ? null : median(known);
}

export function scaleFailure(reason: string): BenchResult[] {
  return ['activation', 'tree_rows_ready', 'host_cpu_per_save_tree_open'].map((name) =>
    failedResult(id(name, 'ms'), reason),
  );
}
