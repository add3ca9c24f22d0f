import assert from 'node:assert/strict';
import type { RunsTableFigures } from '../../../bench/runsTable/runsTableMeasure';
import { runsTableFailure, runsTableResults } from '../../../bench/runsTable/runsTableResults';

describe('runs table row of npm run bench', () => {
  it('puts the open of 1,000 runs against reading every run.json, with its parts', () => {
    const f: RunsTableFigures = {
      runs: 1000,
      columns: 17,
      messageKiB: 516,
      hostRowsMs: 300,
      serialiseMs: 5,
      webviewRenderMs: 400,
      totalMs: 705,
      handOverMs: 95,
      detailsMs: 2500,
      detailsReadMs: 1500,
      modelLoadMs: 900,
      plainParseMs: 100,
    };
    const [row] = runsTableResults(f, 3);
    assert.deepEqual(
      [row?.group, row?.name, row?.value, row?.reference?.value, row?.ratio],
      ['panel', 'runs_table_1000_runs', 705, 100, 7.05],
    );
    assert.match(
      row?.detail ?? '',
      /1000 runs .*table source 300 ms.*webview 400 ms .*not counted: Playwright's hand-over .* 95 ms.*details .*painted too after 2500 ms \(both hand-overs included; read after 1500 ms.*median of 3 opens/,
    );
  });

  it('keeps its name with a null value when it could not be measured', () => {
    const [row] = runsTableFailure('chromium is missing');
    assert.equal(row?.value, null);
    assert.match(row?.detail ?? '', /chromium is missing/);
  });
});
