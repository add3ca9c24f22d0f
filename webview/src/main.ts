/**
 * Loss-curves webview entry. Talks to the host only through the validated contract in
 * src/core/protocol/webview.ts: posts `ready`, receives `init`, then live updates; settings live in
 * vscode.setState so a reopened or reloaded panel comes back as it was.
 */
import './zodJitless';
import './base.css';
import './styles.css';
import {
  MAX_RANGE_POINTS,
  parsePanelState,
  type HostToWebview,
  type PanelState,
} from '../../src/core/protocol/webview';
import { runColorIndices } from '../../src/core/metrics/runColors';
import { LossChart } from './chart';
import { parseHostMessage } from './hostMessages';
import { chartPng, exportName, metricCsv } from './exportChart';
import { LOSS, metricChoices } from './metrics';
import { Controls, type LegendRow } from './controls';
import { MarkerLayer, valueNear, type SelectedCheckpoint } from './markers';
import { RedrawScheduler } from './redrawScheduler';
import { RunStore, type RunData } from './runStore';
import { onThemeChange, PALETTE_SIZE, readTheme } from './theme';
import { connectToHost } from './vscodeApi';

const host = connectToHost();
const restored = parsePanelState(host.getState());
const settings: PanelState = restored.ok
  ? restored.value
  : { runDirs: [], smoothing: 0.6, logScale: 'auto', selectedRun: null, hiddenRuns: [], metric: 'loss', xAxis: 'step' };

function log(level: 'info' | 'warn' | 'error', message: string): void {
  (level === 'error' ? console.error : console.warn)(`[loss-curves] ${message}`);
  host.post({ type: 'log', level, message: message.slice(0, 4000) });
}

document.addEventListener('securitypolicyviolation', (e) =>
  log('error', `CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`),
);

const store = new RunStore(1600);
let theme = readTheme();
let colors = new Map<string, number>();
let selected: SelectedCheckpoint | null = null;
let cursorStep: number | null = null;
let received = false;

const colorOf = (runDir: string): string => theme.runColors[colors.get(runDir) ?? 0] ?? theme.foreground;
let settingsTimer: ReturnType<typeof setTimeout> | null = null;
/** Saved in the webview (reload) and, debounced, with the host (closing the panel loses webview state). */
const saveState = (): void => {
  host.setState(settings);
  if (settingsTimer !== null) clearTimeout(settingsTimer);
  settingsTimer = setTimeout(() => {
    settingsTimer = null;
    if (settings.runDirs.length > 0) host.post({ type: 'settings', settings });
  }, 300);
};

const controls = new Controls(document.getElementById('app') ?? document.body, {
  onSmoothing(value) {
    settings.smoothing = value;
    saveState();
    scheduler.schedule();
  },
  onLogScale(on) {
    // An explicit choice; 'auto' no longer applies to these runs.
    settings.logScale = on;
    saveState();
    scheduler.flush();
  },
  onResetZoom: () => chart.resetZoom(),
  onSelectRun(runDir) {
    settings.selectedRun = runDir;
    saveState();
    updatePanel();
  },
  onResumeLatest() {
    if (settings.selectedRun) host.post({ type: 'resume', runDir: settings.selectedRun, checkpoint: 'latest' });
  },
  onStop() {
    if (settings.selectedRun) host.post({ type: 'stop', runDir: settings.selectedRun });
  },
  onResumeCheckpoint() {
    if (selected) host.post({ type: 'resume', runDir: selected.runDir, checkpoint: selected.path });
  },
  onToggleRun(runDir) {
    const hidden = new Set(settings.hiddenRuns);
    if (hidden.has(runDir)) hidden.delete(runDir);
    else hidden.add(runDir);
    settings.hiddenRuns = [...hidden];
    saveState();
    scheduler.flush();
  },
  onMetric(metric) {
    settings.metric = metric;
    saveState();
    scheduler.flush();
  },
  onXAxis(mode) {
    settings.xAxis = mode;
    saveState();
    scheduler.flush();
  },
  onExport: (format) => exportChart(format),
});

/** Sends the chart (PNG) or the charted metric's points (CSV) to the host, which asks where to save it. */
function exportChart(format: 'png' | 'csv'): void {
  try {
    const data =
      format === 'png'
        ? chartPng(chart.canvases(), getComputedStyle(document.body).backgroundColor || '#ffffff')
        : metricCsv(visibleRuns(), shownMetric);
    host.post({ type: 'export', format, suggestedName: exportName(shownMetric, format), data });
  } catch (error) {
    log('error', `could not export the chart as ${format}: ${(error as Error).message}`);
  }
}

const markers = new MarkerLayer((checkpoint) => {
  selected = checkpoint;
  settings.selectedRun = checkpoint.runDir;
  saveState();
  updatePanel();
});

let zoomTimer: ReturnType<typeof setTimeout> | null = null;
/** Draws of the loss pane (for the tests: a message's chart is drawn once). */
let lossPaneDraws = 0;
let requestId = 0;
const latestRequest = new Map<string, number>();

const chart = new LossChart(controls.chartHost, {
  onCursor(step) {
    cursorStep = step;
    updateLegend();
  },
  onUserZoom(min, max) {
    // Zoomed in: ask the host for the detail it left out when it downsampled.
    if (zoomTimer !== null) clearTimeout(zoomTimer);
    zoomTimer = setTimeout(() => requestDetail(min, max), 150);
  },
  onDraw: (plot) => {
    lossPaneDraws++;
    drawMarkers(plot);
  },
});

function requestDetail(min: number, max: number): void {
  // Detail is fetched for the loss by step; other metrics and time axes hold all their points.
  if (settings.xAxis !== 'step') return;
  const maxPoints = Math.min(MAX_RANGE_POINTS, chart.plotWidth() * 2);
  for (const run of visibleRuns()) {
    if (!store.isDownsampled(run)) continue;
    const id = ++requestId;
    latestRequest.set(run.runDir, id);
    host.post({
      type: 'requestRange',
      requestId: id,
      runDir: run.runDir,
      fromStep: Math.floor(min),
      toStep: Math.ceil(max),
      maxPoints,
    });
  }
}

function visibleRuns(): RunData[] {
  const hidden = new Set(settings.hiddenRuns);
  return store.all().filter((r) => !hidden.has(r.runDir));
}

function drawMarkers(plot: NonNullable<typeof chart.uplot>): void {
  // Checkpoints and resumes sit at steps: on a time axis they have no place.
  const byStep = settings.xAxis === 'step';
  const byRun = new Map(store.all().map((r) => [r.runDir, r]));
  markers.draw(
    plot,
    chart.drawnRuns.map((drawn) => {
      const run = byRun.get(drawn.runDir);
      return {
        drawn,
        checkpoints: byStep ? (run?.checkpoints ?? []) : [],
        resumes: byStep ? (run?.resumes ?? []) : [],
        color: colorOf(drawn.runDir),
      };
    }),
    selected,
  );
}

/**
 * The legend's numbers for one run: its last logged values, or the values at the cursor's step;
 * nothing where the cursor is outside the steps this run logged. "loss (last)" is the last step's
 * loss, as in the status bar; the Runs view's checkpoint rows show the mean since the last save.
 */
function readout(run: RunData): string {
  if (cursorStep === null) {
    const last = run.steps.length - 1;
    if (last < 0) return 'no points yet';
    return `step ${run.steps[last]} · loss (last) ${fmt(run.loss[last] ?? null)} · lr ${fmt(run.lr[last] ?? null)}`;
  }
  const drawn = chart.drawnRuns.find((d) => d.runDir === run.runDir);
  const first = drawn?.steps[0];
  const last = drawn?.steps[drawn.steps.length - 1];
  if (!drawn || first === undefined || last === undefined || cursorStep < first || cursorStep > last) return '';
  return `loss ${fmt(valueNear(drawn.steps, drawn.raw, cursorStep))} · smoothed ${fmt(valueNear(drawn.steps, drawn.smoothed, cursorStep))} · lr ${fmt(valueNear(drawn.steps, drawn.lr, cursorStep))}`;
}

function fmt(v: number | null): string {
  if (v === null) return '–';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toPrecision(4);
}

function updateLegend(): void {
  const hidden = new Set(settings.hiddenRuns);
  const rows: LegendRow[] = store.all().map((run) => ({
    runDir: run.runDir,
    label: run.label,
    color: colorOf(run.runDir),
    state: run.state,
    hidden: hidden.has(run.runDir),
    readout: readout(run),
  }));
  controls.setLegend(rows, cursorStep);
}

/** Everything outside the canvas: buttons, legend, details. Cheap; runs on every state change. */
function updatePanel(): void {
  const runs = store.all();
  if (settings.selectedRun === null || !store.get(settings.selectedRun)) settings.selectedRun = runs[0]?.runDir ?? null;
  const run = settings.selectedRun === null ? undefined : store.get(settings.selectedRun);
  controls.setRuns(
    runs.map((r) => ({ runDir: r.runDir, label: r.label })),
    settings.selectedRun,
  );
  controls.setActions(run?.state ?? null, run?.checkpoints.some((c) => c.valid) ?? false);
  const selectedRun = selected ? store.get(selected.runDir) : undefined;
  const checkpoint = selected ? (selectedRun?.checkpoints.find((c) => c.path === selected?.path) ?? null) : null;
  controls.showCheckpoint(checkpoint, selectedRun?.label ?? '', selectedRun?.state ?? null);
  updateLegend();
  updateMessage();
  if (chart.uplot) drawMarkers(chart.uplot);
}

/** The line under the chart ('Loading…', no points yet); it takes height from the chart when shown. */
function updateMessage(): void {
  const runs = store.all();
  const empty = received && runs.every((r) => r.steps.length === 0 && Object.keys(r.scalars).length === 0);
  controls.setMessage(
    !received ? 'Loading…' : empty ? 'No loss logged yet: points appear here as the run trains.' : '',
  );
}

/** The metric the chart shows now (the chosen one, or the loss while no run logged it). */
let shownMetric = LOSS;

const scheduler = new RedrawScheduler(() => {
  const choices = metricChoices(store.all());
  // A metric none of these runs logged (a remembered one, before its points arrive) shows the loss.
  const metric = choices.some((c) => c.name === settings.metric) ? settings.metric : LOSS;
  shownMetric = metric;
  controls.setMetrics(choices, metric);
  controls.setXAxis(settings.xAxis);
  // The message goes before the chart is drawn, so the panes are built for the height they keep.
  updateMessage();
  chart.render(
    store.all(),
    {
      smoothing: settings.smoothing,
      logScale: settings.logScale,
      hiddenRuns: new Set(settings.hiddenRuns),
      metric,
      xAxis: settings.xAxis,
    },
    theme,
    colorOf,
  );
  controls.showLogScale(chart.logScale, settings.logScale === 'auto');
  updatePanel();
});

function handle(message: HostToWebview): void {
  switch (message.type) {
    case 'init':
      store.reset(message.runs);
      colors = runColorIndices(
        message.runs.map((r) => r.runDir),
        PALETTE_SIZE,
      );
      settings.runDirs = message.runs.map((r) => r.runDir);
      if (!restored.ok && message.settings && !received) {
        // Opened afresh: take what these runs were last shown with.
        Object.assign(settings, { ...message.settings, runDirs: settings.runDirs });
        controls.setSmoothing(settings.smoothing);
      }
      received = true;
      if (selected && !store.get(selected.runDir)) selected = null;
      saveState();
      scheduler.flush();
      // Two animation frames: the chart is painted; the host reads the rest from now on.
      requestAnimationFrame(() => requestAnimationFrame(() => host.post({ type: 'painted' })));
      return;
    case 'points':
      if (store.appendPoints(message.runDir, message.series, message.scalars)) scheduler.schedule();
      return;
    case 'resumed':
      if (store.addResume(message.runDir, message.marker)) scheduler.schedule();
      return;
    case 'checkpoints':
      if (store.setCheckpoints(message.runDir, message.checkpoints)) scheduler.schedule();
      return;
    case 'runState':
      if (store.setState(message.runDir, message.state)) updatePanel();
      return;
    case 'export':
      scheduler.flush(); // the chart shows every point received before exporting it
      exportChart(message.format);
      return;
    case 'metrics':
      if (store.setMetrics(message.runDir, message.scalars)) scheduler.schedule();
      return;
    case 'range':
      if (latestRequest.get(message.runDir) !== message.requestId) return; // superseded by a later zoom
      if (store.mergeRange(message.runDir, message.fromStep, message.toStep, message.series)) scheduler.schedule();
      return;
  }
}

window.addEventListener('message', (event: MessageEvent) => {
  const parsed = parseHostMessage(event.data);
  if (!parsed.ok) {
    log('warn', `ignored a malformed message from the host: ${parsed.error}`);
    return;
  }
  handle(parsed.value);
});

onThemeChange(() => {
  theme = readTheme();
  scheduler.flush();
});

controls.setSmoothing(settings.smoothing);
store.setPointBudget(chart.plotWidth() * 2);
updatePanel();

/** Read-only view for the webview tests and the benchmark, compiled out of the product (testHooks.d.ts). */
if (TRAINING_RUNS_TEST_HOOKS) {
  (globalThis as Record<string, unknown>)['__lossCurves'] = {
    drawnRuns: () => chart.drawnRuns,
    seriesCount: () => chart.uplot?.series.length ?? 0,
    scales: () => ({ x: chart.uplot?.scales.x, y: chart.uplot?.scales.y }),
    lrScales: () => (chart.lrUplot ? { x: chart.lrUplot.scales.x, lr: chart.lrUplot.scales['lr'] } : null),
    lrSeriesCount: () => chart.lrUplot?.series.length ?? 0,
    lrAxisLabel: () => {
      const axis = chart.lrUplot?.axes[1];
      return axis
        ? { text: axis.label, font: axis.labelFont, plotHeight: chart.lrUplot!.bbox.height / devicePixelRatio }
        : null;
    },
    cursorLeft: () => ({ loss: chart.uplot?.cursor.left ?? null, lr: chart.lrUplot?.cursor.left ?? null }),
    /** Each pane's value axis as last drawn: tick values, their labels (null: none) and pixel offsets. */
    valueAxes: () => valueAxesDrawn(),
    axisStroke: () => {
      const u = chart.uplot;
      const stroke = u?.axes[0]?.stroke;
      return typeof stroke === 'function' && u ? stroke(u, 0) : stroke;
    },
    redrawStats: () => ({ ...scheduler.stats }),
    lossPaneDraws: () => lossPaneDraws,
    settings: () => ({ ...settings }),
  };
}

interface DrawnAxis {
  _splits?: number[] | null;
  _values?: Array<string | null> | null;
}

function valueAxesDrawn(): Record<string, unknown> {
  const read = (plot: NonNullable<typeof chart.uplot> | null, scale: string) => {
    if (!plot) return null;
    const axis = plot.axes[1] as unknown as DrawnAxis;
    const ticks = axis._splits ?? [];
    return {
      min: plot.scales[scale]?.min,
      max: plot.scales[scale]?.max,
      distr: plot.scales[scale]?.distr,
      heightPx: plot.bbox.height / devicePixelRatio,
      ticks,
      labels: axis._values ?? [],
      positions: ticks.map((t) => plot.valToPos(t, scale)),
    };
  };
  return { loss: read(chart.uplot, 'y'), lr: read(chart.lrUplot, 'lr') };
}

// A restored panel says which metric it shows; a fresh one shows what the host remembers for these runs.
host.post({ type: 'ready', plotWidth: chart.plotWidth(), ...(restored.ok ? { metric: settings.metric } : {}) });
