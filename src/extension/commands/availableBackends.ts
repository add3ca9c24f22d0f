/**
 * Asks the trainer which tfjs backends work on this machine (`trainer.js backends --json`), with
 * the same executable and environment a training run gets, so the answer holds for the run. Called
 * lazily (when a device is being chosen), never at activation: probing loads Dawn and any native
 * binding, which takes a moment. vscode-free, so it is unit-tested.
 */
import { execFile } from 'node:child_process';
import type { z } from 'zod';
import { SOFTWARE_ADAPTER_LABEL, backendsReportSchema as reportSchema } from '../../core/protocol/backendsReport';

export type AvailableBackends = z.infer<typeof reportSchema>;

export interface ProbeLaunch {
  execPath: string;
  script: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export function queryAvailableBackends(launch: ProbeLaunch, timeoutMs = 60_000): Promise<AvailableBackends> {
  return new Promise((resolve, reject) => {
    execFile(
      launch.execPath,
      [launch.script, 'backends', '--json'],
      { cwd: launch.cwd, env: launch.env, timeout: timeoutMs, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(
              `the trainer could not list its backends: ${(stderr.trim().split('\n').pop() ?? error.message) || error.message}`,
            ),
          );
          return;
        }
        const line = stdout.trim().split('\n').pop() ?? '';
        try {
          resolve(reportSchema.parse(JSON.parse(line)));
        } catch {
          reject(new Error(`the trainer's backends --json output is not the expected JSON: ${line.slice(0, 200)}`));
        }
      },
    );
  });
}

export interface DeviceChoice {
  /** What to pass as `-d` ('' = the config's own backend). */
  device: string;
  label: string;
  description: string;
  available: boolean;
}

/** Quick-pick rows: the config's choice, then each backend with whether it works here and why not. */
export function deviceChoices(report: AvailableBackends): DeviceChoice[] {
  const rows: DeviceChoice[] = [
    {
      device: '',
      label: "Config's backend",
      description: `backend from the YAML (auto picks ${report.auto ?? 'nothing here'})`,
      available: true,
    },
  ];
  for (const b of report.backends) {
    // Works, but computes on the CPU: say so in the label, where the eye lands first.
    const icon = !b.available ? '$(circle-slash)' : b.software ? '$(warning)' : '$(check)';
    rows.push({
      device: b.name,
      label: `${icon} ${b.name}${b.software ? ` (${SOFTWARE_ADAPTER_LABEL})` : ''}`,
      description: b.reason,
      available: b.available,
    });
  }
  return rows;
}
