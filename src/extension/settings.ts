/** Typed access to the `trainingRuns.*` settings (documented in package.json `contributes.configuration`). */
import * as vscode from 'vscode';
import { DEFAULT_RUN_GLOBS } from './model/discovery';

export const SETTINGS_SECTION = 'trainingRuns';

export interface TrainingRunsSettings {
  /** Glob patterns of files that mark a run folder (run.json, checkpoint manifests). */
  runsGlobs: string[];
  /** Node executable for the trainer; '' = the editor's own runtime. */
  nodePath: string;
  /** Default device, the trainer's `-d`: a backend (cpu, wasm, webgpu[:N], tensorflow, tensorflow-gpu[:N]) or a GPU index; '' = the config's backend. */
  device: string;
  stopTimeoutMs: number;
  /** A trainer silent this long is reported hung and killed; 0 = never. */
  hangTimeoutMs: number;
  openLossCurvesOnStart: boolean;
  /** The time budget of one workspace read in the reader workers. */
  readTimeBudgetMs: number;
}

export function readSettings(): TrainingRunsSettings {
  const c = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const globs = c.get<string[]>('runsGlobs', DEFAULT_RUN_GLOBS).filter((g) => typeof g === 'string' && g.trim() !== '');
  const timeoutSec = c.get<number>('stopTimeoutSeconds', 30);
  return {
    runsGlobs: globs.length > 0 ? globs : DEFAULT_RUN_GLOBS,
    nodePath: c.get<string>('nodePath', ''),
    device: c.get<string>('device', ''),
    stopTimeoutMs: Math.max(1, Number.isFinite(timeoutSec) ? timeoutSec : 30) * 1000,
    openLossCurvesOnStart: c.get<boolean>('openLossCurvesOnStart', false),
    hangTimeoutMs: Math.max(0, Number(c.get<number>('hangTimeoutSeconds', 900)) || 0) * 1000,
    readTimeBudgetMs: Math.round(Math.max(0.1, Number(c.get<number>('readTimeBudgetSeconds', 2)) || 2) * 1000),
  };
}
