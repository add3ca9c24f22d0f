/** File names of a Hugging Face Trainer checkpoint folder (`<output_dir>/checkpoint-<step>/`). */

export const HF_TRAINER_STATE = 'trainer_state.json';
export const HF_OPTIMIZER = 'optimizer.pt';
export const HF_SCHEDULER = 'scheduler.pt';
export const HF_SCALER = 'scaler.pt';
export const HF_SAFE_WEIGHTS = 'model.safetensors';
export const HF_SAFE_INDEX = 'model.safetensors.index.json';
export const HF_BIN_WEIGHTS = 'pytorch_model.bin';
export const HF_BIN_INDEX = 'pytorch_model.bin.index.json';
/** Native checkpoints have one; a folder with it is not a Hugging Face checkpoint. */
export const NATIVE_MANIFEST = 'manifest.json';

/** `rng_state.pth` (one process) or `rng_state_<rank>.pth` (one per rank); rank null for the former. */
export function rngRank(name: string): number | null | undefined {
  if (name === 'rng_state.pth') return null;
  const match = /^rng_state_(\d+)\.pth$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** The step in `checkpoint-<step>`, or null for any other name (e.g. `tmp-checkpoint-<step>` mid-save). */
export function hfStepFromName(name: string): number | null {
  const match = /^checkpoint-(\d+)$/.exec(name);
  return match ? Number(match[1]) : null;
}

/** Files whose presence marks a Hugging Face checkpoint even when trainer_state.json is missing. */
export function isHfMarkerFile(name: string): boolean {
  return (
    name === HF_TRAINER_STATE ||
    name === HF_OPTIMIZER ||
    name === HF_SCHEDULER ||
    name === HF_SCALER ||
    name === HF_SAFE_WEIGHTS ||
    name === HF_SAFE_INDEX ||
    name === HF_BIN_WEIGHTS ||
    name === HF_BIN_INDEX ||
    rngRank(name) !== undefined
  );
}

/** Files only a Hugging Face checkpoint has: trainer_state.json and model.safetensors are in native ones too. */
export function isHfOnlyFile(name: string): boolean {
  return isHfMarkerFile(name) && name !== HF_TRAINER_STATE && name !== HF_SAFE_WEIGHTS;
}
