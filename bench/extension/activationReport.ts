/**
 * What the bench suite inside the extension host writes (one report per launch), and how the
 * launches become bench rows. Shared by the suite (bundled into the host) and the bench (plain Node).
 */
import { againstReference, failedResult, median, type BenchResult } from '../result';

export const EXTENSION_IDS = {
  ours: 'training-runs.training-runs',
  /** bench/extension/minimal: an empty extension, the host's own cost of loading and activating one. */
  reference: 'training-runs-bench.minimal',
  /**
   * A second copy of it, activated before both: the host's first activation costs ~100 ms more
   * (seen here: whichever came first paid it), which belongs to neither extension.
   */
  warmup: 'training-runs-bench.warmup',
} as const;

/** Environment the bench passes to the suite. */
export const ACTIVATION_ENV = {
  out: 'TRAINING_RUNS_BENCH_ACTIVATION_OUT',
  order: 'TRAINING_RUNS_BENCH_ACTIVATION_ORDER',
  /** Milliseconds the suite waits before activating anything. */
  settleMs: 'TRAINING_RUNS_BENCH_ACTIVATION_SETTLE_MS',
} as const;

export type ActivationOrder = 'ours-first' | 'reference-first';

export interface ActivationRecord {
  id: string;
  /** Already active before the suite asked (an activation event fired): then callMs is not a cold figure. */
  wasActive: boolean;
  /** `await getExtension(id).activate()`: the host loads the main module and runs activate(). */
  callMs: number;
}

export interface ActivationReport {
  records: ActivationRecord[];
  /** process.uptime() of the extension host when the suite finished. */
  hostUptimeMs: number;
  /** Training Runs' dist/extension.js evaluated once more after activation (its module load alone), null if not found. */
  loadMs: number | null;
}

export const ACTIVATION_NAMES = { cold: 'activation', load: 'module_load' } as const;

const ids = {
  cold: { group: 'extension', name: ACTIVATION_NAMES.cold, backend: 'code-server', unit: 'ms' },
  load: { group: 'extension', name: ACTIVATION_NAMES.load, backend: 'code-server', unit: 'ms' },
} as const;

export function activationFailure(reason: string): BenchResult[] {
  return [failedResult(ids.cold, reason), failedResult(ids.load, reason)];
}

/**
 * Medians over the launches whose two activations were both cold. `host` names the host for the
 * detail (e.g. "code-server 4.100.3 (VS Code 1.100.3)").
 */
export function activationResults(reports: readonly ActivationReport[], host: string): BenchResult[] {
  const cold = reports.flatMap((report) => {
    const ours = report.records.find((r) => r.id === EXTENSION_IDS.ours);
    const reference = report.records.find((r) => r.id === EXTENSION_IDS.reference);
    const warmup = report.records.find((r) => r.id === EXTENSION_IDS.warmup);
    const oursFirst =
      report.records.findIndex((r) => r.id === EXTENSION_IDS.ours) <
      report.records.findIndex((r) => r.id === EXTENSION_IDS.reference);
    return ours && reference && !ours.wasActive && !reference.wasActive
      ? [{ ours, reference, oursFirst, warmupMs: warmup?.callMs ?? null, loadMs: report.loadMs }]
      : [];
  });
  if (cold.length === 0) {
    const why =
      reports.length === 0
        ? 'no launch reported'
        : 'the extensions were already active before the suite ran, so no cold activation was timed';
    return activationFailure(why);
  }
  const reference = { name: 'empty extension activation', value: median(cold.map((c) => c.reference.callMs)) };
  const warmups = cold.map((c) => c.warmupMs).filter((ms): ms is number => ms !== null);
  const warmup =
    warmups.length > 0
      ? `after the host's first activation (another empty extension, ${median(warmups).toFixed(0)} ms, not counted)`
      : 'no warm-up activation (the first activation of a host costs more)';
  const first = cold.filter((c) => c.oursFirst).length;
  const about = `median of ${cold.length} launch(es) of ${host}, ${warmup}, Training Runs activated before the reference in ${first} of ${cold.length}; reference: an empty extension (bench/extension/minimal) activated the same way in the same host`;
  const loads = cold.map((c) => c.loadMs).filter((ms): ms is number => ms !== null);
  return [
    againstReference(
      ids.cold,
      median(cold.map((c) => c.ours.callMs)),
      reference,
      `cold getExtension().activate(): loading dist/extension.js and running activate(); ${about}`,
    ),
    loads.length === cold.length
      ? againstReference(
          ids.load,
          median(loads),
          reference,
          `require() of a second copy of dist/extension.js after activation (module evaluation alone, file cache warm); ${about}`,
        )
      : failedResult(ids.load, 'the suite could not load dist/extension.js a second time'),
  ];
}
