/**
 * Cross-checks between the parts of a checkpoint that checksums cannot catch (each file is intact,
 * yet they disagree): the trainer state's step against the manifest's, counters a JSON number holds
 * exactly, tensor dtypes against their data, optimizer slots against the weights they belong to.
 * Run before a save (nothing is written that a resume would refuse) and at load (a checkpoint
 * that fails is passed over like one whose checksum fails).
 */
import type { CheckpointContent, DType, TensorEntry, TensorMap } from './types';

export interface ConsistencyLabels {
  trainerState: string;
  optimizerState: string;
  scheduler: string;
  weights: string;
  optimizerTensors: string;
}

/** Problems of `content`, each naming the file (label) and what disagrees; [] when consistent. */
export function contentProblems(
  content: CheckpointContent,
  labels: ConsistencyLabels,
  expectedWeightsDtype?: DType,
): string[] {
  const problems: string[] = [];
  const counter = (label: string, field: string, value: number): void => {
    if (!Number.isSafeInteger(value) || value < 0)
      problems.push(
        `${label}: ${field} ${value} is not a whole number between 0 and 2^53 (JSON cannot hold it exactly)`,
      );
  };
  counter(labels.trainerState, 'global_step', content.trainerState.global_step);
  if (content.trainerState.global_step !== content.step) {
    problems.push(
      `${labels.trainerState}: global_step ${content.trainerState.global_step} disagrees with the checkpoint's step ${content.step}`,
    );
  }
  if (content.optimizer) counter(labels.optimizerState, 'iterations', content.optimizer.state.iterations);
  if (content.scheduler) counter(labels.scheduler, 'step', content.scheduler.step);
  problems.push(...tensorMapProblems(content.weights, labels.weights));
  if (expectedWeightsDtype) {
    for (const [name, tensor] of Object.entries(content.weights)) {
      if (tensor.dtype !== expectedWeightsDtype)
        problems.push(
          `${labels.weights}: weight "${name}" is ${tensor.dtype}, the model's weights are ${expectedWeightsDtype}`,
        );
    }
  }
  if (content.optimizer) {
    const { state, tensors } = content.optimizer;
    problems.push(...tensorMapProblems(tensors, labels.optimizerTensors));
    for (const slot of state.slots) {
      const tensor = tensors[slot.name];
      const variable = content.weights[slot.variable];
      if (!tensor)
        problems.push(
          `${labels.optimizerTensors}: slot tensor "${slot.name}" listed in ${labels.optimizerState} is missing`,
        );
      else if (!variable)
        problems.push(
          `${labels.optimizerState}: slot "${slot.name}" belongs to "${slot.variable}", which is not among the weights`,
        );
      else if (!sameShape(tensor, variable) || tensor.dtype !== variable.dtype) {
        problems.push(
          `${labels.optimizerTensors}: slot "${slot.name}" is ${describe(tensor)} but its weight "${slot.variable}" is ${describe(variable)}`,
        );
      }
    }
  }
  return problems;
}

function tensorMapProblems(tensors: TensorMap, label: string): string[] {
  const problems: string[] = [];
  for (const [name, tensor] of Object.entries(tensors)) {
    const dataType =
      tensor.data instanceof Float32Array ? 'float32' : tensor.data instanceof Int32Array ? 'int32' : null;
    if (dataType !== tensor.dtype)
      problems.push(`${label}: tensor "${name}" says ${tensor.dtype} but holds ${dataType ?? 'other'} data`);
    const count = tensor.shape.reduce((a, b) => a * b, 1);
    if (count !== tensor.data.length)
      problems.push(
        `${label}: tensor "${name}" has ${tensor.data.length} values for shape [${tensor.shape.join(', ')}]`,
      );
  }
  return problems;
}

const sameShape = (a: TensorEntry, b: TensorEntry): boolean =>
  a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
const describe = (t: TensorEntry): string => `${t.dtype} [${t.shape.join(', ')}]`;
