import { InputError } from '../util/errors';

/** Framework-free datasets: batches are typed arrays plus shapes; the training session turns them into tensors. */

export interface BatchArrays {
  x: Float32Array;
  xShape: number[];
  y: Float32Array;
  yShape: number[];
}

interface DatasetBase {
  /** Number of examples the sampler draws from. */
  size: number;
  /** Builds the inputs and targets for these example indices, in order. */
  batch(indices: ArrayLike<number>): BatchArrays;
  /** A short description for run.json and checkpoint metadata. */
  describe(): Record<string, unknown>;
}

/** Rows of features; targets are one-hot classes or a single regression value. */
export interface TabularDataset extends DatasetBase {
  kind: 'tabular';
  task: 'classification' | 'regression';
  features: number;
  /** Number of classes; 1 for regression. */
  outputs: number;
}

/** Character sequences: x is one-hot [batch, seqLen, vocab], y the one-hot next characters. */
export interface TextDataset extends DatasetBase {
  kind: 'text';
  seqLen: number;
  vocab: string[];
}

export type Dataset = TabularDataset | TextDataset;

/** Error in the user's data files: exit code 2, with the file and a fix. */
export class DataError extends InputError {
  constructor(message: string, file?: string, line?: number, field?: string) {
    super(message, field, file, line);
    this.name = 'DataError';
  }
}
