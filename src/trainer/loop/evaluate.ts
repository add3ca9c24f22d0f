/**
 * Evaluation on the held-out data: the loss the model trains on, and accuracy for classification
 * (the share of rows whose largest output is the target class; for the language models, of
 * predicted characters). Batches run in a fixed order in inference mode (no dropout, no RNG, no
 * sampler), so evaluating never changes what training does next.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data';
import type { Model } from '../models';
import { taskLoss } from '../models/layers';

export interface EvalMetrics {
  /** Mean over the held-out rows; null when not finite (JSON has no NaN). */
  eval_loss: number | null;
  /** Classification only. */
  eval_accuracy?: number;
}

export interface EvalResult {
  metrics: EvalMetrics;
  /** Held-out examples evaluated. */
  examples: number;
  durationMs: number;
}

export async function evaluateModel(model: Model, data: Dataset, batchSize: number): Promise<EvalResult> {
  const started = performance.now();
  let lossSum = 0;
  let correct = 0;
  let rows = 0;
  for (let start = 0; start < data.size; start += batchSize) {
    const indices = Uint32Array.from({ length: Math.min(batchSize, data.size - start) }, (_, i) => start + i);
    const arrays = data.batch(indices);
    const [loss, hits, count] = tf.tidy(() => {
      const x = tf.tensor(arrays.x, arrays.xShape, 'float32');
      const y = tf.tensor(arrays.y, arrays.yShape, 'float32');
      const out = model.outputs(x, { training: false, dropoutSeed: 0 });
      const target = tf.reshape(y, model.task === 'classification' ? out.shape : [out.shape[0], -1]) as tf.Tensor2D;
      const hits =
        model.task === 'classification'
          ? tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), tf.argMax(target, 1)), 'float32'))
          : tf.scalar(0);
      return [taskLoss(model.task, out, target), hits, out.shape[0]] as const;
    });
    // Read asynchronously: backends without synchronous reads (WebGPU in Node) evaluate too.
    const [lossValue, hitsValue] = await Promise.all([loss.data(), hits.data()]);
    loss.dispose();
    hits.dispose();
    lossSum += lossValue[0]! * count;
    correct += hitsValue[0]!;
    rows += count;
  }
  const meanLoss = lossSum / rows;
  const metrics: EvalMetrics = { eval_loss: Number.isFinite(meanLoss) ? meanLoss : null };
  if (model.task === 'classification') metrics.eval_accuracy = correct / rows;
  return { metrics, examples: data.size, durationMs: performance.now() - started };
}
