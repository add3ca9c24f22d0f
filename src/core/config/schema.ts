/**
 * THE config schema (zod 4): validates the merged result of a config's `extends` chain and --set
 * overrides, fills defaults, and is exported as JSON Schema for editors. Sections are
 * discriminated by `type`, and every object is strict, so a field that belongs to another type
 * (or a typo) is an error. Descriptions show up as hover help in editors.
 */
import * as z from 'zod';
import { DEFAULT_CHECKPOINT_OPTIONS as CKPT } from '../checkpoint/types';
import { launcherSchema } from './launcherSchema';

const wholeAtLeast = (min: number) => z.number().int().min(min);
const positiveInt = () => wholeAtLeast(1);
const dropout = () =>
  z.number().min(0).lt(1).default(0).describe('Fraction of units dropped during training, in [0, 1).');
const fraction = () => z.number().min(0).lt(1);
/** Metrics the trainer logs that can decide the best checkpoint. */
export const BEST_METRICS = ['loss', 'eval_loss', 'eval_accuracy'] as const;

// ---- model ---------------------------------------------------------------------------------
const mlpModel = z.strictObject({
  type: z.literal('mlp').describe('Multi-layer perceptron for tabular / synthetic vector data.'),
  hidden: z.array(positiveInt()).default([64, 64]).describe('Units of each hidden layer, e.g. [64, 64].'),
  activation: z.enum(['relu', 'tanh', 'sigmoid', 'gelu']).default('relu').describe('Hidden-layer activation.'),
  dropout: dropout(),
});
const charLmModel = z.strictObject({
  type: z.literal('char_lm').describe('Character-level language model: embedding then recurrent layers.'),
  cell: z.enum(['gru', 'lstm']).default('gru').describe('Recurrent cell.'),
  embedding_dim: positiveInt().default(32).describe('Size of the character embedding.'),
  units: positiveInt().default(128).describe('Units per recurrent layer.'),
  layers: positiveInt().default(1).describe('Number of stacked recurrent layers.'),
  dropout: dropout(),
});
const transformerModel = z.strictObject({
  type: z.literal('transformer').describe('Small decoder-only transformer over characters.'),
  d_model: positiveInt().default(64).describe('Embedding width; must be divisible by heads.'),
  heads: positiveInt().default(4).describe('Attention heads per block.'),
  ff_dim: positiveInt().default(128).describe('Width of the feed-forward layer in each block.'),
  blocks: positiveInt().default(2).describe('Number of transformer blocks.'),
  dropout: dropout(),
});
export const modelSchema = z
  .discriminatedUnion('type', [mlpModel, charLmModel, transformerModel])
  .describe('The network to train; `type` selects which fields apply.');

// ---- data ----------------------------------------------------------------------------------
const dataSeed = () =>
  wholeAtLeast(0).optional().describe('Seed of the generated data; defaults to the top-level seed.');
const seqLen = () => positiveInt().default(64).describe('Characters per training sequence.');
const syntheticClassification = z.strictObject({
  type: z.literal('synthetic_classification').describe('Deterministic generated classification task (no download).'),
  samples: positiveInt().default(2048).describe('Number of generated examples.'),
  features: positiveInt().default(20).describe('Input features per example.'),
  classes: wholeAtLeast(2).default(4).describe('Number of classes (at least 2).'),
  noise: z.number().min(0).default(0.1).describe('Standard deviation of the noise added to the inputs.'),
  seed: dataSeed(),
});
const syntheticRegression = z.strictObject({
  type: z.literal('synthetic_regression').describe('Deterministic generated regression task (no download).'),
  samples: positiveInt().default(2048).describe('Number of generated examples.'),
  features: positiveInt().default(20).describe('Input features per example.'),
  noise: z.number().min(0).default(0.1).describe('Standard deviation of the noise added to the targets.'),
  seed: dataSeed(),
});
const syntheticText = z.strictObject({
  type: z.literal('synthetic_text').describe('Deterministic generated text corpus for language models (no download).'),
  length: wholeAtLeast(2).default(20000).describe('Characters in the generated corpus.'),
  seed: dataSeed(),
  seq_len: seqLen(),
});
const csvData = z.strictObject({
  type: z.literal('csv').describe('A local CSV file with a header row, for the MLP.'),
  path: z.string().min(1).describe('CSV file, relative to the config file that sets it.'),
  target: z.string().min(1).describe('Header name of the column to predict.'),
  task: z.enum(['classification', 'regression']).describe('Whether the target is a class label or a number.'),
});
const textData = z.strictObject({
  type: z.literal('text').describe('A local UTF-8 text file, for the language models.'),
  path: z.string().min(1).describe('Text file, relative to the config file that sets it.'),
  seq_len: seqLen(),
});
export const dataSchema = z
  .discriminatedUnion('type', [syntheticClassification, syntheticRegression, syntheticText, csvData, textData])
  .describe('Training data; `type` selects which fields apply.');
export const evalDataSchema = z
  .discriminatedUnion('type', [csvData, textData])
  .nullable()
  .default(null)
  .describe(
    'A held-out data file to evaluate on instead of eval_split: of the same type as data (csv: same columns, target and task; text: same seq_len, characters the training text has).',
  );

// ---- optimizer -----------------------------------------------------------------------------
const learningRate = (value: number) =>
  z.number().positive().default(value).describe('Base learning rate (the scheduler scales it).');
const clipNorm = () =>
  z.number().positive().nullable().default(null).describe('Clip gradients to this global norm; null = no clipping.');
const epsilon = () => z.number().positive().default(1e-7).describe('Small constant added for numerical stability.');
const beta = (value: number, what: string) => fraction().default(value).describe(what);
const adamFields = {
  beta1: beta(0.9, 'Decay rate of the first-moment (mean) estimate, in [0, 1).'),
  beta2: beta(0.999, 'Decay rate of the second-moment (variance) estimate, in [0, 1).'),
  epsilon: epsilon(),
  clip_norm: clipNorm(),
};
export const optimizerSchema = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('sgd').describe('Plain stochastic gradient descent.'),
      learning_rate: learningRate(0.01),
      clip_norm: clipNorm(),
    }),
    z.strictObject({
      type: z.literal('momentum').describe('SGD with momentum (optionally Nesterov).'),
      learning_rate: learningRate(0.01),
      momentum: fraction().default(0.9).describe('Momentum coefficient, in [0, 1).'),
      nesterov: z.boolean().default(false).describe('Use Nesterov momentum.'),
      clip_norm: clipNorm(),
    }),
    z.strictObject({ type: z.literal('adam').describe('Adam.'), learning_rate: learningRate(0.001), ...adamFields }),
    z.strictObject({
      type: z.literal('adamw').describe('Adam with decoupled weight decay.'),
      learning_rate: learningRate(0.001),
      ...adamFields,
      weight_decay: z
        .number()
        .min(0)
        .default(0.01)
        .describe('Decoupled weight decay per step (times the learning rate).'),
    }),
    z.strictObject({
      type: z.literal('rmsprop').describe('RMSprop.'),
      learning_rate: learningRate(0.001),
      rho: fraction().default(0.9).describe('Decay rate of the squared-gradient average, in [0, 1).'),
      momentum: fraction().default(0).describe('Momentum coefficient, in [0, 1).'),
      epsilon: epsilon(),
      clip_norm: clipNorm(),
    }),
  ])
  .describe('Optimizer; `type` selects which fields apply.');

// ---- scheduler -----------------------------------------------------------------------------
const warmup = (value = 0) =>
  wholeAtLeast(0).default(value).describe('Steps of linear warmup from 0 to the base learning rate.');
const decaySteps = () =>
  positiveInt()
    .nullable()
    .default(null)
    .describe('Steps over which the decay runs after warmup; null = until max_steps.');
const minLr = () => z.number().min(0).default(0).describe('Learning-rate floor reached at the end of the decay.');
export const schedulerSchema = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('constant').describe('Constant learning rate.') }),
    z.strictObject({
      type: z.literal('linear_warmup').describe('Linear warmup, then constant.'),
      warmup_steps: warmup(100),
    }),
    z.strictObject({
      type: z.literal('cosine').describe('Linear warmup, then cosine decay to min_lr.'),
      warmup_steps: warmup(),
      decay_steps: decaySteps(),
      min_lr: minLr(),
    }),
    z.strictObject({
      type: z.literal('step').describe('Multiply the learning rate by gamma every step_size steps.'),
      step_size: positiveInt().default(1000).describe('Steps between decays.'),
      gamma: z.number().positive().default(0.1).describe('Factor applied at each decay.'),
      warmup_steps: warmup(),
    }),
    z.strictObject({
      type: z.literal('exponential').describe('Multiply the learning rate by gamma every step.'),
      gamma: z.number().positive().default(0.999).describe('Factor applied every step.'),
      warmup_steps: warmup(),
    }),
    z.strictObject({
      type: z.literal('linear').describe('Linear warmup, then linear decay to min_lr.'),
      warmup_steps: warmup(),
      decay_steps: decaySteps(),
      min_lr: minLr(),
    }),
  ])
  .describe('Learning-rate schedule; `type` selects which fields apply.');

// ---- the whole config ----------------------------------------------------------------------
export const configFields = {
  name: z.string().min(1).optional().describe('Run name; defaults to the config file name.'),
  seed: wholeAtLeast(0).default(42).describe('Seed for weight init, shuffling and dropout: same seed, same weights.'),
  output_dir: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Run folder (checkpoints, metrics.jsonl, run.json), relative to the config file that sets it. Default: runs/<name> beside the base config.',
    ),
  max_steps: positiveInt()
    .default(1000)
    .describe('Total optimizer steps of the run (a resumed run continues up to this).'),
  batch_size: positiveInt().default(32).describe('Examples per step.'),
  backend: z
    .enum(['auto', 'cpu', 'wasm', 'tensorflow', 'tensorflow-gpu', 'webgpu'])
    .default('auto')
    .describe(
      'tfjs backend; auto tries tensorflow-gpu (tfjs-node-gpu), webgpu (Dawn), tensorflow (tfjs-node), wasm, then cpu.',
    ),
  device: wholeAtLeast(0).nullable().default(null).describe('GPU index for GPU backends; null = default device.'),
  blas: z
    .string()
    .min(1)
    .default('auto')
    .describe(
      'Matrix products of the wasm backend on a system BLAS (OpenBLAS, MKL, BLIS or Apple Accelerate) through koffi: auto = use one when found, off = WebAssembly only, or the path or file name of a BLAS library.',
    ),
  cpu_threads: positiveInt()
    .nullable()
    .default(null)
    .describe('Threads for the BLAS matrix products; null = the number of cores less one, between 1 and 4.'),
  model: modelSchema,
  data: dataSchema,
  optimizer: optimizerSchema.prefault({ type: 'adam' }),
  scheduler: schedulerSchema.prefault({ type: 'constant' }),
  log_steps: positiveInt().default(10).describe('Log loss and learning rate every N steps.'),
  save_on_stop: z
    .boolean()
    .default(true)
    .describe('Save a checkpoint when the run is stopped (Ctrl+C, SIGTERM, Stop button).'),
  on_save_error: z
    .enum(['stop', 'continue'])
    .default('stop')
    .describe('What to do when a checkpoint cannot be written.'),
  eval_split: z
    .number()
    .gt(0)
    .lt(1)
    .nullable()
    .default(null)
    .describe(
      'Fraction of the data held out for evaluation, the same examples for the same data (text: the end of the text); null = none.',
    ),
  eval_data: evalDataSchema,
  eval_strategy: z
    .enum(['no', 'steps'])
    .optional()
    .describe(
      'Evaluate on the held-out data every eval_steps ("steps") or never ("no"). Default: "steps" when eval_split or eval_data is set, else "no".',
    ),
  eval_steps: positiveInt()
    .nullable()
    .default(null)
    .describe('Evaluate every N steps (and before each save); null = every log_steps.'),
  metric_for_best_model: z
    .enum(BEST_METRICS)
    .nullable()
    .optional()
    .describe(
      'Metric deciding the "best" checkpoint, protected from retention: loss (training), eval_loss or eval_accuracy; null = none. Default: eval_loss when evaluating, else none.',
    ),
  greater_is_better: z
    .boolean()
    .optional()
    .describe(
      'Whether a larger metric_for_best_model is better. Default: false for metrics ending in "loss", else true.',
    ),
  preserve_n_best: positiveInt()
    .default(1)
    .describe(
      'How many of the best checkpoints by metric_for_best_model retention keeps; they count toward save_total_limit.',
    ),
  async_save: z.boolean().default(false).describe('Write checkpoints in the background while training continues.'),
  save_steps: positiveInt().default(CKPT.save_steps).describe('Save a checkpoint every N steps.'),
  save_total_limit: positiveInt()
    .nullable()
    .default(CKPT.save_total_limit)
    .describe('Keep at most N checkpoints (oldest deleted first); null keeps all.'),
  keep_every_steps: positiveInt()
    .nullable()
    .default(CKPT.keep_every_steps)
    .describe('Also keep checkpoints whose step is a multiple of N (must be a multiple of save_steps); null = none.'),
  save_optimizer_state: z
    .boolean()
    .default(CKPT.save_optimizer_state)
    .describe('Save optimizer slots (Adam moments, momentum) with each checkpoint.'),
  save_scheduler_state: z
    .boolean()
    .default(CKPT.save_scheduler_state)
    .describe('Save the learning-rate scheduler state with each checkpoint.'),
  restore_optimizer_state: z
    .boolean()
    .default(CKPT.restore_optimizer_state)
    .describe('Restore optimizer state when resuming.'),
  restore_scheduler_state: z
    .boolean()
    .default(CKPT.restore_scheduler_state)
    .describe('Restore scheduler state when resuming.'),
  resume_from_checkpoint: z
    .union([z.boolean(), z.string().min(1)])
    .default(CKPT.resume_from_checkpoint)
    .describe(
      'true = resume from the latest valid checkpoint in output_dir; a path = that checkpoint; false = start fresh.',
    ),
  launcher: launcherSchema,
};

export const mergedConfigSchema = z.strictObject(configFields).superRefine((config, ctx) => {
  const textModel = config.model.type !== 'mlp';
  const textData = config.data.type === 'synthetic_text' || config.data.type === 'text';
  if (textModel !== textData) {
    ctx.addIssue({
      code: 'custom',
      path: ['data', 'type'],
      message: textModel
        ? `model type "${config.model.type}" reads text; expected data type "synthetic_text" or "text"`
        : 'model type "mlp" reads feature vectors; expected data type "synthetic_classification", "synthetic_regression" or "csv"',
    });
  }
  if (config.model.type === 'transformer' && config.model.d_model % config.model.heads !== 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['model', 'heads'],
      message: `d_model ${config.model.d_model} is not divisible by heads ${config.model.heads}`,
    });
  }
  if (config.data.type === 'synthetic_text' && config.data.length <= config.data.seq_len) {
    ctx.addIssue({
      code: 'custom',
      path: ['data', 'length'],
      message: `length ${config.data.length} must exceed seq_len ${config.data.seq_len}`,
    });
  }
  const scheduler = config.scheduler;
  if ('min_lr' in scheduler && scheduler.min_lr > config.optimizer.learning_rate) {
    ctx.addIssue({
      code: 'custom',
      path: ['scheduler', 'min_lr'],
      message: `min_lr ${scheduler.min_lr} is above optimizer.learning_rate ${config.optimizer.learning_rate}`,
    });
  }
  checkEvaluation(config, ctx);
  if (config.keep_every_steps !== null && config.keep_every_steps % config.save_steps !== 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['keep_every_steps'],
      message: `${config.keep_every_steps} is not a multiple of save_steps ${config.save_steps}, so no checkpoint would ever be kept by it`,
    });
  }
});

export type ParsedConfig = z.output<typeof mergedConfigSchema>;

type ParsedFields = z.output<z.ZodObject<typeof configFields>>;

/** Evaluation needs held-out data, an eval metric needs evaluation, and preserve_n_best must leave room under save_total_limit. */
function checkEvaluation(config: ParsedFields, ctx: z.RefinementCtx): void {
  const heldOut = config.eval_split !== null || config.eval_data !== null;
  const evaluating = (config.eval_strategy ?? (heldOut ? 'steps' : 'no')) === 'steps';
  if (config.eval_strategy === 'steps' && !heldOut) {
    ctx.addIssue({
      code: 'custom',
      path: ['eval_strategy'],
      message: 'evaluation needs held-out data: set eval_split (e.g. 0.1) or eval_data, or eval_strategy: "no"',
    });
  }
  checkEvalData(config, ctx);
  const metric = config.metric_for_best_model;
  if (metric?.startsWith('eval_') && !evaluating) {
    ctx.addIssue({
      code: 'custom',
      path: ['metric_for_best_model'],
      message: `${metric} is only logged when evaluating: set eval_split (e.g. 0.1), or metric_for_best_model: loss`,
    });
  }
  const regression =
    config.data.type === 'synthetic_regression' || (config.data.type === 'csv' && config.data.task === 'regression');
  if (metric === 'eval_accuracy' && regression) {
    ctx.addIssue({
      code: 'custom',
      path: ['metric_for_best_model'],
      message: 'eval_accuracy is logged for classification only, and this data is a regression task: use eval_loss',
    });
  }
  const limit = config.save_total_limit;
  if (config.preserve_n_best > 1 && limit !== null && config.preserve_n_best >= limit) {
    ctx.addIssue({
      code: 'custom',
      path: ['preserve_n_best'],
      message: `${config.preserve_n_best} best checkpoints leave no place for the newest under save_total_limit ${limit}: raise save_total_limit to ${config.preserve_n_best + 1} or more`,
    });
  }
}

/** An eval data file replaces eval_split and must be read like the training data. */
function checkEvalData(config: ParsedFields, ctx: z.RefinementCtx): void {
  const evalData = config.eval_data;
  if (evalData === null) return;
  if (config.eval_split !== null) {
    ctx.addIssue({
      code: 'custom',
      path: ['eval_data'],
      message: 'eval_data and eval_split both give held-out data: keep one',
    });
  }
  if (evalData.type !== config.data.type) {
    ctx.addIssue({
      code: 'custom',
      path: ['eval_data', 'type'],
      message: `"${evalData.type}" differs from data.type "${config.data.type}": the model reads one kind of data; use type ${config.data.type}`,
    });
    return;
  }
  if (evalData.type === 'csv' && config.data.type === 'csv') {
    for (const key of ['target', 'task'] as const) {
      if (evalData[key] !== config.data[key])
        ctx.addIssue({
          code: 'custom',
          path: ['eval_data', key],
          message: `"${evalData[key]}" differs from data.${key} "${config.data[key]}": use the same`,
        });
    }
  }
  if (evalData.type === 'text' && config.data.type === 'text' && evalData.seq_len !== config.data.seq_len) {
    ctx.addIssue({
      code: 'custom',
      path: ['eval_data', 'seq_len'],
      message: `${evalData.seq_len} differs from data.seq_len ${config.data.seq_len}: use the same`,
    });
  }
}
