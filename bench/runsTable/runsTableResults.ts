/** The runs-table bench's figure as an `npm run bench` row (group `panel`), against its same-run reference. */
import { againstReference, failedResult, type BenchResult } from '../result';
import type { RunsTableFigures } from './runsTableMeasure';

const id = { group: 'panel', name: 'runs_table_1000_runs', backend: 'chromium', unit: 'ms' } as const;

export const runsTableFailure = (reason: string): BenchResult[] => [failedResult(id, reason)];

export function runsTableResults(f: RunsTableFigures, opens: number): BenchResult[] {
  return [
    againstReference(
      id,
      f.totalMs,
      { name: 'read + JSON.parse every run.json', value: f.plainParseMs },
      `Compare Runs on ${f.runs} runs (goal under 1 s), command to painted table: table source ${f.hostRowsMs.toFixed(0)} ms (rows from the run model) + serialise ${f.serialiseMs.toFixed(1)} ms (${f.messageKiB.toFixed(0)} KiB) + webview ${f.webviewRenderMs.toFixed(0)} ms (JSON.parse, validate, render the rows in view, two animation frames); not counted: Playwright's hand-over of the message string to the page, ${f.handOverMs.toFixed(0)} ms (the DevTools protocol copying a string VS Code's postMessage sends over IPC; the loss-curves panel's figure leaves it out alike); every run's details (config, metrics tail, trainer state, notes, folder size; read cold in the reader pool's two worker threads once the rows are painted, as the panel starts them) painted too after ${f.detailsMs.toFixed(0)} ms (both hand-overs included; read after ${f.detailsReadMs.toFixed(0)} ms; ${f.columns} columns then); ${opens > 1 ? `median of ${opens} opens` : 'one open'}; loading the runs into the run model beforehand (discovery, not the command): ${f.modelLoadMs.toFixed(0)} ms; reference: readFile and JSON.parse of every run.json in the same process`,
    ),
  ];
}
