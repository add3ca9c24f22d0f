/**
 * Measures the loss-curves panel in headless Chromium (the webview harness of test/webview): first
 * render of a run with a long metrics.jsonl (host: the panel's RunCurves reading it in a reader worker
 * as the extension does, and the panel's `init` message (initMessages: downsampled loss curve, the
 * shown metric only), serialise; webview: validate + smooth + draw + paint), then the redraw
 * cost while points stream in, each next to a reference
 * taken in the same run: reading the same file with a bare JSON.parse per line, and a bare uPlot
 * (no validation, no smoothing, no markers) drawing the same points in a page of the same size.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { initMessages } from '../../src/extension/lossCurves/initMessages';
import { RunCurves } from '../../src/extension/lossCurves/runCurves';
import { installReaderPool } from '../../src/extension/reading';
import { ReaderPool } from '../../src/extension/reading/readerPool';
import { fileRunReader } from '../../src/extension/store/runReader';
import { readerWorkerBundle } from '../../test/unit/extension/reading/workerBundle';
import { buildWebviewBundle } from '../../test/webview/harness/bundle';
import { installVsCodeStub, launchChromium, waitForPosted } from '../../test/webview/harness/browser';
import { servePanel } from '../../test/webview/harness/server';
import { median } from '../result';
import { type BareUplot, drawBareUplot, openBareUplotPage, redrawBareUplot } from './bareUplot';

export interface LossCurvesPlan {
  /** Logged steps in the run's metrics.jsonl (the issue asks for 1,000,000). */
  steps: number;
  /** First renders, each in a fresh page; medians are reported. */
  renders: number;
  /** Seconds of streaming at 1,000 steps/s (20 points per message, 50 messages a second). */
  streamSeconds: number;
}

export interface LossCurvesFigures {
  steps: number;
  fileMb: number;
  pointsSent: number;
  messageKiB: number;
  // Medians over the renders, from here to webviewRenderMs.
  /** The panel page's start-up: its script arriving to `ready` (before the host reads anything). */
  pageStartupMs: number;
  /** Reference: uPlot's own script evaluated in a blank page. */
  uplotScriptMs: number;
  hostReadMs: number;
  downsampleMs: number;
  serialiseMs: number;
  webviewRenderMs: number;
  /** Host read to chart painted (host part + webview part). */
  firstRenderMs: number;
  /** Not in firstRenderMs: Playwright copying the message string into the page (VS Code's postMessage does not). */
  handOverMs: number;
  /** The very first render of the run, before its metrics cache exists (the product writes it then). */
  coldHostReadMs: number;
  coldFirstRenderMs: number;
  /** Reference: readFile + split + JSON.parse of every line of the same file. */
  plainParseMs: number;
  /** Reference: new uPlot on the same points + two animation frames, in a bare page of the same size. */
  bareUplotRenderMs: number;
  stream: {
    seconds: number;
    redraws: number;
    /** Redraw tasks including uPlot's deferred canvas draw (it commits in a microtask). */
    avgMs: number;
    maxMs: number;
    /** The panel's own RedrawScheduler figure: the synchronous part only. */
    schedulerAvgMs: number;
    points: number;
  };
  /** Reference: bare uPlot setData of the same growing point counts, timed the same way. */
  bareUplotRedrawMs: number;
}

async function writeMetrics(path: string, steps: number): Promise<void> {
  const out = createWriteStream(path);
  let seed = 1;
  const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  for (let step = 1; step <= steps; step++) {
    const loss = 0.1 + 2 * Math.exp(-step / (steps / 6)) * (1 + (random() - 0.5) * 0.4);
    const line = `{"step":${step},"loss":${loss},"lr":${1e-3 * 0.5 * (1 + Math.cos((Math.PI * step) / steps))},"examples_per_sec":${900 + random() * 200},"time":${1_700_000_000_000 + step * 20}}\n`;
    if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(r));
}

/** What a host that does nothing clever must do at least: read the file and parse every line. */
async function plainParse(path: string): Promise<number> {
  const t0 = performance.now();
  let count = 0;
  for (const line of (await readFile(path, 'utf8')).split('\n'))
    if (line) count += (JSON.parse(line) as { step: number }).step > 0 ? 1 : 0;
  if (count === 0) throw new Error('plain parse read no lines');
  return performance.now() - t0;
}

interface FirstRender {
  readMs: number;
  downsampleMs: number;
  serialiseMs: number;
  renderMs: number;
  /** Host read to chart painted: the host's part and the page's (Playwright's hand-over not counted). */
  totalMs: number;
  /** Playwright's hand-over of the message string to the page and of the answer back. */
  handOverMs: number;
  pointsSent: number;
  messageKiB: number;
  series: { steps: number[]; loss: Array<number | null>; lr: Array<number | null> };
  chartSize: { width: number; height: number };
}

interface OpenedPanel {
  page: Page;
  maxPoints: number;
  /** From the panel's script arriving to its `ready` (the script evaluated, the page laid out). */
  startupMs: number;
}

async function openPanel(browser: Browser, url: string): Promise<OpenedPanel> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
  await installVsCodeStub(page);
  await page.goto(url);
  const ready = await waitForPosted(page, 'ready');
  const startupMs = await page.evaluate(() => {
    const w = window as unknown as { __posted: Array<{ type: string }>; __postedAt: number[] };
    const script = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/loss-curves.js')) as
      PerformanceResourceTiming | undefined;
    const readyAt = w.__postedAt[w.__posted.findIndex((m) => m.type === 'ready')];
    if (!script || readyAt === undefined) throw new Error('the panel page did not load its script or post ready');
    return readyAt - script.responseEnd;
  });
  return { page, maxPoints: (ready['plotWidth'] as number) * 2, startupMs };
}

/** The run store's part of a panel's feed: this bench's run is outside any store (no checkpoints). */
const NO_STORE = { get: () => undefined, refresh: async () => undefined };

async function firstRender(page: Page, maxPoints: number, runDir: string): Promise<FirstRender> {
  const t0 = performance.now();
  // What the panel does on `ready`: its feed reads the run (metrics, TensorBoard files), then the
  // messages it posts (initMessages): `init` first, the run's other metrics after it.
  const feed = new RunCurves(runDir, 'bench', NO_STORE, fileRunReader, () => undefined);
  await feed.load();
  const t1 = performance.now();
  const messages = initMessages([feed], maxPoints, 'loss', undefined);
  const [snapshot] = messages.init.runs;
  const series = snapshot!.series;
  const t2 = performance.now();
  const json = JSON.stringify(messages.init);
  const t3 = performance.now();
  // In the page: from the message arriving to the chart drawn and painted (two animation frames).
  // It is handed over as the JSON string (Playwright copies a string as it is, an object field by
  // field), parsed in the timed part as the webview's side of the crossing.
  // Timed as the bare uPlot is: from the start to the chart drawn, then two animation frames. A
  // listener added now runs after the panel's own (added when the page loaded), so once it has run
  // the panel has handled the message (polling for the chart once per frame would add a frame).
  const renderMs = await page.evaluate(async (text) => {
    const start = performance.now();
    const handled = new Promise<void>((resolve) => window.addEventListener('message', () => resolve(), { once: true }));
    window.postMessage(JSON.parse(text) as unknown, '*');
    await handled;
    if ((globalThis as any).__lossCurves.seriesCount() < 2) throw new Error('the panel did not draw init');
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    return performance.now() - start;
  }, json);
  const t4 = performance.now();
  // Then the rest, as the panel posts it once the whole history is read (not part of the first paint).
  await feed.loadFull();
  for (const m of messages.rest())
    await page.evaluate((m) => window.postMessage(m, '*'), JSON.parse(JSON.stringify(m)) as unknown);
  const chartSize = await page.evaluate(() => {
    const box = document.querySelector('.uplot')!.getBoundingClientRect();
    return { width: Math.round(box.width), height: Math.round(box.height) };
  });
  return {
    readMs: t1 - t0,
    downsampleMs: t2 - t1,
    serialiseMs: t3 - t2,
    renderMs,
    totalMs: t3 - t0 + renderMs,
    handOverMs: t4 - t3 - renderMs,
    pointsSent: series.steps.length + Object.values(snapshot!.scalars ?? {}).reduce((n, m) => n + m.steps.length, 0),
    messageKiB: json.length / 1024,
    series: { steps: Array.from(series.steps), loss: Array.from(series.loss), lr: Array.from(series.lr) },
    chartSize,
  };
}

/**
 * Streams points into the panel and times each redraw task, including the canvas draw uPlot defers
 * to a microtask: setTimeout is wrapped so a task that redrew is timed until the microtasks queued
 * after it have run. Returns the point count after each redraw, for the reference to replay.
 */
async function stream(
  page: Page,
  firstStep: number,
  seconds: number,
): Promise<{ figures: LossCurvesFigures['stream']; pointsPerRedraw: number[] }> {
  return page.evaluate(
    async ({ firstStep, messages }) => {
      const lc = (globalThis as any).__lossCurves;
      const original = window.setTimeout.bind(window);
      const taskMs: number[] = [];
      const pointsPerRedraw: number[] = [];
      (window as any).setTimeout = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) =>
        original(() => {
          const before = lc.redrawStats().count;
          const start = performance.now();
          fn(...args);
          if (lc.redrawStats().count === before) return;
          pointsPerRedraw.push(lc.drawnRuns()[0].steps.length);
          void Promise.resolve()
            .then(() => Promise.resolve())
            .then(() => taskMs.push(performance.now() - start));
        }, ms);
      const before = lc.redrawStats();
      const start = performance.now();
      let step = firstStep;
      for (let i = 0; i < messages; i++) {
        const steps: number[] = [];
        const loss: number[] = [];
        const lr: number[] = [];
        for (let k = 0; k < 20; k++, step++) {
          steps.push(step);
          loss.push(0.1 + Math.random() * 0.02);
          lr.push(1e-5);
        }
        window.postMessage({ type: 'points', runDir: lc.settings().runDirs[0], series: { steps, loss, lr } }, '*');
        await new Promise((r) => original(r, 20));
      }
      await new Promise((r) => original(r, 300));
      (window as any).setTimeout = original;
      const after = lc.redrawStats();
      const redraws = after.count - before.count;
      return {
        figures: {
          seconds: (performance.now() - start) / 1000,
          redraws,
          avgMs: taskMs.reduce((a, b) => a + b, 0) / Math.max(1, taskMs.length),
          maxMs: Math.max(0, ...taskMs),
          schedulerAvgMs: (after.totalMs - before.totalMs) / Math.max(1, redraws),
          points: lc.drawnRuns()[0].steps.length,
        },
        pointsPerRedraw,
      };
    },
    { firstStep, messages: Math.max(1, Math.round(seconds * 50)) },
  );
}

export async function measureLossCurves(plan: LossCurvesPlan): Promise<LossCurvesFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'loss-bench-'));
  const metrics = join(dir, 'metrics.jsonl');
  let assets: string | undefined;
  let server: Awaited<ReturnType<typeof servePanel>> | undefined;
  let browser: Browser | undefined;
  // The host reads as the extension does: in a reader worker thread, the history handed back to it.
  const readers = installReaderPool(new ReaderPool({ workerScript: readerWorkerBundle(), budgetMs: () => 120_000 }));
  try {
    await writeMetrics(metrics, plan.steps);
    const fileMb = (await stat(metrics)).size / 1e6;
    assets = await buildWebviewBundle();
    server = await servePanel(assets);
    browser = await launchChromium();
    const renders: FirstRender[] = [];
    const plain: number[] = [];
    const bare: number[] = [];
    const startups: number[] = [];
    const uplotScripts: number[] = [];
    let panel: Page | undefined;
    let bareChart: BareUplot | undefined;
    // The first open of a run parses metrics.jsonl and writes the cache; every later open reads the cache.
    const coldPage = await openPanel(browser, server.url);
    const cold = await firstRender(coldPage.page, coldPage.maxPoints, dir);
    await coldPage.page.close();
    for (let i = 0; i < plan.renders; i++) {
      await panel?.close();
      const opened = await openPanel(browser, server.url);
      panel = opened.page;
      startups.push(opened.startupMs);
      const render = await firstRender(panel, opened.maxPoints, dir);
      renders.push(render);
      plain.push(await plainParse(metrics));
      await bareChart?.page.close();
      bareChart = await openBareUplotPage(browser, render.chartSize);
      uplotScripts.push(bareChart.scriptMs);
      bare.push(await drawBareUplot(bareChart, render.series));
    }
    const streamed = await stream(panel!, plan.steps + 1, plan.streamSeconds);
    const last = renders[renders.length - 1]!;
    const bareRedrawMs = await redrawBareUplot(bareChart!, last.series, streamed.pointsPerRedraw);
    return {
      steps: plan.steps,
      fileMb,
      pointsSent: last.pointsSent,
      messageKiB: last.messageKiB,
      pageStartupMs: median(startups),
      uplotScriptMs: median(uplotScripts),
      hostReadMs: median(renders.map((r) => r.readMs)),
      downsampleMs: median(renders.map((r) => r.downsampleMs)),
      serialiseMs: median(renders.map((r) => r.serialiseMs)),
      webviewRenderMs: median(renders.map((r) => r.renderMs)),
      firstRenderMs: median(renders.map((r) => r.totalMs)),
      handOverMs: median(renders.map((r) => r.handOverMs)),
      coldHostReadMs: cold.readMs,
      coldFirstRenderMs: cold.totalMs,
      plainParseMs: median(plain),
      bareUplotRenderMs: median(bare),
      stream: streamed.figures,
      bareUplotRedrawMs: bareRedrawMs,
    };
  } finally {
    readers.dispose();
    await browser?.close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
    if (assets) await rm(assets, { recursive: true, force: true });
  }
}
