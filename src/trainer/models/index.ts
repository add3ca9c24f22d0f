import type { ModelConfig } from '../../core/config/types';
import type { Dataset } from '../data/types';
import { InputError } from '../util/errors';
import { buildCharLm } from './charLm';
import { buildMlp } from './mlp';
import { buildTransformer } from './transformer';
import type { Model } from './types';

export type { Model, Param, ForwardOptions } from './types';

/** Builds the configured model for this dataset, refusing combinations that cannot train. */
export function buildModel(config: ModelConfig, data: Dataset, seed: number): Model {
  if (config.type === 'mlp') {
    if (data.kind !== 'tabular')
      throw new InputError(
        `model.type mlp needs tabular data (synthetic_classification, synthetic_regression or csv), not ${data.kind}`,
        'model.type',
      );
    return buildMlp(
      {
        inputs: data.features,
        outputs: data.outputs,
        hidden: config.hidden,
        activation: config.activation,
        dropout: config.dropout,
        task: data.task,
      },
      seed,
    );
  }
  if (data.kind !== 'text')
    throw new InputError(
      `model.type ${config.type} needs text data (synthetic_text or text), not ${data.kind}`,
      'model.type',
    );
  if (config.type === 'char_lm') {
    return buildCharLm(
      {
        vocab: data.vocab.length,
        cell: config.cell,
        embeddingDim: config.embedding_dim,
        units: config.units,
        layers: config.layers,
        dropout: config.dropout,
      },
      seed,
    );
  }
  if (config.d_model % config.heads !== 0)
    throw new InputError(
      `model.d_model ${config.d_model} must be divisible by model.heads ${config.heads}`,
      'model.heads',
    );
  return buildTransformer(
    {
      vocab: data.vocab.length,
      seqLen: data.seqLen,
      dModel: config.d_model,
      heads: config.heads,
      ffDim: config.ff_dim,
      blocks: config.blocks,
      dropout: config.dropout,
    },
    seed,
  );
}
