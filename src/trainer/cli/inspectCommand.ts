/** `inspect CHECKPOINT [--json] [--verify]`: manifest, sizes, optimizer, scheduler and trainer state. */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CheckpointError } from '../../core/checkpoint/errors';
import { inspectCheckpoint, type CheckpointInspection } from '../../core/checkpoint/inspect';
import { UsageError, parseCommandArgs, singlePositional } from './args';
import { formatBytes, formatTime, formatValue, table } from './format';

export async function runInspectCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('inspect', argv, {
    json: { type: 'boolean', default: false },
    verify: { type: 'boolean', default: false },
  });
  const path = resolve(singlePositional('inspect', positionals, 'CHECKPOINT'));
  const isFolder = await stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isFolder) throw new UsageError(`inspect: ${path} is not a checkpoint folder`);
  const report = await inspectCheckpoint(path, { verify: values.verify });
  process.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report) + '\n');
  if (!report.valid) {
    const more = report.problems.length > 1 ? ` (+${report.problems.length - 1} more)` : '';
    throw new CheckpointError(
      `inspect: ${path} is not a valid checkpoint: ${report.problems[0] ?? 'unknown problem'}${more}`,
      2,
    );
  }
  return 0;
}

function formatReport(r: CheckpointInspection): string {
  const out: string[] = [];
  out.push(`${r.name}  (${r.path})`);
  out.push(
    `valid: ${r.valid ? 'yes' : 'NO'}${r.verified ? ' (checksums verified)' : ' (sizes checked; --verify checks checksums)'}`,
  );
  for (const p of r.problems) out.push(`  problem: ${p}`);
  if (r.manifest) {
    out.push(
      `step ${r.manifest.step}, save #${r.manifest.save_counter}, created ${r.manifest.created}, modified ${formatTime(r.mtimeMs)}`,
    );
    out.push('', 'files:');
    const rows = r.files.map((f) => [
      f.path,
      formatBytes(f.size),
      `${r.manifest?.checksum_algorithm}:${f.checksum.slice(0, 16)}…`,
    ]);
    out.push(table(['file', 'size', 'checksum'], rows), `total ${formatBytes(r.totalBytes)}`);
  }
  if (r.model) {
    out.push('', `model: ${r.model.parameters.toLocaleString('en-US')} parameters, ${formatBytes(r.model.bytes)}`);
    out.push(
      table(
        ['tensor', 'dtype', 'shape'],
        r.model.tensors.map((t) => [t.name, t.dtype, `[${t.shape.join(', ')}]`]),
      ),
    );
  }
  out.push('');
  if (r.optimizer) {
    const o = r.optimizer;
    out.push(
      `optimizer: ${o.type}, ${o.iterations} steps, slots ${o.slotKinds.join(', ') || '(none)'} on ${o.variables} variables, ${formatBytes(o.bytes)}`,
    );
    for (const [k, v] of Object.entries(o.hyperparameters)) out.push(`  ${k}: ${formatValue(v)}`);
    for (const [k, v] of Object.entries(o.extra)) out.push(`  ${k} (internal): ${v}`);
    if (o.slots.length > 0)
      out.push(
        table(
          ['slot', 'dtype', 'shape'],
          o.slots.map((s) => [s.name, s.dtype ?? '?', s.shape ? `[${s.shape.join(', ')}]` : 'missing']),
        ),
      );
  } else out.push('optimizer: not saved');
  if (r.scheduler) {
    const s = r.scheduler;
    out.push('', `scheduler: ${s.type}, step ${s.step}, last lr ${s.last_lr}, next lr ${s.next_lr}`);
    for (const [k, v] of Object.entries(s.config)) out.push(`  ${k}: ${formatValue(v)}`);
  } else out.push('', 'scheduler: not saved');
  if (r.trainerState) {
    out.push('', 'trainer state:');
    for (const [k, v] of Object.entries(r.trainerState)) out.push(`  ${k}: ${formatValue(v)}`);
  }
  return out.join('\n');
}
