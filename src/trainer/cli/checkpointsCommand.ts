/** `checkpoints DIR [--json] [--verify]`: every checkpoint folder of a run, newest first. */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { listCheckpoints } from '../../core/checkpoint/list';
import type { CheckpointInfo } from '../../core/checkpoint/types';
import { listHfCheckpoints, type HfCheckpointInfo } from '../../core/hf/checkpoints';
import { UsageError, parseCommandArgs, singlePositional } from './args';
import { formatTime, table } from './format';

export async function runCheckpointsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('checkpoints', argv, {
    json: { type: 'boolean', default: false },
    verify: { type: 'boolean', default: false },
  });
  const dir = resolve(singlePositional('checkpoints', positionals, 'DIR'));
  const isFolder = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isFolder)
    throw new UsageError(`checkpoints: ${dir} is not a folder (give a run's output folder or its checkpoints/ folder)`);
  const rows = await listRows(dir, values.verify);
  process.stdout.write(values.json ? JSON.stringify(rows, null, 2) + '\n' : formatRows(dir, rows) + '\n');
  return 0;
}

/**
 * This trainer's checkpoints; a Hugging Face Trainer output folder (checkpoint-<step> folders with
 * trainer_state.json and no manifest) is listed by the Hugging Face reader instead of every folder
 * being called an unfinished save. `--verify` has no checksums to check there.
 */
async function listRows(dir: string, verify: boolean): Promise<Array<CheckpointInfo | HfCheckpointInfo>> {
  const rows = await listCheckpoints(dir, { verifyChecksums: verify });
  if (rows.some((r) => r.valid)) return rows;
  const hf = await listHfCheckpoints(dir);
  // An interrupted save of this trainer also lacks its manifest: only files torch writes tell.
  const torchWritten = hf.some(
    (r) =>
      r.hasOptimizerFile ||
      r.hasSchedulerFile ||
      r.hasScaler ||
      r.rngFiles > 0 ||
      (r.weights !== null && r.weights !== 'safetensors'),
  );
  return torchWritten ? hf : rows;
}

function formatRows(dir: string, rows: Array<CheckpointInfo | HfCheckpointInfo>): string {
  if (rows.length === 0) return `no checkpoints in ${dir}`;
  const body = rows.map((r) => [
    r.latest ? '*' : '',
    r.name,
    r.step === null ? '-' : String(r.step),
    formatTime(r.mtimeMs),
    r.valid ? 'yes' : 'NO',
    r.optimizer ? `${r.optimizer.type} @${r.optimizer.iterations}` : '-',
    r.scheduler ? `${r.scheduler.type} lr=${r.scheduler.next_lr?.toPrecision(4) ?? '?'}` : '-',
    r.problems.join('; '),
  ]);
  return table(['latest', 'name', 'step', 'modified', 'valid', 'optimizer', 'scheduler', 'problems'], body);
}
