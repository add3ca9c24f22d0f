/**
 * Checkpoint and resume markers as real buttons laid over the plot (inside uPlot's overlay), so
 * they can be clicked, focused with the keyboard and found by tests. Repositioned after every draw.
 * Checkpoint markers sit on the smoothed curve at their step; resume markers are vertical lines.
 */
import type uPlot from 'uplot';
import type { CheckpointMarker, ResumeMarkerMessage } from '../../src/core/protocol/webview';
import type { DrawnRun } from './chart';

export interface MarkerRun {
  drawn: DrawnRun;
  checkpoints: CheckpointMarker[];
  resumes: ResumeMarkerMessage[];
  color: string;
}

export interface SelectedCheckpoint {
  runDir: string;
  path: string;
}

function nearestIndex(steps: number[], step: number): number {
  let lo = 0;
  let hi = steps.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((steps[mid] as number) < step) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs((steps[lo - 1] as number) - step) < Math.abs((steps[lo] as number) - step)) return lo - 1;
  return lo;
}

/** Value of the series nearest to `step`, looking outward past gaps. */
export function valueNear(steps: number[], values: Array<number | null>, step: number): number | null {
  if (steps.length === 0) return null;
  const i = nearestIndex(steps, step);
  for (let d = 0; d < 50; d++) {
    const a = values[i - d];
    if (a != null) return a;
    const b = values[i + d];
    if (b != null) return b;
  }
  return null;
}

export function checkpointStateLabel(c: CheckpointMarker): string {
  const parts = [c.valid ? 'valid' : 'invalid'];
  if (c.latest) parts.push('latest');
  if (c.best) parts.push('best');
  return parts.join(', ');
}

export class MarkerLayer {
  private layer: HTMLDivElement | null = null;

  constructor(private readonly onSelect: (selected: SelectedCheckpoint) => void) {}

  draw(plot: uPlot, runs: MarkerRun[], selected: SelectedCheckpoint | null): void {
    if (!this.layer || this.layer.parentElement !== plot.over) {
      this.layer = document.createElement('div');
      this.layer.className = 'marker-layer';
      plot.over.appendChild(this.layer);
    }
    const layer = this.layer;
    layer.replaceChildren();
    const xMin = plot.scales.x?.min ?? -Infinity;
    const xMax = plot.scales.x?.max ?? Infinity;
    const height = plot.over.clientHeight;
    for (const run of runs) {
      for (const resume of run.resumes) {
        if (resume.step < xMin || resume.step > xMax) continue;
        const line = document.createElement('div');
        line.className = 'resume-marker';
        line.title = `Resumed from ${resume.from} at step ${resume.step}`;
        line.dataset['step'] = String(resume.step);
        line.style.left = `${plot.valToPos(resume.step, 'x')}px`;
        line.style.borderColor = run.color;
        const label = document.createElement('span');
        label.textContent = `↻ ${resume.from}`;
        line.appendChild(label);
        layer.appendChild(line);
      }
      for (const checkpoint of run.checkpoints) {
        if (checkpoint.step === null || checkpoint.step < xMin || checkpoint.step > xMax) continue;
        const y = valueNear(run.drawn.steps, run.drawn.smoothed, checkpoint.step);
        const top = y === null ? height - 8 : plot.valToPos(y, 'y');
        if (!Number.isFinite(top) || top < -8 || top > height + 8) continue;
        const button = document.createElement('button');
        const states = [checkpoint.valid ? 'valid' : 'invalid'];
        if (checkpoint.latest) states.push('latest');
        if (checkpoint.best) states.push('best');
        button.className = `checkpoint-marker ${states.join(' ')}`;
        if (selected && selected.runDir === run.drawn.runDir && selected.path === checkpoint.path)
          button.classList.add('selected');
        button.type = 'button';
        button.title = `${checkpoint.name} · step ${checkpoint.step} · ${checkpointStateLabel(checkpoint)}`;
        button.setAttribute('aria-label', button.title);
        button.dataset['path'] = checkpoint.path;
        button.dataset['run'] = run.drawn.runDir;
        button.style.left = `${plot.valToPos(checkpoint.step, 'x')}px`;
        button.style.top = `${top}px`;
        if (checkpoint.valid) button.style.backgroundColor = checkpoint.best ? '' : run.color;
        // Keep a click on a marker from starting a zoom drag underneath it.
        button.addEventListener('mousedown', (e) => e.stopPropagation());
        button.addEventListener('click', () => this.onSelect({ runDir: run.drawn.runDir, path: checkpoint.path }));
        layer.appendChild(button);
      }
    }
  }
}
