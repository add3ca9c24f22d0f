/**
 * The panel's controls: toolbar (run, Resume latest, Stop, smoothing, log scale, reset zoom), the
 * key to the three kinds of line, the legend with per-run read-out, and the selected checkpoint's
 * details with its Resume button.
 * vscode-elements has no slider, so smoothing is a native range input styled with theme variables.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import type { CheckpointMarker, XAxisMode } from '../../src/core/protocol/webview';
import type { RunStatus } from '../../src/core/run/status';
import { X_AXIS_LABELS, type MetricChoice } from './metrics';
import { MAX_SMOOTHING } from '../../src/core/metrics/ema';
import { AUTO_LOG_DECADES } from './chart';
import { checkpointStateLabel } from './markers';

export interface ControlEvents {
  onSmoothing(value: number): void;
  onLogScale(on: boolean): void;
  onResetZoom(): void;
  onSelectRun(runDir: string): void;
  onResumeLatest(): void;
  onStop(): void;
  onResumeCheckpoint(): void;
  onToggleRun(runDir: string): void;
  onMetric(metric: string): void;
  onXAxis(mode: XAxisMode): void;
  onExport(format: 'png' | 'csv'): void;
}

export interface LegendRow {
  runDir: string;
  label: string;
  color: string;
  state: RunStatus;
  hidden: boolean;
  readout: string;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

type VscodeButton = HTMLElement & { disabled: boolean };
type VscodeCheckbox = HTMLElement & { checked: boolean };
type VscodeSelect = HTMLElement & { value: string };

export class Controls {
  readonly chartHost = el('div', 'chart');
  private readonly runSelect = document.createElement('vscode-single-select') as VscodeSelect;
  private readonly runSelectWrap = el('label', 'run-select');
  private readonly resumeLatest = document.createElement('vscode-button') as VscodeButton;
  private readonly stop = document.createElement('vscode-button') as VscodeButton;
  private readonly smoothing = el('input', 'smoothing');
  private readonly smoothingValue = el('span', 'smoothing-value');
  private readonly logScale = document.createElement('vscode-checkbox') as VscodeCheckbox & { label: string };
  private readonly resetZoom = document.createElement('vscode-button') as VscodeButton;
  private readonly legend = el('div', 'legend');
  private readonly cursorStep = el('span', 'cursor-step');
  private readonly details = el('section', 'details');
  private readonly detailsText = el('div', 'details-text');
  private readonly resumeCheckpoint = document.createElement('vscode-button') as VscodeButton;
  private readonly message = el('div', 'message');
  private runOptionsKey = '';
  private readonly metricSelect = el('select', 'metric-select');
  private readonly xAxisSelect = el('select', 'x-axis-select');
  private metricOptionsKey = '';

  constructor(
    root: HTMLElement,
    private readonly events: ControlEvents,
  ) {
    const toolbar = el('header', 'toolbar');
    this.runSelectWrap.append(el('span', 'label', 'Run'), this.runSelect);
    this.runSelect.addEventListener('change', () => events.onSelectRun(this.runSelect.value));

    this.resumeLatest.textContent = 'Resume (latest)';
    this.resumeLatest.id = 'resume-latest';
    this.resumeLatest.addEventListener('click', () => !this.resumeLatest.disabled && events.onResumeLatest());
    this.stop.textContent = 'Stop';
    this.stop.id = 'stop';
    this.stop.setAttribute('secondary', '');
    this.stop.addEventListener('click', () => !this.stop.disabled && events.onStop());

    const smoothingWrap = el('label', 'smoothing-wrap');
    this.smoothing.type = 'range';
    this.smoothing.id = 'smoothing';
    this.smoothing.min = '0';
    this.smoothing.max = String(MAX_SMOOTHING);
    this.smoothing.step = '0.001';
    this.smoothing.addEventListener('input', () => {
      const v = Number(this.smoothing.value);
      this.smoothingValue.textContent = v.toFixed(3);
      events.onSmoothing(v);
    });
    smoothingWrap.append(el('span', 'label', 'Smoothing'), this.smoothing, this.smoothingValue);

    this.logScale.id = 'log-scale';
    this.logScale.label = 'Log scale';
    this.logScale.addEventListener('change', () => events.onLogScale(this.logScale.checked));

    this.resetZoom.textContent = 'Reset zoom';
    this.resetZoom.id = 'reset-zoom';
    this.resetZoom.setAttribute('secondary', '');
    this.resetZoom.addEventListener('click', () => events.onResetZoom());

    this.metricSelect.id = 'metric';
    this.metricSelect.addEventListener('change', () => events.onMetric(this.metricSelect.value));
    const metricWrap = el('label', 'metric-wrap');
    metricWrap.append(el('span', 'label', 'Metric'), this.metricSelect);
    this.xAxisSelect.id = 'x-axis';
    for (const [mode, label] of Object.entries(X_AXIS_LABELS)) this.xAxisSelect.append(new Option(label, mode));
    this.xAxisSelect.addEventListener('change', () => events.onXAxis(this.xAxisSelect.value as XAxisMode));
    const xAxisWrap = el('label', 'x-axis-wrap');
    xAxisWrap.append(el('span', 'label', 'x axis'), this.xAxisSelect);
    const exportPng = document.createElement('vscode-button') as VscodeButton;
    exportPng.textContent = 'Export PNG';
    exportPng.id = 'export-png';
    exportPng.setAttribute('secondary', '');
    exportPng.addEventListener('click', () => events.onExport('png'));
    const exportCsv = document.createElement('vscode-button') as VscodeButton;
    exportCsv.textContent = 'Export CSV';
    exportCsv.id = 'export-csv';
    exportCsv.setAttribute('secondary', '');
    exportCsv.addEventListener('click', () => events.onExport('csv'));

    toolbar.append(
      this.runSelectWrap,
      this.resumeLatest,
      this.stop,
      el('span', 'spacer'),
      metricWrap,
      xAxisWrap,
      smoothingWrap,
      this.logScale,
      this.resetZoom,
      exportPng,
      exportCsv,
    );

    this.resumeCheckpoint.textContent = 'Resume from this checkpoint';
    this.resumeCheckpoint.id = 'resume-checkpoint';
    this.resumeCheckpoint.addEventListener(
      'click',
      () => !this.resumeCheckpoint.disabled && events.onResumeCheckpoint(),
    );
    this.details.append(this.detailsText, this.resumeCheckpoint);
    this.details.hidden = true;

    const legendBar = el('div', 'legend-bar');
    legendBar.append(this.cursorStep, this.legend, seriesKey());
    root.append(toolbar, legendBar, this.chartHost, this.details, this.message);
  }

  /** The metric picker's choices (rebuilt only when they change) and the chosen one. */
  setMetrics(choices: MetricChoice[], chosen: string): void {
    const key = JSON.stringify(choices);
    if (key !== this.metricOptionsKey) {
      this.metricOptionsKey = key;
      this.metricSelect.replaceChildren(...choices.map((c) => new Option(c.label, c.name)));
    }
    this.metricSelect.value = chosen;
  }

  setXAxis(mode: XAxisMode): void {
    this.xAxisSelect.value = mode;
  }

  setSmoothing(smoothing: number): void {
    this.smoothing.value = String(smoothing);
    this.smoothingValue.textContent = smoothing.toFixed(3);
  }

  /** The loss axis as drawn; `auto`: chosen from the data, not by the user (yet). */
  showLogScale(on: boolean, auto: boolean): void {
    this.logScale.checked = on;
    this.logScale.label = auto ? 'Log scale (auto)' : 'Log scale';
    this.logScale.title = auto
      ? `Chosen from the data: log when the loss spans more than ${AUTO_LOG_DECADES} decades. Click to choose yourself.`
      : '';
  }

  setRuns(runs: Array<{ runDir: string; label: string }>, selected: string | null): void {
    this.runSelectWrap.hidden = runs.length < 2;
    const key = JSON.stringify(runs);
    if (key !== this.runOptionsKey) {
      this.runOptionsKey = key;
      this.runSelect.replaceChildren(
        ...runs.map((r) => {
          const option = document.createElement('vscode-option') as HTMLElement & { value: string };
          option.value = r.runDir;
          option.textContent = r.label;
          return option;
        }),
      );
    }
    if (selected !== null) this.runSelect.value = selected;
  }

  /** Resume (latest) needs a stopped/finished/failed run with a valid checkpoint; Stop a training one. */
  setActions(state: RunStatus | null, hasValidCheckpoint: boolean): void {
    this.resumeLatest.disabled = state === null || state === 'training' || state === 'stopping' || !hasValidCheckpoint;
    this.stop.disabled = state !== 'training';
  }

  setLegend(rows: LegendRow[], cursorStep: number | null): void {
    this.cursorStep.textContent = cursorStep === null ? '' : `step ${cursorStep}`;
    this.legend.replaceChildren(
      ...rows.map((row) => {
        const item = el('button', `legend-item${row.hidden ? ' hidden-run' : ''}`);
        item.type = 'button';
        item.dataset['run'] = row.runDir;
        item.title = `${row.runDir}\nClick to ${row.hidden ? 'show' : 'hide'}`;
        const swatch = el('span', 'swatch');
        swatch.style.backgroundColor = row.color;
        item.append(
          swatch,
          el('span', 'run-label', row.label),
          el('span', `run-state state-${row.state}`, row.state),
          el('span', 'readout', row.readout),
        );
        item.addEventListener('click', () => this.events.onToggleRun(row.runDir));
        return item;
      }),
    );
  }

  showCheckpoint(checkpoint: CheckpointMarker | null, runLabel: string, runState: RunStatus | null): void {
    if (!checkpoint) {
      this.details.hidden = true;
      return;
    }
    this.details.hidden = false;
    const lines = [
      `${runLabel} · ${checkpoint.name} · step ${checkpoint.step ?? '?'} · ${checkpointStateLabel(checkpoint)}`,
      `saved ${new Date(checkpoint.mtimeMs).toLocaleString()}`,
      ...checkpoint.problems.map((p) => `problem: ${p}`),
    ];
    this.detailsText.replaceChildren(
      ...lines.map((line) => el('div', line.startsWith('problem') ? 'problem' : '', line)),
    );
    this.resumeCheckpoint.disabled = !checkpoint.valid || runState === 'training' || runState === 'stopping';
  }

  setMessage(text: string): void {
    this.message.textContent = text;
    this.message.hidden = text === '';
  }
}

/** What the three kinds of line mean; each sample is drawn as its lines are (see plotOptions.ts). */
function seriesKey(): HTMLElement {
  const key = el('div', 'series-key');
  for (const [kind, text] of [
    ['raw', 'raw loss'],
    ['smoothed', 'smoothed loss'],
    ['lr', 'learning rate'],
  ] as const) {
    const item = el('span', `series-key-item key-${kind}`);
    item.append(el('span', 'key-line'), el('span', 'key-text', text));
    key.append(item);
  }
  return key;
}
