/** The panel bench's figures as `npm run bench` rows (group `panel`), each against its same-run reference. */
import { againstReference, failedResult, type BenchResult } from '../result';
import type { LossCurvesFigures } from './lossCurvesMeasure';

export const PANEL_NAMES = {
  firstRender: 'first_render',
  firstRenderUncached: 'first_render_uncached',
  firstRenderWebview: 'first_render_webview',
  pageStartup: 'panel_page_startup',
  redraw: 'redraw_streaming',
} as const;

const id = (name: string) => ({ group: 'panel', name, backend: 'chromium', unit: 'ms' }) as const;

export function panelFailure(reason: string): BenchResult[] {
  return Object.values(PANEL_NAMES).map((name) => failedResult(id(name), reason));
}

export function panelResults(f: LossCurvesFigures, renders: number): BenchResult[] {
  const history = `${f.steps.toLocaleString('en-US')}-step metrics.jsonl (${f.fileMb.toFixed(1)} MB), ${f.pointsSent} points sent (${f.messageKiB.toFixed(0)} KiB)`;
  const of = renders > 1 ? `median of ${renders} renders, each in a fresh page` : 'one render';
  return [
    againstReference(
      id(PANEL_NAMES.firstRender),
      f.firstRenderMs,
      { name: 'read + JSON.parse every line', value: f.plainParseMs },
      `${history}, painted from its overview (.metrics.overview, written by the run's first whole read): host read ${f.hostReadMs.toFixed(0)} ms + downsample ${f.downsampleMs.toFixed(1)} ms + serialise ${f.serialiseMs.toFixed(1)} ms + webview ${f.webviewRenderMs.toFixed(0)} ms (JSON.parse of the message in the page to the chart painted); not counted: Playwright's hand-over of the message string to the page, ${f.handOverMs.toFixed(0)} ms (the DevTools protocol copying a string VS Code's postMessage sends over IPC); ${of}; reference: readFile, split and JSON.parse of every line of the same file in the same process`,
    ),
    againstReference(
      id(PANEL_NAMES.firstRenderUncached),
      f.coldFirstRenderMs,
      { name: 'read + JSON.parse every line', value: f.plainParseMs },
      `the run's first open, before its metrics cache exists (parses metrics.jsonl, then writes the cache): host read ${f.coldHostReadMs.toFixed(0)} ms; one render; same reference`,
    ),
    againstReference(
      id(PANEL_NAMES.firstRenderWebview),
      f.webviewRenderMs,
      { name: 'bare uPlot draw', value: f.bareUplotRenderMs },
      `webview: message to chart painted (validate, smooth, draw, two animation frames), ${f.pointsSent} points; ${of}; reference: a bare uPlot drawing the same points (same series and axes, no validation, smoothing or markers) in a blank page of the same size`,
    ),
    againstReference(
      id(PANEL_NAMES.pageStartup),
      f.pageStartupMs,
      { name: "uPlot's script alone", value: f.uplotScriptMs },
      `the panel page's start-up before first_render begins: from its script arriving to its \`ready\` message (the bundle parsed and run, the controls built, the page laid out); ${of}; command to painted chart is this + first_render + VS Code's own webview creation (not measured here); reference: uPlot's script (the build the panel bundles) evaluated in a blank page`,
    ),
    againstReference(
      id(PANEL_NAMES.redraw),
      f.stream.avgMs,
      { name: 'bare uPlot setData', value: f.bareUplotRedrawMs },
      `mean redraw while streaming 1,000 steps/s onto that chart for ${f.stream.seconds.toFixed(1)} s: ${f.stream.redraws} redraws, max ${f.stream.maxMs.toFixed(1)} ms, ${f.stream.points} points at the end; timed to the end of uPlot's deferred draw (the panel's own synchronous figure: ${f.stream.schedulerAvgMs.toFixed(1)} ms); reference: bare uPlot setData with the same point counts, timed the same way`,
    ),
  ];
}
