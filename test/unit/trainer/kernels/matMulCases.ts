/** Random matmul cases (every transpose combination over a list of batch shapes) shared by the matmul kernel tests. */
import * as tf from '@tensorflow/tfjs';
import { randInt, randomData, rng } from './compare';

export interface MatMulCase {
  batchA: number[];
  batchB: number[];
  m: number;
  k: number;
  n: number;
  transposeA: boolean;
  transposeB: boolean;
}

/** Batch shapes [a, b]: equal, one side absent, one side 1. */
export type BatchPairs = Array<[number[], number[]]>;

export function matMulCases(seed: number, batches: BatchPairs): MatMulCase[] {
  const next = rng(seed);
  const out: MatMulCase[] = [];
  for (const [batchA, batchB] of batches) {
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        out.push({
          batchA,
          batchB,
          m: randInt(next, 1, 33),
          k: randInt(next, 1, 64),
          n: randInt(next, 1, 33),
          transposeA,
          transposeB,
        });
      }
    }
  }
  return out;
}

export function matMulOperands(c: MatMulCase, seed: number): [tf.Tensor, tf.Tensor] {
  const next = rng(seed);
  const aShape = [...c.batchA, ...(c.transposeA ? [c.k, c.m] : [c.m, c.k])];
  const bShape = [...c.batchB, ...(c.transposeB ? [c.n, c.k] : [c.k, c.n])];
  return [tf.tensor(randomData(next, aShape), aShape), tf.tensor(randomData(next, bShape), bShape)];
}
