/** The runs-table bench's figure as an `npm run bench` row (group `panel`), against its same-run reference. */
import { againstReference, failedResult, type BenchResult } from '../result';
import type { RunsTableFigures } from './runsTableMeasure';

const id = { group: 'panel', name: 'runs_table_1000_runs', backend: 'chromium', unit: 'ms' } as const;

export const runsTableFailure = (reason: string): BenchResult[] => [failedResult(id, reason)];

export function runsTableResults(f: RunsTableFigures, opens: number): BenchResult[] {
  const rest = f.totalMs - f.hostRowsMs - f.serialiseMs - f.webviewRenderMs;
  return [
    againstReference(
      id,
      f.totalMs,
      { name: 'read + JSON.parse every run.json', value: f.plainParseMs },
      `Compare Runs on ${f.runs} runs (goal under 1 s): table source ${f.hostRowsMs.toFixed(0)} ms (every run's config, metrics tail, trainer state, notes and folder size, cold) + serialise ${f.serialiseMs.toFixed(1)} ms (${f.messageKiB.toFixed(0)} KiB) + webview ${f.webviewRenderMs.toFixed(0)} ms (validate, render ${f.columns} columns, two animation frames) + rest ${rest.toFixed(0)} ms (Playwright's hand-over standing in for postMessage); ${opens > 1 ? `median of ${opens} opens` : 'one open'}; loading the runs into the run model beforehand (discovery, not the command): ${f.modelLoadMs.toFixed(0)} ms; reference: readFile and JSON.parse of every run.json in the same process`,
    ),
  ];
}
