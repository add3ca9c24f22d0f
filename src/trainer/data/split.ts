/**
 * Held-out data for evaluation: a data file (`eval_data`), or a split of the data (`eval_split`),
 * the same examples for the same data whatever the
 * run's seed, so runs that differ in anything else are evaluated on the same examples. Tabular
 * rows are drawn by a fixed permutation; text holds out its end, and training windows stop before
 * the first held-out window so no held-out character is ever a training target.
 */
import type { DataConfig, EvalDataConfig } from '../../core/config/types';
import { InputError } from '../util/errors';
import { permutation } from '../util/rng';
import { loadEvalCsv, readCsv } from './csv';
import { buildDataset } from './index';
import { loadEvalTextFile } from './text';
import type { Dataset } from './types';

/** Fixed so the split depends on the data alone. */
const SPLIT_SEED = 0x5eed_e7a1;

export interface SplitDatasets {
  train: Dataset;
  /** null without eval_split. */
  eval: Dataset | null;
}

export function buildDatasets(
  data: DataConfig,
  evalSplit: number | null,
  evalData: EvalDataConfig | null = null,
): SplitDatasets {
  if (evalData !== null) return withEvalFile(data, evalData);
  const whole = buildDataset(data);
  return evalSplit === null ? { train: whole, eval: null } : splitDataset(whole, evalSplit);
}

/** config eval_data: the training data whole, and the file read the way the training data was (the config checks the types match). */
function withEvalFile(data: DataConfig, evalData: EvalDataConfig): SplitDatasets {
  if (data.type === 'csv' && evalData.type === 'csv') {
    const { dataset, encoding } = readCsv(data.path, data.target, data.task);
    return { train: dataset, eval: loadEvalCsv(evalData.path, evalData.target, evalData.task, encoding) };
  }
  const train = buildDataset(data);
  if (train.kind === 'text' && evalData.type === 'text')
    return { train, eval: loadEvalTextFile(evalData.path, train.seqLen, train.vocab) };
  throw new InputError(
    `eval_data type ${evalData.type} cannot be read like data type ${data.type}: use type ${data.type}`,
    'eval_data.type',
  );
}

export function splitDataset(whole: Dataset, fraction: number): SplitDatasets {
  const evalCount = Math.max(1, Math.round(whole.size * fraction));
  if (whole.kind === 'text') {
    const firstHeldOut = whole.size - evalCount;
    // A training window of seqLen + 1 characters starting at s ends at s + seqLen, before the first held-out one.
    const trainCount = firstHeldOut - whole.seqLen;
    if (trainCount < 1) throw tooSmall(whole, fraction);
    return {
      train: subset(whole, range(0, trainCount), 'train'),
      eval: subset(whole, range(firstHeldOut, whole.size), 'eval'),
    };
  }
  if (whole.size - evalCount < 1) throw tooSmall(whole, fraction);
  const order = permutation(whole.size, SPLIT_SEED);
  const held = Uint32Array.from(order.subarray(0, evalCount)).sort();
  const kept = Uint32Array.from(order.subarray(evalCount)).sort();
  return { train: subset(whole, kept, 'train'), eval: subset(whole, held, 'eval') };
}

function tooSmall(whole: Dataset, fraction: number): InputError {
  return new InputError(
    `eval_split ${fraction} of ${whole.size} examples leaves nothing to train on: lower eval_split or use more data`,
    'eval_split',
  );
}

function range(from: number, to: number): Uint32Array {
  return Uint32Array.from({ length: to - from }, (_, i) => from + i);
}

/** The examples at `indices` of `whole`, in that order, as a dataset of their own. */
function subset<D extends Dataset>(whole: D, indices: Uint32Array, part: 'train' | 'eval'): D {
  return {
    ...whole,
    size: indices.length,
    batch: (positions: ArrayLike<number>) => whole.batch(Array.from(positions, (p) => indices[p]!)),
    describe: () => ({ ...whole.describe(), split: part, size: indices.length }),
  };
}
