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
      `Compare Runs on ${f.runs} runs (goal under 1 s), command to painted table: table source ${f.hostRowsMs.toFixed(0)} ms (rows from the run model) + serialise ${f.serialiseMs.toFixed(1)} ms (${f.messageKiB.toFixed(0)} KiB) + webview ${f.webviewRenderMs.toFixed(0)} ms (JSON.parse, validate, render the rows in view, two animation frames) + rest ${rest.toFixed(0)} ms (Playwright's hand-over of the JSON string standing in for postMessage); every run's details (config, metrics tail, trainer state, notes, folder size; read cold in the reader pool's two worker threads once the rows are painted, as the panel starts them) painted too after ${f.detailsMs.toFixed(0)} ms (read after ${f.detailsReadMs.toFixed(0)} ms; ${f.columns} columns then); ${opens > 1 ? `median of ${opens} opens` : 'one open'}; loading the runs into the run model beforehand (discovery, not the command): ${f.modelLoadMs.toFixed(0)} ms; reference: readFile and JSON.parse of every run.json in the same process`,
    ),
  ];
}
