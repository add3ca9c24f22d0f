/** One throughput measurement in this process: activate the backend, warm up, time fixed steps. */
import { activateBackend, type ConcreteBackend } from '../../src/trainer/backend/selectBackend';
import { type GpuModelName, gpuTrainable } from './models';

export interface GpuMeasurement {
  model: GpuModelName;
  backend: string;
  steps: number;
  seconds: number;
  stepsPerSecond: number;
  /** Seconds of the first (warm-up) step: shader compilation and uploads on a GPU. */
  firstStepSeconds: number;
  loss: number;
  detail: string;
}

export interface MeasurePlan {
  warmup: number;
  steps: number;
  maxSeconds: number;
}

export async function measure(
  model: GpuModelName,
  backend: ConcreteBackend,
  plan: MeasurePlan,
): Promise<GpuMeasurement> {
  const active = await activateBackend(backend, null);
  if (!active.ok) throw new Error(`${backend}: ${active.reason}`);
  const job = gpuTrainable(model);
  try {
    const maxMs = plan.maxSeconds * 1000;
    const warmStart = performance.now();
    await job.step();
    const firstStepSeconds = (performance.now() - warmStart) / 1000;
    for (let i = 1; i < plan.warmup && performance.now() - warmStart < maxMs; i++) await job.step();
    let steps = 0;
    let loss = NaN;
    const start = performance.now();
    // Fixed steps, cut short on slow backends so one measurement stays bounded.
    while (steps < plan.steps && (steps === 0 || performance.now() - start < maxMs)) {
      loss = await job.step();
      steps++;
    }
    const seconds = (performance.now() - start) / 1000;
    return {
      model,
      backend,
      steps,
      seconds,
      stepsPerSecond: steps / seconds,
      firstStepSeconds,
      loss,
      detail: active.detail ?? '',
    };
  } finally {
    job.dispose();
  }
}
