/**
 * uPlot options for the panel's two panes: the loss (raw faint, smoothed bold) on top and the
 * learning rate (dashed) underneath, sharing the step axis. Both panes reserve the same room left
 * and right so their plot areas line up pixel for pixel, which cursor and zoom sync rely on.
 */
import uPlot from 'uplot';
import { formatTicks, linearTicks, logTickLabels, logTicks, paddedRange } from './axisTicks';
import { withAlpha, type ChartTheme } from './theme';

/** Room for the value axis (tick labels such as "-1.25e-10") in both panes. */
const VALUE_AXIS_SIZE = 70;
const PADDING: uPlot.Padding = [10, 24, 0, 0];
const LR_DASH = [4, 4];

export interface PaneRun {
  label: string;
  color: string;
}

/** Axis labels for the chosen x axis and metric; `time`: x is wall-clock seconds (dates on the axis). */
export interface PaneLabels {
  x: string;
  y: string;
  time: boolean;
}

const STEP_LABELS: PaneLabels = { x: 'step', y: 'loss', time: false };

export interface PaneHooks {
  syncKey: string;
  onCursor(u: uPlot): void;
  onStepZoom(u: uPlot): void;
  onSelect(u: uPlot): void;
  onDoubleClick(): void;
  onDraw(u: uPlot): void;
}

/** The plot area's length in CSS pixels along a vertical axis (before the first layout: a guess). */
function plotHeight(u: uPlot): number {
  const h = u.bbox?.height;
  return Number.isFinite(h) && h > 0 ? h / uPlot.pxRatio : Math.max(100, u.height - 40);
}

function axisBase(theme: ChartTheme, label: string): uPlot.Axis {
  return {
    label,
    stroke: theme.foreground,
    font: theme.font,
    labelFont: theme.font,
    grid: { stroke: theme.grid, width: 1 },
    ticks: { stroke: theme.grid, width: 1 },
  };
}

/** A value axis with our ticks and labels (axisTicks.ts), linear or log. */
function valueAxis(theme: ChartTheme, label: string, scale: string, log: boolean): uPlot.Axis {
  return {
    ...axisBase(theme, label),
    scale,
    size: VALUE_AXIS_SIZE,
    splits: (u, _i, min, max) => (log ? logTicks(min, max, plotHeight(u)) : linearTicks(min, max, plotHeight(u))),
    filter: (_u, splits) => splits,
    values: (u, splits) => {
      const ticks = splits.filter((t): t is number => t != null);
      const { min, max } = u.scales[scale] ?? {};
      if (log && min != null && max != null) return logTickLabels(ticks, min, max, plotHeight(u));
      return formatTicks(ticks);
    },
  };
}

function valueScale(log: boolean): uPlot.Scale {
  const range: uPlot.Range.Function = (u, min, max) => paddedRange(min, max, plotHeight(u), log);
  return log ? { distr: 3, log: 10, range } : { range };
}

function stepAxis(theme: ChartTheme, labelled: boolean, label = 'step'): uPlot.Axis {
  // Without labels (the loss pane above the learning-rate pane) the axis keeps its grid lines only.
  return labelled
    ? axisBase(theme, label)
    : { ...axisBase(theme, ''), size: 6, labelSize: 0, values: (_u, splits) => splits.map(() => '') };
}

function cursor(hooks: PaneHooks, zoomY: boolean): uPlot.Cursor {
  return {
    drag: { x: true, y: zoomY, uni: zoomY ? 30 : Infinity },
    // Our reset (not uPlot's) so a double-click is not taken for a user zoom.
    bind: {
      dblclick: () => () => {
        hooks.onDoubleClick();
        return null;
      },
    },
    points: { size: 6 },
    sync: { key: hooks.syncKey },
  };
}

function paneHooks(hooks: PaneHooks): uPlot.Hooks.Arrays {
  return {
    setCursor: [(u) => hooks.onCursor(u)],
    setSelect: [(u) => hooks.onSelect(u)],
    setScale: [(u, key) => key === 'x' && hooks.onStepZoom(u)],
    draw: [(u) => hooks.onDraw(u)],
  };
}

export function lossPaneOptions(
  runs: PaneRun[],
  size: { width: number; height: number },
  log: boolean,
  labelSteps: boolean,
  theme: ChartTheme,
  hooks: PaneHooks,
  labels: PaneLabels = STEP_LABELS,
): uPlot.Options {
  const series: uPlot.Series[] = [{ label: labels.x }];
  // Loss is logged every step (a gap is a non-finite loss); other metrics at their own steps.
  const spanGaps = labels.y !== 'loss';
  for (const run of runs) {
    series.push(
      {
        label: `${run.label} ${labels.y}`,
        stroke: withAlpha(run.color, theme.highContrast ? 0.5 : 0.22),
        width: 1,
        scale: 'y',
        spanGaps,
      },
      { label: `${run.label} smoothed`, stroke: run.color, width: 2, scale: 'y', spanGaps },
    );
  }
  return {
    ...size,
    padding: PADDING,
    legend: { show: false },
    cursor: cursor(hooks, true),
    scales: { x: { time: labels.time }, y: valueScale(log) },
    axes: [stepAxis(theme, labelSteps, labels.x), valueAxis(theme, log ? `${labels.y} (log)` : labels.y, 'y', log)],
    series,
    hooks: paneHooks(hooks),
  };
}

export function lrPaneOptions(
  runs: PaneRun[],
  size: { width: number; height: number },
  log: boolean,
  theme: ChartTheme,
  hooks: PaneHooks,
  labels: PaneLabels = STEP_LABELS,
): uPlot.Options {
  const series: uPlot.Series[] = [{ label: 'step' }];
  for (const run of runs)
    series.push({
      label: `${run.label} lr`,
      stroke: withAlpha(run.color, 0.85),
      width: 1.5,
      dash: LR_DASH,
      scale: 'lr',
      spanGaps: true,
    });
  return {
    ...size,
    padding: PADDING,
    legend: { show: false },
    cursor: { ...cursor(hooks, false), y: false },
    scales: { x: { time: labels.time }, lr: valueScale(log) },
    // The short pane has no room for "learning rate" (cut at both ends) or "(log)"; the key under the
    // legend spells it out and the tick values say log.
    axes: [stepAxis(theme, true, labels.x), valueAxis(theme, 'lr', 'lr', log)],
    series,
    hooks: paneHooks(hooks),
  };
}
