import * as tf from '@tensorflow/tfjs';
import { mixSeed } from '../util/rng';
import { causalSelfAttention } from '../accel';
import {
  type Dense,
  type LayerNorm,
  ParamFactory,
  activate,
  applyInnerDense,
  applyLayerNorm,
  dense,
  disposeParams,
  dropout,
  layerNorm,
  taskLoss,
} from './layers';
import type { ForwardOptions, Model } from './types';

export interface TransformerSpec {
  vocab: number;
  seqLen: number;
  dModel: number;
  heads: number;
  ffDim: number;
  blocks: number;
  dropout: number;
}

interface Block {
  ln1: LayerNorm;
  query: Dense;
  key: Dense;
  value: Dense;
  proj: Dense;
  ln2: LayerNorm;
  ff1: Dense;
  ff2: Dense;
}

/** A small decoder-only (GPT-style, pre-layer-norm) character transformer with learned positions and causal attention. */
export function buildTransformer(spec: TransformerSpec, seed: number): Model {
  if (spec.dModel % spec.heads !== 0) throw new Error(`d_model ${spec.dModel} is not divisible by heads ${spec.heads}`);
  const f = new ParamFactory(seed);
  const d = spec.dModel;
  const tokens = f.normal('embedding/table', [spec.vocab, d], 0.02);
  const positions = f.normal('position/table', [spec.seqLen, d], 0.02);
  const blocks: Block[] = [];
  for (let i = 1; i <= spec.blocks; i++) {
    const p = `block_${i}`;
    blocks.push({
      ln1: layerNorm(f, `${p}/ln_1`, d),
      query: dense(f, `${p}/attention/query`, d, d),
      key: dense(f, `${p}/attention/key`, d, d),
      value: dense(f, `${p}/attention/value`, d, d),
      proj: dense(f, `${p}/attention/output`, d, d),
      ln2: layerNorm(f, `${p}/ln_2`, d),
      ff1: dense(f, `${p}/ffn/dense_1`, d, spec.ffDim),
      ff2: dense(f, `${p}/ffn/dense_2`, spec.ffDim, d),
    });
  }
  const lnFinal = layerNorm(f, 'ln_final', d);
  const output = dense(f, 'output', d, spec.vocab);

  const outputs = (x: tf.Tensor, { training, dropoutSeed }: ForwardOptions): tf.Tensor2D => {
    const [b, t, v] = x.shape as [number, number, number];
    if (t > spec.seqLen) throw new Error(`sequence of ${t} exceeds the model's seq_len ${spec.seqLen}`);
    const emb = tf.reshape(tf.matMul(tf.reshape(x, [b * t, v]) as tf.Tensor2D, tokens as tf.Tensor2D), [b, t, d]);
    let h = tf.add(emb, tf.slice(positions, [0, 0], [t, d])) as tf.Tensor;
    h = dropout(h, spec.dropout, mixSeed(dropoutSeed, 0), training);
    blocks.forEach((block, i) => {
      const seedBase = mixSeed(dropoutSeed, i + 1);
      h = tf.add(h, attention(block, spec, applyLayerNorm(block.ln1, h), b, t, seedBase, training));
      const ff = applyInnerDense(
        block.ff2,
        activate(
          applyInnerDense(block.ff1, tf.reshape(applyLayerNorm(block.ln2, h), [b * t, d]) as tf.Tensor2D),
          'gelu',
        ) as tf.Tensor2D,
      );
      h = tf.add(h, dropout(tf.reshape(ff, [b, t, d]), spec.dropout, mixSeed(seedBase, 2), training));
    });
    return applyInnerDense(output, tf.reshape(applyLayerNorm(lnFinal, h), [b * t, d]) as tf.Tensor2D);
  };

  return {
    params: f.params,
    task: 'classification',
    outputs,
    loss(x, y, options) {
      const logits = outputs(x, options);
      return taskLoss('classification', logits, tf.reshape(y, logits.shape) as tf.Tensor2D);
    },
    describe: () => ({ type: 'transformer', ...spec, parameters: f.params.reduce((n, p) => n + p.variable.size, 0) }),
    dispose: () => disposeParams(f.params),
  };
}

function attention(
  block: Block,
  spec: TransformerSpec,
  x: tf.Tensor,
  b: number,
  t: number,
  seed: number,
  training: boolean,
): tf.Tensor {
  const d = spec.dModel;
  // q, k and v from one product against the three kernels side by side (the variables keep their own names and shapes).
  const qkvLayer = {
    kernel: tf.concat([block.query.kernel, block.key.kernel, block.value.kernel], 1),
    bias: tf.concat([block.query.bias, block.key.bias, block.value.bias]),
  };
  const qkv = tf.reshape(applyInnerDense(qkvLayer, tf.reshape(x, [b * t, d]) as tf.Tensor2D), [
    b,
    t,
    3 * d,
  ]) as tf.Tensor3D;
  // Dropout on the attention weights needs them as a tensor: then the op-by-op path.
  const weightsDropout =
    training && spec.dropout > 0 ? (w: tf.Tensor) => dropout(w, spec.dropout, mixSeed(seed, 1), training) : undefined;
  const mixed = causalSelfAttention(qkv, spec.heads, weightsDropout);
  return tf.reshape(applyInnerDense(block.proj, tf.reshape(mixed, [b * t, d]) as tf.Tensor2D), [b, t, d]);
}
