/**
 * Train and Resume of a config whose launcher is slurm: the run becomes a SlurmJobRun (a batch job
 * running the same trainer command the extension would have forked, or the config's external
 * trainer command). Loaded lazily by extension.ts.
 */
import type { ExternalTrainerPlan } from '../external/externalConfig';
import type { LaunchConfig } from '../reading/configReads';
import { SlurmClient } from '../../core/slurm/client';
import { trainerJobSpec } from '../../core/slurm/trainerJob';
import { prepareExternalStart } from '../external/externalTrainerProcess';
import type { TrainerLaunch, TrainerRun } from '../process/trainerProcess';
import { ExternalJobFiles, externalJobSpec } from './externalJob';
import { SlurmJobRun } from './slurmJobRun';

/** null when the run trains locally; a config that does not load is left to the trainer (or the external loader), which reports it. */
export async function slurmRunFor(
  launchConfig: LaunchConfig,
  launch: TrainerLaunch,
  pollMs?: number,
): Promise<(() => TrainerRun) | null> {
  if (launchConfig.kind === 'external') return externalSlurmRunFor(launchConfig.plan, launch, pollMs);
  const config = launchConfig.kind === 'native' ? launchConfig.config : null;
  if (config?.launcher.type !== 'slurm') return null;
  // VS Code's Electron runs the trainer as Node only with this variable, in the job too.
  const env = launch.env['ELECTRON_RUN_AS_NODE'] ? { ELECTRON_RUN_AS_NODE: '1' } : undefined;
  const spec = trainerJobSpec(config, {
    command: [launch.execPath, launch.script, ...launch.args],
    cwd: launch.cwd,
    launcher: config.launcher,
    ...(env ? { env } : {}),
  });
  return () => new SlurmJobRun(launch, spec, new SlurmClient({ env: launch.env }), pollMs);
}

async function externalSlurmRunFor(
  plan: ExternalTrainerPlan,
  launch: TrainerLaunch,
  pollMs?: number,
): Promise<(() => TrainerRun) | null> {
  if (plan.launcher.type !== 'slurm') return null;
  const spec = externalJobSpec(plan, plan.launcher);
  const start = await prepareExternalStart(plan);
  const [program = '', script = '', ...args] = plan.argv;
  const jobLaunch: TrainerLaunch = { execPath: program, script, args, cwd: plan.cwd, env: launch.env };
  return () =>
    new SlurmJobRun(
      jobLaunch,
      spec,
      new SlurmClient({ env: launch.env }),
      pollMs,
      (emit) => new ExternalJobFiles(plan, start, emit),
    );
}
