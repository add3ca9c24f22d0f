/**
 * Loss-curves panel benchmark (not a test): time to first render of a run with 1,000,000 logged
 * steps (host: read metrics.jsonl + downsample + serialise; webview: validate + smooth + draw), and
 * the webview's redraw cost while points stream in. Run: npx tsx bench/panel/lossCurves.bench.ts
 */
import { mkdtempSync, rmSync, createWriteStream, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMetricsFile } from '../../src/core/metrics/metricsReader';
import { downsampleColumns } from '../../src/core/metrics/downsample';
import { buildWebviewBundle } from '../../test/webview/harness/bundle';
import { installVsCodeStub, launchChromium, waitForPosted } from '../../test/webview/harness/browser';
import { servePanel } from '../../test/webview/harness/server';

const STEPS = Number(process.env.BENCH_STEPS ?? 1_000_000);

async function writeMetrics(path: string): Promise<void> {
  const out = createWriteStream(path);
  let seed = 1;
  const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  for (let step = 1; step <= STEPS; step++) {
    const loss = 0.1 + 2 * Math.exp(-step / (STEPS / 6)) * (1 + (random() - 0.5) * 0.4);
    const line = `{"step":${step},"loss":${loss},"lr":${1e-3 * 0.5 * (1 + Math.cos((Math.PI * step) / STEPS))},"examples_per_sec":${900 + random() * 200},"time":${1_700_000_000_000 + step * 20}}\n`;
    if (!out.write(line)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise<void>((r) => out.end(r));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'loss-bench-'));
  const metrics = join(dir, 'metrics.jsonl');
  await writeMetrics(metrics);
  console.log(`metrics.jsonl: ${STEPS.toLocaleString()} steps, ${(statSync(metrics).size / 1e6).toFixed(1)} MB`);

  const assets = await buildWebviewBundle();
  const server = await servePanel(assets);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
    await installVsCodeStub(page);
    await page.goto(server.url);
    const ready = await waitForPosted(page, 'ready');
    const maxPoints = (ready['plotWidth'] as number) * 2;

    const t0 = performance.now();
    const history = await readMetricsFile(metrics);
    const t1 = performance.now();
    const series = downsampleColumns(history.series.columns(), 0, history.series.length, maxPoints);
    const t2 = performance.now();
    const message = { type: 'init', runs: [{ runDir: dir, label: 'bench', state: 'training', series, totalPoints: history.series.length, checkpoints: [], resumes: [] }] };
    const json = JSON.stringify(message);
    const t3 = performance.now();
    // In the page: from the message arriving to the chart drawn and painted (two animation frames).
    const renderMs = await page.evaluate(async (m) => {
      const start = performance.now();
      window.postMessage(m, '*');
      const lc = (globalThis as any).__lossCurves;
      while (lc.seriesCount() < 2) await new Promise((r) => requestAnimationFrame(r));
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return performance.now() - start;
    }, message);
    const t4 = performance.now();
    console.log(`first render of ${STEPS.toLocaleString()} steps (${series.steps.length} points sent, ${(json.length / 1024).toFixed(0)} KiB):`);
    console.log(`  host read ${(t1 - t0).toFixed(0)} ms + downsample ${(t2 - t1).toFixed(1)} ms + serialise ${(t3 - t2).toFixed(1)} ms`);
    console.log(`  webview validate+smooth+draw+paint ${renderMs.toFixed(0)} ms`);
    console.log(`  total ${(t4 - t0).toFixed(0)} ms`);

    // Streaming: 20 points per message, 50 messages a second (1,000 steps/s), for 5 seconds.
    const stream = await page.evaluate(async (firstStep) => {
      const lc = (globalThis as any).__lossCurves;
      const before = lc.redrawStats();
      const start = performance.now();
      let step = firstStep;
      for (let i = 0; i < 250; i++) {
        const steps: number[] = [];
        const loss: number[] = [];
        const lr: number[] = [];
        for (let k = 0; k < 20; k++, step++) {
          steps.push(step);
          loss.push(0.1 + Math.random() * 0.02);
          lr.push(1e-5);
        }
        window.postMessage({ type: 'points', runDir: lc.settings().runDirs[0], series: { steps, loss, lr } }, '*');
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, 300));
      const after = lc.redrawStats();
      return {
        seconds: (performance.now() - start) / 1000,
        redraws: after.count - before.count,
        avgMs: (after.totalMs - before.totalMs) / Math.max(1, after.count - before.count),
        maxMs: after.maxMs,
        points: lc.drawnRuns()[0].steps.length,
      };
    }, STEPS + 1);
    console.log(
      `streaming 1,000 steps/s for ${stream.seconds.toFixed(1)} s onto that chart: ${stream.redraws} redraws (${(stream.redraws / stream.seconds).toFixed(1)}/s), ` +
        `${stream.avgMs.toFixed(1)} ms each on average, ${stream.maxMs.toFixed(1)} ms at most; ${stream.points} points drawn`,
    );
  } finally {
    await browser.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(assets, { recursive: true, force: true });
  }
}

void main();
