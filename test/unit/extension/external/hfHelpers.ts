/** Hand-made Hugging Face checkpoint folders for the extension's tests (the core tests use real PyTorch output). */
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export interface HfCheckpointSpec {
  /** Log entries: defaults to one loss entry per step up to `step`. */
  log?: Array<{ step: number; loss?: number; learning_rate?: number; epoch?: number; eval_loss?: number }>;
  best?: string | null;
  maxSteps?: number;
  mtimeMs?: number;
  rngRanks?: number;
  withOptimizer?: boolean;
}

/** Writes `<outputDir>/checkpoint-<step>/` with trainer_state.json and an empty-but-valid model.safetensors. */
export function writeHfCheckpoint(outputDir: string, step: number, spec: HfCheckpointSpec = {}): string {
  const dir = path.join(outputDir, `checkpoint-${step}`);
  mkdirSync(dir, { recursive: true });
  const log =
    spec.log ??
    Array.from({ length: step }, (_, i) => ({ step: i + 1, loss: 1 / (i + 1), learning_rate: 0.01, epoch: i / 10 }));
  const header = Buffer.from('{}');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  writeFileSync(path.join(dir, 'model.safetensors'), Buffer.concat([len, header]));
  // An empty zip archive (end-of-central-directory record only): enough for the archive check.
  const emptyZip = Buffer.concat([Buffer.from('PK\x05\x06', 'latin1'), Buffer.alloc(18)]);
  for (let rank = 0; rank < (spec.rngRanks ?? 0); rank++)
    writeFileSync(path.join(dir, `rng_state_${rank}.pth`), emptyZip);
  const state = {
    global_step: step,
    epoch: step / 10,
    max_steps: spec.maxSteps ?? 100,
    log_history: log,
    best_model_checkpoint: spec.best ?? null,
    best_metric: spec.best ? 0.5 : null,
  };
  const stateFile = path.join(dir, 'trainer_state.json');
  writeFileSync(stateFile, JSON.stringify(state));
  if (spec.mtimeMs !== undefined) utimesSync(stateFile, spec.mtimeMs / 1000, spec.mtimeMs / 1000);
  return dir;
}
