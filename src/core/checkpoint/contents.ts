/** CheckpointContent ⇄ the files of a checkpoint folder. */
import type { FileToWrite } from './commit';
import { contentProblems } from './consistency';
import { CheckpointError } from './errors';
import {
  checkpointName,
  METADATA_FILE,
  MODEL_FILE,
  OPTIMIZER_STATE_FILE,
  OPTIMIZER_TENSORS_FILE,
  SCHEDULER_FILE,
  TRAINER_STATE_FILE,
} from './layout';
import { encodeSafetensors } from './safetensors';
import type { CheckpointContent } from './types';

function json(value: unknown): Uint8Array[] {
  return [Buffer.from(JSON.stringify(value, null, 2) + '\n', 'utf8')];
}

/** The files to write, honouring save_optimizer_state / save_scheduler_state. Tensor bytes are not copied. */
export function encodeContent(
  content: CheckpointContent,
  options: { saveOptimizer: boolean; saveScheduler: boolean },
  name = checkpointName(content.step),
): FileToWrite[] {
  // Nothing is written that a resume would refuse.
  const problems = contentProblems(content, {
    trainerState: TRAINER_STATE_FILE,
    optimizerState: OPTIMIZER_STATE_FILE,
    scheduler: SCHEDULER_FILE,
    weights: MODEL_FILE,
    optimizerTensors: OPTIMIZER_TENSORS_FILE,
  });
  if (problems.length > 0) throw new CheckpointError(`refusing to save ${name}: ${problems.join('; ')}`, 1);
  const step = String(content.step);
  const files: FileToWrite[] = [{ name: MODEL_FILE, chunks: encodeSafetensors(content.weights, { step }) }];
  if (options.saveOptimizer && content.optimizer) {
    const slotNames = new Set(content.optimizer.state.slots.map((s) => s.name));
    for (const name of Object.keys(content.optimizer.tensors)) {
      if (!slotNames.has(name)) throw new Error(`optimizer tensor "${name}" is not listed in optimizer state slots`);
    }
    files.push({ name: OPTIMIZER_TENSORS_FILE, chunks: encodeSafetensors(content.optimizer.tensors, { step }) });
    files.push({ name: OPTIMIZER_STATE_FILE, chunks: json(content.optimizer.state) });
  }
  if (options.saveScheduler && content.scheduler) files.push({ name: SCHEDULER_FILE, chunks: json(content.scheduler) });
  files.push({ name: TRAINER_STATE_FILE, chunks: json(content.trainerState) });
  if (content.metadata) files.push({ name: METADATA_FILE, chunks: json(content.metadata) });
  return files;
}
