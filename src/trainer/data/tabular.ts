import { Rng } from '../util/rng';
import type { TabularDataset } from './types';

/** Wraps an in-memory feature matrix (row-major) and its targets. */
export function tabularDataset(
  features: Float32Array,
  featureCount: number,
  targets: Float32Array,
  task: 'classification' | 'regression',
  classes: number,
  description: Record<string, unknown>,
): TabularDataset {
  const size = targets.length;
  const outputs = task === 'classification' ? classes : 1;
  return {
    kind: 'tabular',
    task,
    size,
    features: featureCount,
    outputs,
    batch(indices) {
      const n = indices.length;
      const x = new Float32Array(n * featureCount);
      const y = new Float32Array(n * outputs);
      for (let b = 0; b < n; b++) {
        const row = indices[b]!;
        x.set(features.subarray(row * featureCount, (row + 1) * featureCount), b * featureCount);
        if (task === 'classification') y[b * outputs + targets[row]!] = 1;
        else y[b] = targets[row]!;
      }
      return { x, xShape: [n, featureCount], y, yShape: [n, outputs] };
    },
    describe: () => ({ ...description, size, features: featureCount, outputs, task }),
  };
}

/** Gaussian blobs: one random centre per class, samples scattered around it with `noise` std. */
export function syntheticClassification(
  samples: number,
  features: number,
  classes: number,
  noise: number,
  seed: number,
): TabularDataset {
  const rng = new Rng(seed);
  const centres = new Float32Array(classes * features);
  for (let i = 0; i < centres.length; i++) centres[i] = rng.normal();
  const x = new Float32Array(samples * features);
  const y = new Float32Array(samples);
  for (let s = 0; s < samples; s++) {
    const c = rng.int(classes);
    y[s] = c;
    for (let f = 0; f < features; f++) x[s * features + f] = centres[c * features + f]! + noise * rng.normal();
  }
  return tabularDataset(x, features, y, 'classification', classes, { type: 'synthetic_classification', seed });
}

/** A random linear function of normal features plus `noise` std of Gaussian noise. */
export function syntheticRegression(samples: number, features: number, noise: number, seed: number): TabularDataset {
  const rng = new Rng(seed);
  const w = new Float64Array(features);
  for (let f = 0; f < features; f++) w[f] = rng.normal();
  const x = new Float32Array(samples * features);
  const y = new Float32Array(samples);
  for (let s = 0; s < samples; s++) {
    let t = 0;
    for (let f = 0; f < features; f++) {
      const v = rng.normal();
      x[s * features + f] = v;
      t += v * w[f]!;
    }
    y[s] = t + noise * rng.normal();
  }
  return tabularDataset(x, features, y, 'regression', 1, { type: 'synthetic_regression', seed });
}
