/**
 * The panel bench's reference: uPlot alone (its own iife build, as the panel bundles it) in a blank
 * page, drawing the same points with the panel's series layout (raw loss, a second loss line where
 * the panel draws its smoothed curve, lr on its own axis) but none of our processing: no message
 * validation, no EMA, no markers, no legend. Timed the way the panel is timed.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';

export interface BareUplot {
  page: Page;
  /** uPlot's script (the iife build the panel bundles) evaluated in the blank page. */
  scriptMs: number;
}

export interface PlotSeries {
  steps: number[];
  loss: Array<number | null>;
  lr: Array<number | null>;
}

export async function openBareUplotPage(browser: Browser, size: { width: number; height: number }): Promise<BareUplot> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
  // tsx compiles the page functions with esbuild's keepNames, which calls a `__name` helper.
  await page.addInitScript('globalThis.__name = (f) => f;');
  await page.setContent(`<div id="chart" style="width:${size.width}px;height:${size.height}px"></div>`);
  await page.addStyleTag({ path: require.resolve('uplot/dist/uPlot.min.css') });
  const source = await readFile(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  // An inline script runs when it is appended: its parse and evaluation, timed in the page.
  const scriptMs = await page.evaluate((text) => {
    const script = document.createElement('script');
    script.textContent = text;
    const start = performance.now();
    document.head.append(script);
    return performance.now() - start;
  }, source);
  await page.evaluate((s) => ((globalThis as any).__chartSize = s), size);
  return { page, scriptMs };
}

/** new uPlot on the points, then two animation frames (drawn and painted): ms. */
export async function drawBareUplot(chart: BareUplot, series: PlotSeries): Promise<number> {
  return chart.page.evaluate(async (s) => {
    const g = globalThis as any;
    const start = performance.now();
    const opts = {
      width: g.__chartSize.width,
      height: g.__chartSize.height,
      legend: { show: false },
      scales: { x: { time: false }, y: {}, lr: {} },
      axes: [
        { label: 'step' },
        { label: 'loss', scale: 'y' },
        { label: 'learning rate', scale: 'lr', side: 1, size: 72 },
      ],
      series: [
        {},
        { stroke: '#3794ff55', scale: 'y' },
        { stroke: '#3794ff', width: 2, scale: 'y' },
        { stroke: '#3794ffcc', dash: [4, 4], scale: 'lr' },
      ],
    };
    g.__plot?.destroy();
    g.__data = [s.steps.slice(), s.loss.slice(), s.loss.slice(), s.lr.slice()];
    g.__plot = new g.uPlot(opts, g.__data, document.getElementById('chart'));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    return performance.now() - start;
  }, series);
}

/**
 * Replays the panel's streaming: before each redraw the data grows to the count the panel drew then;
 * setData is timed until the microtasks queued after it (uPlot's deferred draw) have run. Mean ms.
 */
export async function redrawBareUplot(
  chart: BareUplot,
  series: PlotSeries,
  pointsPerRedraw: number[],
): Promise<number> {
  if (pointsPerRedraw.length === 0) throw new Error('the panel made no redraw to compare with');
  return chart.page.evaluate(
    async ({ s, counts }) => {
      const g = globalThis as any;
      const data: Array<Array<number | null>> = [s.steps.slice(), s.loss.slice(), s.loss.slice(), s.lr.slice()];
      let step = s.steps[s.steps.length - 1] ?? 0;
      let total = 0;
      for (const count of counts) {
        while (data[0]!.length < count) {
          step++;
          const loss = 0.1 + Math.random() * 0.02;
          data[0]!.push(step);
          data[1]!.push(loss);
          data[2]!.push(loss);
          data[3]!.push(1e-5);
        }
        const start = performance.now();
        g.__plot.setData(data);
        await Promise.resolve().then(() => Promise.resolve());
        total += performance.now() - start;
        await new Promise((r) => setTimeout(r, 20));
      }
      return total / counts.length;
    },
    { s: series, counts: pointsPerRedraw },
  );
}
