/**
 * `backends [--json] [--only a,b]`: which tfjs backends this trainer can use on this machine, in the
 * order `auto` tries them, and why each unavailable one is not. Exit 0 whatever is available.
 */
import { type ConcreteBackend, AUTO_ORDER } from '../backend/selectBackend';
import { probeBackends } from '../backend/probeBackends';
import { releaseGpuGlobals } from '../backend/release';
import { parseCommandArgs, UsageError } from './args';

const HELP = `Usage: training-runs backends [--json] [--only ${AUTO_ORDER.join(',')}]

Initialises each backend in the order auto tries them and says which work here and why the others
do not (not installed, no GPU adapter, failed to load under Electron, ...).`;

export async function runBackendsCommand(argv: string[]): Promise<number> {
  const args = parseCommandArgs('backends', argv, {
    json: { type: 'boolean' },
    only: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (args.values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`backends: unexpected argument "${args.positionals[0]}"`);
  const only = args.values.only ? args.values.only.split(',').map((s) => s.trim()) : [...AUTO_ORDER];
  for (const name of only)
    if (!AUTO_ORDER.includes(name as ConcreteBackend))
      throw new UsageError(`backends --only: unknown backend "${name}"; choose from ${AUTO_ORDER.join(', ')}`);
  const report = await probeBackends(only as ConcreteBackend[]);
  releaseGpuGlobals();
  if (args.values.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return 0;
  }
  for (const b of report.backends)
    process.stdout.write(`${b.available ? 'yes' : 'no '}  ${b.name.padEnd(15)} ${b.reason}\n`);
  process.stdout.write(`auto picks: ${report.auto ?? 'nothing'}\n`);
  return 0;
}
