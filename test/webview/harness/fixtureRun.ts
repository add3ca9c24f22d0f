/**
 * Realistic-looking run data for the panel: a noisy, decaying loss with occasional spikes and a
 * NaN, and a warm-up + cosine learning rate; deterministic (seeded) so tests and screenshots repeat.
 */
import type { CheckpointMarker, RunSnapshot, Series } from '../../../src/core/protocol/webview';
import { Rng } from '../../../src/trainer/util/rng';

export interface FixtureOptions {
  steps: number;
  seed?: number;
  /** Loss the curve decays to. */
  floor?: number;
  baseLr?: number;
  warmup?: number;
  /** Steps at which the loss is NaN (JSON null). */
  nanAt?: number[];
}

export function fixtureSeries(o: FixtureOptions): Series {
  const rng = new Rng(o.seed ?? 1);
  const random = () => rng.next();
  const floor = o.floor ?? 0.12;
  const baseLr = o.baseLr ?? 1e-3;
  const warmup = o.warmup ?? Math.round(o.steps * 0.05);
  const nan = new Set(o.nanAt ?? []);
  const series: Series = { steps: [], loss: [], lr: [] };
  for (let step = 1; step <= o.steps; step++) {
    const trend = floor + 2.2 * Math.exp(-step / (o.steps / 6));
    const noise = (random() - 0.5) * 0.35 * trend + (random() < 0.004 ? random() * trend : 0);
    const lr =
      step < warmup
        ? (baseLr * step) / warmup
        : baseLr * 0.5 * (1 + Math.cos((Math.PI * (step - warmup)) / (o.steps - warmup)));
    series.steps.push(step);
    series.loss.push(nan.has(step) ? null : Math.max(1e-4, trend + noise));
    series.lr.push(lr);
  }
  return series;
}

export function fixtureCheckpoints(
  runDir: string,
  steps: number[],
  options: { invalid?: number[]; best?: number } = {},
): CheckpointMarker[] {
  const validSteps = steps.filter((s) => !(options.invalid ?? []).includes(s));
  const latest = Math.max(...validSteps);
  return steps.map((step) => {
    const valid = validSteps.includes(step);
    return {
      name: `checkpoint-${step}`,
      path: `${runDir}/checkpoints/checkpoint-${step}`,
      step,
      valid,
      latest: valid && step === latest,
      best: step === options.best,
      problems: valid ? [] : ['manifest.json is missing (the save was interrupted)'],
      mtimeMs: Date.UTC(2026, 10, 28, 21, 0, 0) + step * 1000,
    };
  });
}

export function fixtureRun(
  runDir: string,
  label: string,
  series: Series,
  extra: Partial<RunSnapshot> = {},
): RunSnapshot {
  return {
    runDir,
    label,
    state: 'finished',
    series,
    totalPoints: series.steps.length,
    checkpoints: [],
    resumes: [],
    ...extra,
  };
}
