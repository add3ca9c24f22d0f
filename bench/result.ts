/**
 * One row of `npm run bench --json` (schema 1, see bench/README.md), and the helpers every group
 * uses to build rows: a figure against the reference measured in the same run, or a failure that
 * keeps the row's name with `value: null` and the reason in `detail`.
 */
export type BenchGroup = 'training' | 'checkpoint' | 'extension' | 'trainer' | 'panel' | 'gpu' | 'scale';

export interface BenchReference {
  name: string;
  value: number;
}

export interface BenchResult {
  group: BenchGroup;
  name: string;
  backend: string;
  value: number | null;
  unit: string;
  reference: BenchReference | null;
  ratio: number | null;
  detail: string;
}

type Identity = Pick<BenchResult, 'group' | 'name' | 'backend' | 'unit'>;

/** A figure and its same-run reference; the ratio is value / reference (null when either is unusable). */
export function againstReference(
  id: Identity,
  value: number,
  reference: BenchReference | null,
  detail: string,
): BenchResult {
  const usable =
    reference !== null && Number.isFinite(reference.value) && reference.value > 0 && Number.isFinite(value);
  return { ...id, value, reference, ratio: usable ? value / reference.value : null, detail };
}

/** The row a failed measurement leaves: same name, no value, the reason. */
export function failedResult(id: Identity, reason: string): BenchResult {
  return { ...id, value: null, reference: null, ratio: null, detail: `failed: ${reason}` };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
