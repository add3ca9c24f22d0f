/**
 * What the panel exports: the chart as one PNG (the panes stacked, on the theme's background) and
 * the charted metric's points as CSV (every point the panel holds for each visible run, unsmoothed).
 */
import type { RunData } from './runStore';
import { metricPoints } from './metrics';

const csvField = (text: string): string => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
const csvNumber = (v: number | null | undefined): string => (v === null || v === undefined ? '' : String(v));

/** Header `run,run_dir,metric,step,wall_time,value`; a missing value or time is an empty field. */
export function metricCsv(runs: readonly RunData[], metric: string): string {
  const lines = ['run,run_dir,metric,step,wall_time,value'];
  for (const run of runs) {
    const p = metricPoints(run, metric);
    const prefix = `${csvField(run.label)},${csvField(run.runDir)},${csvField(metric)}`;
    for (let i = 0; i < p.steps.length; i++)
      lines.push(`${prefix},${p.steps[i]},${csvNumber(p.time[i])},${csvNumber(p.values[i])}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The panes' canvases stacked top to bottom, as PNG bytes in base64. */
export function chartPng(canvases: readonly HTMLCanvasElement[], background: string): string {
  const width = Math.max(1, ...canvases.map((c) => c.width));
  const height = Math.max(
    1,
    canvases.reduce((sum, c) => sum + c.height, 0),
  );
  const out = document.createElement('canvas');
  out.width = width;
  out.height = height;
  const ctx = out.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas context to draw the export');
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, width, height);
  let y = 0;
  for (const c of canvases) {
    ctx.drawImage(c, 0, y);
    y += c.height;
  }
  return out.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
}

/** A file name from the metric, safe on every platform. */
export function exportName(metric: string, extension: 'png' | 'csv'): string {
  return `${metric.replace(/[^A-Za-z0-9_.-]+/g, '_')}.${extension}`;
}
