/**
 * The loss chart: one uPlot with, per visible run, the raw loss (faint), the smoothed loss (bold,
 * TensorBoard's debiased EMA) and the learning rate (dashed, on its own right-hand axis). Drag a
 * box to zoom both axes; double-click or resetZoom() to go back.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { debiasedEma } from '../../src/core/metrics/ema';
import type { RunData } from './runStore';
import { withAlpha, type ChartTheme } from './theme';

export interface ChartSettings {
  smoothing: number;
  logScale: boolean;
  hiddenRuns: ReadonlySet<string>;
}

export interface ChartEvents {
  /** The cursor moved to `step` (null: left the plot). */
  onCursor(step: number | null): void;
  /** The user zoomed the step axis to [min, max]. */
  onUserZoom(min: number, max: number): void;
  /** After every draw: marker overlays reposition here. */
  onDraw(plot: uPlot): void;
}

/** What was drawn for one run, in the run's own step grid (for markers, read-out and tests). */
export interface DrawnRun {
  runDir: string;
  steps: number[];
  raw: Array<number | null>;
  smoothed: Array<number | null>;
  lr: Array<number | null>;
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

export class LossChart {
  private plot: uPlot | null = null;
  private configKey = '';
  private drawn: DrawnRun[] = [];
  zoomed = false;

  constructor(
    private readonly container: HTMLElement,
    private readonly events: ChartEvents,
  ) {
    new ResizeObserver(() => this.resize()).observe(container);
  }

  get uplot(): uPlot | null {
    return this.plot;
  }

  get drawnRuns(): readonly DrawnRun[] {
    return this.drawn;
  }

  /** Plot-area width in CSS pixels (what the host downsamples to). */
  plotWidth(): number {
    return Math.max(100, Math.round(this.container.clientWidth || 800));
  }

  /** Recomputes the series and redraws; rebuilds uPlot only when runs, scale type or theme changed. */
  render(runs: RunData[], settings: ChartSettings, theme: ChartTheme, colorOf: (runDir: string) => string): void {
    const visible = runs.filter((r) => !settings.hiddenRuns.has(r.runDir));
    this.drawn = visible.map((run) => this.computeRun(run, settings));
    const data = this.align(this.drawn);
    const key = JSON.stringify([visible.map((r) => r.runDir), settings.logScale, theme]);
    if (!this.plot || key !== this.configKey) {
      this.plot?.destroy();
      this.configKey = key;
      this.zoomed = false;
      this.plot = new uPlot(this.options(visible, settings, theme, colorOf), data, this.container);
    } else {
      this.plot.setData(data, !this.zoomed);
    }
  }

  resetZoom(): void {
    if (!this.plot) return;
    this.zoomed = false;
    this.plot.setData(this.plot.data, true);
  }

  private computeRun(run: RunData, settings: ChartSettings): DrawnRun {
    const smoothedAll = debiasedEma(run.loss, settings.smoothing);
    const positive = (v: number | null): number | null => (v === null || (settings.logScale && v <= 0) ? null : v);
    return {
      runDir: run.runDir,
      steps: run.steps,
      raw: run.loss.map((v) => positive(v === null ? null : finite(v))),
      smoothed: Array.from(smoothedAll, (v) => positive(finite(v))),
      lr: run.lr,
    };
  }

  /** One x array for all runs: uPlot.join fills the gaps between grids with undefined (spanned). */
  private align(runs: DrawnRun[]): uPlot.AlignedData {
    if (runs.length === 0) return [[]];
    const tables = runs.map((r) => [r.steps, r.raw, r.smoothed, r.lr] as uPlot.AlignedData);
    if (tables.length === 1) return tables[0] as uPlot.AlignedData;
    return uPlot.join(tables);
  }

  private options(visible: RunData[], settings: ChartSettings, theme: ChartTheme, colorOf: (runDir: string) => string): uPlot.Options {
    const series: uPlot.Series[] = [{ label: 'step' }];
    for (const run of visible) {
      const color = colorOf(run.runDir);
      series.push(
        { label: `${run.label} loss`, stroke: withAlpha(color, theme.highContrast ? 0.5 : 0.22), width: 1, scale: 'y', spanGaps: false },
        { label: `${run.label} smoothed`, stroke: color, width: 2, scale: 'y', spanGaps: false },
        { label: `${run.label} lr`, stroke: withAlpha(color, 0.8), width: 1, dash: [4, 4], scale: 'lr', spanGaps: true },
      );
    }
    const axis = (label: string, extra: Partial<uPlot.Axis> = {}): uPlot.Axis => ({
      label,
      stroke: theme.foreground,
      font: theme.font,
      labelFont: theme.font,
      grid: { stroke: theme.grid, width: 1 },
      ticks: { stroke: theme.grid, width: 1 },
      ...extra,
    });
    return {
      width: this.plotWidth(),
      height: Math.max(160, this.container.clientHeight || 400),
      legend: { show: false },
      cursor: {
        drag: { x: true, y: true, uni: 30 },
        // Our reset (not uPlot's) so a double-click is not taken for a user zoom.
        bind: {
          dblclick: () => () => {
            this.resetZoom();
            return null;
          },
        },
        points: { size: 6 },
      },
      scales: {
        x: { time: false },
        y: settings.logScale ? { distr: 3, log: 10 } : {},
        lr: {},
      },
      axes: [
        axis('step'),
        axis(settings.logScale ? 'loss (log)' : 'loss', { scale: 'y' }),
        axis('learning rate', {
          scale: 'lr',
          side: 1,
          size: 72,
          grid: { show: false },
          values: (_u, ticks) => ticks.map((t) => (t === 0 ? '0' : t.toExponential(1))),
        }),
      ],
      series,
      hooks: {
        setCursor: [(u) => this.events.onCursor(u.cursor.idx == null ? null : (u.data[0][u.cursor.idx] ?? null))],
        // A drag that ends in a selection is the user zooming (uPlot then sets the scales).
        setSelect: [
          (u) => {
            if (u.select.width <= 0 && u.select.height <= 0) return;
            this.zoomed = true;
            setTimeout(() => {
              const min = u.scales.x?.min;
              const max = u.scales.x?.max;
              if (min != null && max != null) this.events.onUserZoom(min, max);
            }, 0);
          },
        ],
        draw: [(u) => this.events.onDraw(u)],
      },
    };
  }

  private resize(): void {
    if (!this.plot) return;
    this.plot.setSize({ width: this.plotWidth(), height: Math.max(160, this.container.clientHeight || 400) });
  }
}
