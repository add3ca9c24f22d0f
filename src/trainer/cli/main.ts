/**
 * The command-line entry (bundled to dist/trainer.js; `npm run cli -- <command>`).
 * Exit codes: 0 ok, 1 runtime failure, 2 bad usage or bad input (one-line reason on stderr).
 * Commands are loaded lazily so `checkpoints` and `inspect` start without loading tfjs.
 */
import { CheckpointError } from '../../core/checkpoint/errors';
import { releaseGpuGlobals } from '../backend/release';
import { UsageError } from './args';
import packageJson from '../../../package.json';

const USAGE = `Usage: training-runs <command> [options]

Commands:
  train CONFIG [options]             train a model from a YAML config (train --help for options)
  checkpoints DIR [--json]           list the checkpoints of a run folder (or its checkpoints/ folder), newest first
  inspect CHECKPOINT [--json] [--verify]
                                     show a checkpoint's manifest, sizes, optimizer, scheduler and trainer state;
                                     --verify also checks every file's checksum
  prune-optimizer CHECKPOINT [--json]
                                     remove a checkpoint's optimizer state on purpose (it stays valid; a resume
                                     starts the optimizer afresh)
  backends [--json]                  which tfjs backends (GPU, wasm, cpu) work here, and why not the others

Options:
  --help       show this help
  --version    show the version

Exit codes: 0 ok, 1 runtime failure, 2 bad usage or bad input.`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(USAGE + '\n');
      return 0;
    case '--version':
    case '-V':
      process.stdout.write(`${packageJson.version}\n`);
      return 0;
    case 'checkpoints':
      return (await import('./checkpointsCommand.js')).runCheckpointsCommand(rest);
    case 'inspect':
      return (await import('./inspectCommand.js')).runInspectCommand(rest);
    case 'prune-optimizer':
      return (await import('./pruneOptimizerCommand.js')).runPruneOptimizerCommand(rest);
    case 'backends':
      return (await import('./backendsCommand.js')).runBackendsCommand(rest);
    case 'train': {
      const { runTrainCommand } = await import('./trainCommand.js');
      // Dawn's GPU object would keep the process alive after a WebGPU run.
      return runTrainCommand(rest).finally(() => releaseGpuGlobals());
    }
    case undefined:
      throw new UsageError(
        'missing command (backends, checkpoints, inspect, prune-optimizer or train); run with --help for usage',
      );
    default:
      throw new UsageError(
        `unknown command "${command}" (expected backends, checkpoints, inspect, prune-optimizer or train); run with --help for usage`,
      );
  }
}

/** One line on stderr, and the exit code the error asks for. */
export function reportFailure(error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(`error: ${error.message}\n`);
    return 2;
  }
  if (error instanceof CheckpointError) {
    process.stderr.write(`error: ${error.message}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${message.split('\n')[0]}\n`);
  if (process.env.TRAINING_RUNS_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.exitCode = reportFailure(error);
    },
  );
}
