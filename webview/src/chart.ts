/**
 * The loss chart: two uPlot panes with one step axis. The top pane has, per visible run, the raw
 * loss (faint) and the smoothed loss (bold, TensorBoard's debiased EMA); the pane underneath has
 * the learning rate (dashed), so 1e-3 is never squashed beside a loss of 0.05 on one axis. Cursor
 * and step zoom are shared; drag a box in the loss pane to zoom both axes, double-click or
 * resetZoom() to go back. The loss axis turns logarithmic by itself when the loss spans more than
 * two decades, unless the user chose; the learning-rate axis when the runs' peak learning rates are
 * more than a decade apart (SGD at 0.05 beside Adam at 1e-3 would otherwise lie on the floor).
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { debiasedEma } from '../../src/core/metrics/ema';
import type { XAxisMode } from '../../src/core/protocol/webview';
import { LOSS, metricLabel, metricPoints, withXAxis, X_AXIS_LABELS } from './metrics';
import { lossPaneOptions, lrPaneOptions, type PaneHooks } from './plotOptions';
import type { RunData } from './runStore';
import type { ChartTheme } from './theme';

/** The user's choice of loss axis, or 'auto': log when the loss spans more than AUTO_LOG_DECADES. */
export type LogScaleSetting = boolean | 'auto';
export const AUTO_LOG_DECADES = 2;
/**
 * Log learning-rate axis when the visible runs' peak rates are more than this many decades apart.
 * Peaks, not every value: one run's warm-up from 0 or decay towards 0 spans decades by itself and
 * reads best on a linear axis.
 */
export const LR_AUTO_LOG_DECADES = 1;

export interface ChartSettings {
  smoothing: number;
  logScale: LogScaleSetting;
  hiddenRuns: ReadonlySet<string>;
  /** The charted metric (metrics.ts); the learning-rate pane shows only under the loss. */
  metric: string;
  xAxis: XAxisMode;
}

export interface ChartEvents {
  /** The cursor moved to `step` (null: left the plot). */
  onCursor(step: number | null): void;
  /** The user zoomed the step axis to [min, max]. */
  onUserZoom(min: number, max: number): void;
  /** After every draw of the loss pane: marker overlays reposition here. */
  onDraw(plot: uPlot): void;
}

/** What was drawn for one run, in the run's own grid (for markers, read-out and tests). */
export interface DrawnRun {
  runDir: string;
  /** x values: steps, or seconds (since the epoch, or since the run's first point) by time. */
  steps: number[];
  raw: Array<number | null>;
  smoothed: Array<number | null>;
  lr: Array<number | null>;
}

const finite = (v: number | null): number | null => (v !== null && Number.isFinite(v) ? v : null);

/** Decades between the smallest and largest positive value (0 when fewer than two). */
export function valueDecades(columns: ReadonlyArray<ReadonlyArray<number | null>>): number {
  let min = Infinity;
  let max = 0;
  for (const column of columns) {
    for (const v of column) {
      if (v === null || !(v > 0) || !Number.isFinite(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return max > min ? Math.log10(max / min) : 0;
}

/** Decades between the smallest and the largest of the runs' peak learning rates (0 for one run). */
export function lrPeakDecades(runs: readonly RunData[]): number {
  const peaks = runs
    .map((run) => Math.max(0, ...run.lr.filter((v): v is number => v !== null && Number.isFinite(v))))
    .filter((p) => p > 0);
  return peaks.length < 2 ? 0 : Math.log10(Math.max(...peaks) / Math.min(...peaks));
}

const MIN_PANE_HEIGHT = 160;
let nextSyncKey = 0;

export class LossChart {
  private loss: uPlot | null = null;
  private lr: uPlot | null = null;
  private readonly lossHost = document.createElement('div');
  private readonly lrHost = document.createElement('div');
  private readonly syncKey = `loss-curves-${nextSyncKey++}`;
  private configKey = '';
  private drawn: DrawnRun[] = [];
  /** The panes' sizes as last built or set: a resize notice of the same sizes redraws nothing. */
  private sizes = '';
  private log = false;
  private lrLog = false;
  zoomed = false;

  constructor(
    private readonly container: HTMLElement,
    private readonly events: ChartEvents,
  ) {
    this.lossHost.className = 'loss-pane';
    this.lrHost.className = 'lr-pane';
    container.append(this.lossHost, this.lrHost);
    new ResizeObserver(() => this.resize()).observe(container);
  }

  /** The loss pane (markers live on it). */
  get uplot(): uPlot | null {
    return this.loss;
  }

  /** The learning-rate pane; null when no visible run logged a learning rate. */
  get lrUplot(): uPlot | null {
    return this.lr;
  }

  get drawnRuns(): readonly DrawnRun[] {
    return this.drawn;
  }

  /** Whether the learning-rate axis is logarithmic now (chosen from the runs' peak rates). */
  get lrLogScale(): boolean {
    return this.lrLog;
  }

  /** Whether the loss axis is logarithmic now (chosen by the user, or automatically). */
  get logScale(): boolean {
    return this.log;
  }

  /** Plot-area width in CSS pixels (what the host downsamples to). */
  plotWidth(): number {
    return Math.max(100, Math.round(this.container.clientWidth || 800));
  }

  /** Recomputes the series and redraws; rebuilds the panes only when runs, scale type or theme changed. */
  render(runs: RunData[], settings: ChartSettings, theme: ChartTheme, colorOf: (runDir: string) => string): void {
    const visible = runs.filter((r) => !settings.hiddenRuns.has(r.runDir));
    const charted = visible.map((run) => withXAxis(metricPoints(run, settings.metric), settings.xAxis));
    this.log =
      settings.logScale === 'auto' ? valueDecades(charted.map((c) => c.values)) > AUTO_LOG_DECADES : settings.logScale;
    this.lrLog = lrPeakDecades(visible) > LR_AUTO_LOG_DECADES;
    this.drawn = visible.map((run, i) => this.computeRun(run, charted[i]!, settings));
    const hasLr = settings.metric === LOSS && this.drawn.some((r) => r.lr.some((v) => finite(v) !== null));
    const [lossData, lrData] = this.align(this.drawn);
    const labels = {
      x: X_AXIS_LABELS[settings.xAxis],
      y: metricLabel(settings.metric),
      time: settings.xAxis === 'wall',
    };
    const key = JSON.stringify([visible.map((r) => r.runDir), this.log, this.lrLog, hasLr, theme, labels]);
    if (!this.loss || key !== this.configKey) {
      this.destroy();
      this.configKey = key;
      this.zoomed = false;
      const panes = visible.map((r) => ({ label: r.label, color: colorOf(r.runDir) }));
      const { loss, lr } = this.paneSizes(hasLr);
      this.sizes = JSON.stringify([loss, lr]);
      this.lrHost.hidden = !hasLr;
      this.loss = new uPlot(
        lossPaneOptions(panes, loss, this.log, !hasLr, theme, this.hooks(), labels),
        lossData,
        this.lossHost,
      );
      if (hasLr)
        this.lr = new uPlot(lrPaneOptions(panes, lr, this.lrLog, theme, this.hooks(), labels), lrData, this.lrHost);
    } else {
      this.loss.setData(lossData, !this.zoomed);
      this.lr?.setData(lrData, !this.zoomed);
    }
  }

  resetZoom(): void {
    this.zoomed = false;
    for (const plot of [this.loss, this.lr]) plot?.setData(plot.data, true);
  }

  private destroy(): void {
    this.loss?.destroy();
    this.lr?.destroy();
    this.loss = null;
    this.lr = null;
  }

  private hooks(): PaneHooks {
    return {
      syncKey: this.syncKey,
      onCursor: (u) => {
        // Both panes move together (uPlot's cursor sync); the loss pane speaks for both.
        if (u === this.loss) this.events.onCursor(u.cursor.idx == null ? null : (u.data[0][u.cursor.idx] ?? null));
      },
      onStepZoom: (u) => this.followStepZoom(u),
      onSelect: (u) => {
        // A drag that ends in a selection is the user zooming (uPlot then sets the scales).
        if (u.select.width <= 0 && u.select.height <= 0) return;
        this.zoomed = true;
        setTimeout(() => {
          const min = u.scales.x?.min;
          const max = u.scales.x?.max;
          if (min != null && max != null) this.events.onUserZoom(min, max);
        }, 0);
      },
      onDoubleClick: () => this.resetZoom(),
      onDraw: (u) => {
        if (u === this.loss) this.events.onDraw(u);
      },
    };
  }

  /** Gives the other pane the step range one pane was zoomed to (equal ranges end the echo). */
  private followStepZoom(source: uPlot): void {
    const other = source === this.loss ? this.lr : this.loss;
    const { min, max } = source.scales.x ?? {};
    if (!other || min == null || max == null) return;
    const { min: otherMin, max: otherMax } = other.scales.x ?? {};
    if (otherMin !== min || otherMax !== max) other.setScale('x', { min, max });
  }

  private computeRun(
    run: RunData,
    charted: { x: number[]; values: Array<number | null> },
    settings: ChartSettings,
  ): DrawnRun {
    const smoothedAll = debiasedEma(charted.values, settings.smoothing);
    const shown = (v: number | null): number | null => {
      const f = finite(v);
      return f === null || (this.log && f <= 0) ? null : f;
    };
    // The learning rate shares the loss's points; under another metric or by time it is not drawn.
    const lr = settings.metric === LOSS && settings.xAxis === 'step' ? run.lr : charted.x.map(() => null);
    return {
      runDir: run.runDir,
      steps: charted.x,
      raw: charted.values.map(shown),
      smoothed: Array.from(smoothedAll, shown),
      // A log axis has no place for a rate of 0 (a warm-up's start, a decay's end).
      lr: this.lrLog ? lr.map((v) => (v !== null && v > 0 ? v : null)) : lr,
    };
  }

  /** The panes' canvases top to bottom (for the PNG export). */
  canvases(): HTMLCanvasElement[] {
    return [this.loss, this.lr].filter((p): p is uPlot => p !== null).map((p) => p.ctx.canvas);
  }

  /** One x array for all runs in each pane: uPlot.join fills the gaps between grids with undefined. */
  private align(runs: DrawnRun[]): [uPlot.AlignedData, uPlot.AlignedData] {
    if (runs.length === 0) return [[[]], [[]]];
    const join = (tables: uPlot.AlignedData[]): uPlot.AlignedData =>
      tables.length === 1 ? (tables[0] as uPlot.AlignedData) : uPlot.join(tables);
    return [join(runs.map((r) => [r.steps, r.raw, r.smoothed])), join(runs.map((r) => [r.steps, r.lr]))];
  }

  private paneSizes(hasLr: boolean): {
    loss: { width: number; height: number };
    lr: { width: number; height: number };
  } {
    const width = this.plotWidth();
    const total = Math.max(MIN_PANE_HEIGHT, this.container.clientHeight || 400);
    const lrHeight = hasLr ? Math.min(200, Math.max(110, Math.round(total * 0.3))) : 0;
    return { loss: { width, height: Math.max(MIN_PANE_HEIGHT, total - lrHeight) }, lr: { width, height: lrHeight } };
  }

  private resize(): void {
    if (!this.loss) return;
    const { loss, lr } = this.paneSizes(this.lr !== null);
    // ResizeObserver also reports the size the panes were just built for (its first notice, a layout
    // change that left the chart's box as it was): redrawing both panes then would double a paint.
    const sizes = JSON.stringify([loss, lr]);
    if (sizes === this.sizes) return;
    this.sizes = sizes;
    this.loss.setSize(loss);
    this.lr?.setSize(lr);
    // The axes' padding is a number of pixels: ranges chosen for the old height are chosen again.
    if (!this.zoomed) for (const plot of [this.loss, this.lr]) plot?.setData(plot.data, true);
  }
}
