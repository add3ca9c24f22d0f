import { mixSeed, permutation } from '../util/rng';

/** Where the sampler is; stored as the checkpoint's data_position. */
export interface SamplerPosition {
  epoch: number;
  /** Index of the next example within this epoch's permutation. */
  index: number;
}

/**
 * Draws batches from a fresh seeded permutation each epoch. The permutation of epoch e is a pure
 * function of (seed, e), so (epoch, index) is the whole state: a resumed run restores it and sees
 * exactly the batches an uninterrupted run would. A batch that runs past the end of an epoch
 * continues into the next one.
 */
export class BatchSampler {
  private epoch = 0;
  private index = 0;
  private order: Uint32Array | null = null;

  constructor(
    readonly size: number,
    readonly batchSize: number,
    readonly seed: number,
  ) {
    if (size < 1) throw new Error('the dataset has no examples');
  }

  next(): Uint32Array {
    const out = new Uint32Array(this.batchSize);
    for (let i = 0; i < this.batchSize; i++) {
      if (this.index >= this.size) {
        this.epoch++;
        this.index = 0;
        this.order = null;
      }
      this.order ??= permutation(this.size, mixSeed(this.seed, this.epoch));
      out[i] = this.order[this.index++]!;
    }
    return out;
  }

  get currentEpoch(): number {
    return this.epoch;
  }

  getPosition(): SamplerPosition {
    return { epoch: this.epoch, index: this.index };
  }

  setPosition(p: SamplerPosition): void {
    if (!Number.isInteger(p.epoch) || !Number.isInteger(p.index) || p.epoch < 0 || p.index < 0 || p.index > this.size) {
      throw new Error(`invalid data position ${JSON.stringify(p)} for a dataset of ${this.size} examples`);
    }
    this.epoch = p.epoch;
    this.index = p.index;
    this.order = null;
  }
}
