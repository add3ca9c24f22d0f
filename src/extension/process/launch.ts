/**
 * Builds the command line that runs the trainer: which executable, which arguments, which folder.
 * vscode-free (the host facts are passed in) so the choices are unit-tested.
 */
import * as path from 'node:path';
import { PROTOCOL_ENV, PROTOCOL_VERSION } from '../../core/protocol/version';
import type { TrainerLaunch } from './trainerProcess';

export interface HostFacts {
  /** process.execPath of the extension host. */
  execPath: string;
  /** process.versions.electron: set in desktop VS Code, unset in code-server (plain Node host). */
  electronVersion: string | undefined;
  env: NodeJS.ProcessEnv;
}

export interface TrainRequest {
  /** Absolute path of the YAML config. */
  configPath: string;
  /** `--set key=value` overrides, e.g. `resume_from_checkpoint=/abs/checkpoint-500`. */
  sets: string[];
  /** The trainer's `-d`: a backend (cpu, wasm, webgpu[:N], tensorflow, tensorflow-gpu[:N]) or a GPU index; '' = the config's own backend. */
  device: string;
}

export interface LaunchSettings {
  /** trainingRuns.nodePath: '' = the host's own runtime. */
  nodePath: string;
  trainerScript: string;
}

export function resolveTrainerLaunch(request: TrainRequest, settings: LaunchSettings, host: HostFacts): TrainerLaunch {
  const env: NodeJS.ProcessEnv = { ...host.env, [PROTOCOL_ENV]: String(PROTOCOL_VERSION) };
  let execPath: string;
  if (settings.nodePath.trim() !== '') {
    // A user-chosen Node (e.g. one with @tensorflow/tfjs-node-gpu installed for its ABI).
    execPath = settings.nodePath.trim();
    delete env.ELECTRON_RUN_AS_NODE;
  } else if (host.electronVersion) {
    // Desktop: VS Code's Electron binary behaves as plain Node with this variable.
    execPath = host.execPath;
    env.ELECTRON_RUN_AS_NODE = '1';
  } else {
    // code-server and other Node hosts: the host binary is already Node.
    execPath = host.execPath;
  }
  const args = ['train', '-t', request.configPath];
  for (const s of request.sets) args.push('--set', s);
  if (request.device.trim() !== '') args.push('-d', request.device.trim());
  return { execPath, script: settings.trainerScript, args, cwd: projectDirOf(request.configPath), env };
}

/** The project folder of a config: the parent of its `configs/` folder, else the file's folder. */
export function projectDirOf(configPath: string): string {
  const dir = path.dirname(configPath);
  return path.basename(dir) === 'configs' ? path.dirname(dir) : dir;
}
