/**
 * One Train or Resume, prepared before any process starts: its config read once in the reader
 * workers (so the run folder, the launcher and the command all come from the same version of the
 * file, and a hostile config never holds up the host), then what runs it: a Slurm batch job, an
 * external command, or the built-in trainer. The Slurm and external-trainer code loads only for
 * configs that need it.
 */
import type { OutputFolderWatch } from '../external';
import { external } from '../external/lazy';
import { readLaunchConfig } from '../reading';
import type { LaunchConfig } from '../reading/configReads';
import { slurm } from '../slurm/lazy';
import type { TrainRequest } from './launch';
import type { TrainerLaunch } from './trainerProcess';
import type { PreparedLaunch } from './trainingService';

export async function prepareLaunch(
  request: TrainRequest,
  launch: TrainerLaunch,
  watch?: OutputFolderWatch,
): Promise<PreparedLaunch> {
  const config = await readLaunchConfig(request.configPath, { cwd: launch.cwd, sets: [...request.sets] });
  const runDir = runDirOf(config);
  if (launcherOf(config) === 'slurm') return { runDir, start: await slurm().slurmRunFor(config, launch) };
  if (config.kind === 'native') return { runDir, start: null };
  return { runDir, start: await external().externalTrainerFor(config, request.configPath, watch) };
}

function runDirOf(config: LaunchConfig): string | null {
  if (config.kind === 'external') return config.plan.outputDir;
  return config.kind === 'native' ? (config.config?.output_dir ?? null) : null;
}

function launcherOf(config: LaunchConfig): string | null {
  if (config.kind === 'external') return config.plan.launcher.type;
  return config.kind === 'native' ? (config.config?.launcher.type ?? null) : null;
}
