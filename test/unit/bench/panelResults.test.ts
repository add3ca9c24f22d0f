import assert from 'node:assert/strict';
import type { LossCurvesFigures } from '../../../bench/panel/lossCurvesMeasure';
import { panelFailure, panelResults } from '../../../bench/panel/panelResults';

const figures: LossCurvesFigures = {
  steps: 1_000_000,
  fileMb: 128,
  pageStartupMs: 90,
  uplotScriptMs: 9,
  pointsSent: 2352,
  messageKiB: 112,
  hostReadMs: 1000,
  downsampleMs: 7,
  serialiseMs: 1,
  webviewRenderMs: 60,
  firstRenderMs: 1200,
  handOverMs: 70,
  coldHostReadMs: 1900,
  coldFirstRenderMs: 2100,
  plainParseMs: 2400,
  bareUplotRenderMs: 30,
  stream: { seconds: 5.5, redraws: 50, avgMs: 6, maxMs: 12, schedulerAvgMs: 2, points: 7352 },
  bareUplotRedrawMs: 3,
};

describe('panel rows of npm run bench', () => {
  it('puts each figure against its own same-run reference', () => {
    const rows = panelResults(figures, 3);
    assert.deepEqual(
      rows.map((r) => [r.name, r.value, r.reference?.value, r.ratio]),
      [
        ['first_render', 1200, 2400, 0.5],
        ['first_render_uncached', 2100, 2400, 0.875],
        ['first_render_webview', 60, 30, 2],
        ['panel_page_startup', 90, 9, 10],
        ['redraw_streaming', 6, 3, 2],
      ],
    );
    assert.ok(rows.every((r) => r.group === 'panel' && r.unit === 'ms'));
    assert.match(
      rows[0]!.detail,
      /1,000,000-step metrics\.jsonl.*hand-over of the message string to the page, 70 ms.*median of 3 renders/,
    );
    assert.match(rows[1]!.detail, /first open.*host read 1900 ms/);
    assert.match(rows[3]!.detail, /script arriving to its `ready`.*median of 3 renders/);
    assert.match(rows[4]!.detail, /50 redraws.*synchronous figure: 2\.0 ms/);
  });

  it('keeps the five names with null values when the panel could not be measured', () => {
    const rows = panelFailure('chromium is missing');
    assert.deepEqual(
      rows.map((r) => [r.name, r.value]),
      [
        ['first_render', null],
        ['first_render_uncached', null],
        ['first_render_webview', null],
        ['panel_page_startup', null],
        ['redraw_streaming', null],
      ],
    );
    assert.match(rows[0]!.detail, /chromium is missing/);
  });
});
