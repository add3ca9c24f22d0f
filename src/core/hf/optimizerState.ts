/**
 * What a PyTorch optimizer.pt (torch.save(optimizer.state_dict())) says without running Python:
 * `{'state': {param_index: {slot: tensor, 'step': tensor}}, 'param_groups': [{lr, betas, ...,
 * 'params': [indices]}]}`. The optimizer's class is NOT stored; it is inferred from the slot names
 * and the hyper-parameter names, and reported as inferred.
 */
import type { OptimizerSummary } from '../checkpoint/types';
import { PickleDict, PickleTuple, type PickleValue } from './pickle';
import { describeTensor, withTorchFile, type TorchFile } from './torchFile';

export type HyperparameterValue = number | boolean | string | null;

export interface HfOptimizerSummary extends OptimizerSummary {
  /** Always true: optimizer.pt does not record the optimizer class. */
  typeInferred: true;
  /** What the type was inferred from, e.g. "state keys exp_avg, exp_avg_sq". */
  typeInferredFrom: string;
  /** A caveat about the inference, e.g. Adam vs AdamW; null when none. */
  typeNote: string | null;
  /** Every parameter group's hyper-parameters under torch's names, plus `params` as a count. */
  paramGroups: Array<Record<string, HyperparameterValue>>;
  /** How many parameters hold each slot (e.g. { exp_avg: 4, exp_avg_sq: 4 }). */
  slotCounts: Record<string, number>;
  /** Where `iterations` came from: the largest per-parameter `step` in optimizer.pt, or the caller's fallback. */
  iterationsSource: 'optimizer.pt' | 'fallback';
}

const ADAM_NOTE =
  'Adam and AdamW store the same state (exp_avg, exp_avg_sq) and the same hyper-parameter names; ' +
  'whether weight_decay is decoupled (AdamW) cannot be told from optimizer.pt';

/** Torch's hyper-parameter names → the names native checkpoints use (see OptimizerState). */
const NATIVE_NAMES: Record<string, string> = { lr: 'learning_rate', eps: 'epsilon' };

/** Reads `path` (optimizer.pt); `fallbackIterations` (e.g. trainer_state's global_step) when no `step` is stored. */
export async function readOptimizerSummary(
  path: string,
  bytes: number,
  fallbackIterations: number,
): Promise<HfOptimizerSummary> {
  return withTorchFile(path, (file) => summarizeOptimizer(file, bytes, fallbackIterations));
}

export async function summarizeOptimizer(
  file: TorchFile,
  bytes: number,
  fallbackIterations: number,
): Promise<HfOptimizerSummary> {
  const root = file.root;
  if (
    !(root instanceof PickleDict) ||
    !(root.get('state') instanceof PickleDict) ||
    !Array.isArray(root.get('param_groups'))
  ) {
    throw new Error(`${file.path}: not an optimizer state_dict (expected a dict with "state" and "param_groups")`);
  }
  const state = root.get('state') as PickleDict;
  const groups = (root.get('param_groups') as PickleValue[]).filter((g): g is PickleDict => g instanceof PickleDict);

  const slotCounts: Record<string, number> = {};
  let maxStep: number | null = null;
  for (const perParam of state.map.values()) {
    if (!(perParam instanceof PickleDict)) continue;
    for (const [key, value] of perParam.map) {
      if (typeof key !== 'string') continue;
      if (key === 'step') {
        const step = typeof value === 'number' ? value : await file.readScalar(value);
        if (step !== null && (maxStep === null || step > maxStep)) maxStep = step;
        continue;
      }
      if (value === null) continue; // e.g. SGD's momentum_buffer when momentum == 0
      slotCounts[key] = (slotCounts[key] ?? 0) + 1;
    }
  }

  const paramGroups = groups.map(groupHyperparameters);
  const inference = inferType(Object.keys(slotCounts), paramGroups[0] ?? {});
  return {
    type: inference.type,
    typeInferred: true,
    typeInferredFrom: inference.from,
    typeNote: inference.note,
    hyperparameters: nativeHyperparameters(paramGroups[0] ?? {}),
    paramGroups,
    iterations: maxStep ?? fallbackIterations,
    iterationsSource: maxStep === null ? 'fallback' : 'optimizer.pt',
    slotKinds: Object.keys(slotCounts),
    slotCounts,
    variables: state.map.size,
    bytes,
  };
}

function groupHyperparameters(group: PickleDict): Record<string, HyperparameterValue> {
  const out: Record<string, HyperparameterValue> = {};
  for (const [key, value] of group.map) {
    if (typeof key !== 'string') continue;
    if (key === 'params' && Array.isArray(value)) out.params = value.length;
    else out[key] = plainValue(value);
  }
  return out;
}

/** betas → beta1/beta2, lr → learning_rate, eps → epsilon; `params` and unreadable values dropped. */
function nativeHyperparameters(group: Record<string, HyperparameterValue>): Record<string, HyperparameterValue> {
  const out: Record<string, HyperparameterValue> = {};
  for (const [key, value] of Object.entries(group)) {
    if (key === 'params') continue;
    // Only "a,b" as plainValue writes a tuple of numbers; any other betas keeps its own name.
    const betas = key === 'betas' && typeof value === 'string' ? value.split(',').map(Number) : [];
    if (betas.length === 2 && betas.every(Number.isFinite)) {
      [out.beta1, out.beta2] = betas as [number, number];
      continue;
    }
    out[NATIVE_NAMES[key] ?? key] = value;
  }
  return out;
}

/** Scalars as they are; tuples of numbers as "a,b" (betas); anything else as a short description. */
function plainValue(value: PickleValue): HyperparameterValue {
  if (value === null || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string')
    return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof PickleTuple && value.items.every((item) => typeof item === 'number'))
    return value.items.join(',');
  const tensor = describeTensor(value);
  if (tensor) return `tensor(${tensor.dtype}[${tensor.shape.join('x')}])`;
  return `<${value.constructor.name}>`;
}

interface Inference {
  type: string;
  from: string;
  note: string | null;
}

/** Slot names first (they are what the update rule keeps); hyper-parameter names when no slots exist yet. */
export function inferType(slots: string[], group: Record<string, HyperparameterValue>): Inference {
  const has = (...names: string[]): boolean => names.every((name) => slots.includes(name));
  const fromSlots = (type: string, note: string | null = null): Inference => ({
    type,
    from: `state keys ${slots.join(', ')}`,
    note,
  });
  if (has('square_avg', 'acc_delta')) return fromSlots('adadelta');
  if (has('square_avg')) return fromSlots('rmsprop');
  if (has('exp_avg', 'exp_inf')) return fromSlots('adamax');
  if (has('exp_avg', 'exp_avg_sq')) return fromSlots('adam/adamw', ADAM_NOTE);
  if (has('sum')) return fromSlots('adagrad');
  if (has('momentum_buffer')) return fromSlots('momentum');
  if (has('prev', 'step_size')) return fromSlots('rprop');

  const keys = Object.keys(group);
  const fromGroup = (type: string, note: string | null = null): Inference => ({
    type,
    from: `param_groups keys ${keys.filter((k) => k !== 'params').join(', ')} (no slot tensors in state)`,
    note,
  });
  if (keys.includes('nesterov') && keys.includes('dampening'))
    return fromGroup(Number(group.momentum) > 0 ? 'momentum' : 'sgd');
  if (keys.includes('alpha') && keys.includes('centered')) return fromGroup('rmsprop');
  if (keys.includes('betas')) return fromGroup('adam/adamw', ADAM_NOTE);
  return {
    type: 'unknown',
    from: `state keys ${slots.join(', ') || '(none)'}`,
    note: 'no known optimizer keeps these keys',
  };
}
