/**
 * `train -t CONFIG [-d DEVICE] [--set k=v ...] [--json]` (CONFIG may also be given positionally).
 * Exit codes: 0 finished or stopped, 1 training failure, 2 bad usage or config (one line on stderr).
 */
import { loadConfig } from '../../core/config';
import { parseTrainerCommand, PROTOCOL_ENV, protocolMismatch } from '../../core/protocol/trainerEvents';
import { type BackendRequest, parseDevice } from '../backend/selectBackend';
import { describeFailure } from '../loop/errors';
import { runTraining } from '../loop/runTraining';
import { StopController } from '../loop/stopController';
import { chooseSinks } from '../output/sinks';
import { parseCommandArgs, UsageError } from './args';

const HELP = `Usage: training-runs train -t CONFIG [-d DEVICE] [--set key.path=value ...] [--json] [--launcher local|slurm [--follow]]

  -t, --config CONFIG   a YAML config: a path, or a name in the project's configs/ folder
  -d, --device DEVICE   a GPU index (the fastest GPU backend that can use it), cpu, wasm, webgpu[:N],
                        tensorflow or tensorflow-gpu[:N]; default: the config's backend and device
  --set key=value       override a config value (read as YAML); repeatable, e.g. --set blas=off
  --json                events as JSON lines on stdout
  --launcher WHERE      local: train here; slurm: submit a batch job (sbatch) that runs this trainer
                        and resumes across time limits and requeues; default: the config's launcher
  --follow              with slurm: print the job's state until it ends (Ctrl+C stops following)

Stop with Ctrl+C (or SIGTERM): the current step finishes, a checkpoint is saved, exit code 0.
Exit codes: 0 finished or stopped, 1 training failure, 2 bad usage or config.`;

const LAUNCHERS = ['local', 'slurm'] as const;

/** A launcher (the extension) from another version of Training Runs is refused before any work. */
export function checkLauncherProtocol(announced: string | undefined): void {
  if (announced === undefined) return; // started by hand: nobody to disagree with
  const mismatch = protocolMismatch(/^\d+$/.test(announced) ? Number(announced) : announced, 'launcher');
  if (mismatch) throw new UsageError(mismatch);
}

export async function runTrainCommand(argv: string[]): Promise<number> {
  const stop = new StopController();
  const stopFollowing = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    stopFollowing.abort();
    // A second interrupt means "now": leave without waiting for the step or the save.
    if (stop.requested && signal === 'SIGINT') {
      process.stderr.write('interrupted again: exiting without saving\n');
      process.exit(130);
    }
    stop.request(signal);
  };
  const onMessage = (raw: unknown): void => {
    if (parseTrainerCommand(raw).ok) stop.request('stop message');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('message', onMessage);
  // The launcher went away: stop as if asked (finish the step, save, exit 0).
  const onDisconnect = (): void => stop.request('parent disconnected');
  process.on('disconnect', onDisconnect);
  const json = argv.includes('--json');
  const sink = chooseSinks(json);
  try {
    const args = parseCommandArgs('train', argv, {
      config: { type: 'string', short: 't' },
      device: { type: 'string', short: 'd' },
      set: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      launcher: { type: 'string' },
      follow: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (args.values.help) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    checkLauncherProtocol(process.env[PROTOCOL_ENV]);
    const configArg = args.values.config ?? args.positionals[0];
    if (!configArg) throw new UsageError('train: missing the config (train -t CONFIG); run train --help for usage');
    if (args.values.config && args.positionals.length > 0)
      throw new UsageError(`train: unexpected argument "${args.positionals[0]}"`);
    if (!args.values.config && args.positionals.length > 1)
      throw new UsageError(`train: expected one config, got ${args.positionals.join(' ')}`);
    const launcherArg = args.values.launcher;
    if (launcherArg !== undefined && !LAUNCHERS.some((l) => l === launcherArg))
      throw new UsageError(`train: --launcher must be local or slurm, got "${launcherArg}"`);
    const config = await loadConfig(configArg, { cwd: process.cwd(), sets: args.values.set ?? [] });
    if ((launcherArg ?? config.launcher.type) === 'slurm') {
      const { submitToSlurm } = await import('./submitCommand.js');
      const request = {
        config,
        sets: args.values.set ?? [],
        device: args.values.device,
        json,
        follow: args.values.follow ?? false,
        abort: stopFollowing.signal,
      };
      return await submitToSlurm(request);
    }
    if (args.values.follow) throw new UsageError('train: --follow needs --launcher slurm');
    const device: Omit<BackendRequest, 'blas'> = args.values.device
      ? parseDevice(args.values.device)
      : { backend: config.backend, device: config.device };
    const backend: BackendRequest = { ...device, blas: { library: config.blas, threads: config.cpu_threads } };
    await runTraining({ config, backend, sink, stop });
    return 0;
  } catch (error) {
    const { event, exitCode } = describeFailure(error);
    sink.emit(event);
    process.stderr.write(`error: ${event.message}\n`);
    return exitCode;
  } finally {
    await sink.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('message', onMessage);
    process.off('disconnect', onDisconnect);
    // An open IPC channel would keep the process alive after the last event.
    if (process.connected) process.disconnect?.();
  }
}
