/** `prune-optimizer CHECKPOINT [--json]`: removes a checkpoint's optimizer state on purpose (see core/checkpoint/pruneOptimizer.ts). */
import { resolve } from 'node:path';
import { pruneOptimizerState } from '../../core/checkpoint/pruneOptimizer';
import { parseCommandArgs, singlePositional } from './args';

export async function runPruneOptimizerCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('prune-optimizer', argv, {
    json: { type: 'boolean', default: false },
  });
  const checkpoint = resolve(singlePositional('prune-optimizer', positionals, 'CHECKPOINT'));
  const result = await pruneOptimizerState(checkpoint);
  const text =
    result.removed.length === 0
      ? `${checkpoint} has no optimizer state: nothing removed`
      : `removed ${result.removed.join(', ')} (${result.bytes} bytes) from ${checkpoint}; it stays valid and resumes with a fresh optimizer`;
  process.stdout.write(values.json ? `${JSON.stringify({ path: checkpoint, ...result })}\n` : `${text}\n`);
  return 0;
}
