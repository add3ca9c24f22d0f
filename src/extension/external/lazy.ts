/**
 * The external-trainer and Hugging Face code, loaded on first use rather than at activation
 * (`require`, not `import`, so esbuild defers the module's initialisation, as checkpointEngine does).
 */
import type { CheckpointSource } from '../model/checkpointEngine';

type External = typeof import('./index');
export const external = (): External => require('./index') as External;

/** `native` plus Hugging Face checkpoint folders, for run folders that have no native checkpoints. */
export function hfAwareSource(native: CheckpointSource): CheckpointSource {
  let combined: CheckpointSource | undefined;
  // Only the Hugging Face listing: ./index would also load the external-trainer config reader (YAML).
  const get = () =>
    (combined ??= (require('./hfCheckpointSource') as typeof import('./hfCheckpointSource')).withHfCheckpoints(native));
  return {
    list: (runDir, request) => get().list(runDir, request),
    trainerSummary: (checkpointPath) => get().trainerSummary(checkpointPath),
  };
}
