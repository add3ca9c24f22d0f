/**
 * Every metric in the loss-curves panel (headless Chromium, built bundle): the metric picker lists
 * loss, learning rate and each metric the runs logged and charts the chosen one; the x axis by
 * step, wall time or time since the run's start; the PNG and CSV export payloads posted to the host.
 */
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { cspViolations, postToPanel, waitForPosted } from './harness/browser';
import { fixtureRun, fixtureSeries } from './harness/fixtureRun';
import { DEFAULT_VIEWPORT, drawnRuns, initPanel, openPanelPage } from './harness/panelPage';
import type { PanelServer } from './harness/server';
import { openPanelHarness, type PanelHarness } from './harness/session';

const RUN = '/runs/hf-bert';
const T0 = 1_700_000_000;

function run() {
  const series = fixtureSeries({ steps: 20 });
  return fixtureRun(
    RUN,
    'hf-bert',
    { ...series, time: series.steps.map((s) => T0 + s * 2) },
    {
      scalars: {
        'eval/loss': { steps: [5, 10, 15], values: [0.9, 0.7, 0.6], time: [T0 + 10.5, T0 + 20.5, T0 + 30.5] },
        examples_per_sec: { steps: [1, 2], values: [100, 110], time: [null, null] },
      },
    },
  );
}

const choose = (page: Page, id: string, value: string) =>
  page.evaluate(
    ([id, value]) => {
      const select = document.getElementById(id!) as HTMLSelectElement;
      select.value = value!;
      select.dispatchEvent(new Event('change'));
    },
    [id, value],
  );

describe('loss-curves webview: every metric (headless Chromium)', function () {
  this.timeout(60_000);
  let harness: PanelHarness | undefined;
  let server: PanelServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    harness = await openPanelHarness();
    ({ server, browser } = harness);
  });
  after(async () => harness?.close());
  afterEach(async () => {
    if (page) {
      assert.deepEqual(await cspViolations(page), []);
      await page.context().close();
    }
  });

  it('lists every metric the run logged and charts the chosen one against steps', async () => {
    page = await openPanelPage(browser, server, undefined, DEFAULT_VIEWPORT);
    await waitForPosted(page, 'ready');
    await initPanel(page, { type: 'init', runs: [run()] });
    const options = await page
      .locator('#metric option')
      .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    assert.deepEqual(options, ['loss', 'lr', 'eval/loss', 'examples_per_sec']);
    await choose(page, 'metric', 'eval/loss');
    await page.waitForFunction(() => (globalThis as any).__lossCurves.drawnRuns()[0]?.steps.length === 3);
    const [drawn] = await drawnRuns(page);
    assert.deepEqual(drawn!.steps, [5, 10, 15]);
    assert.deepEqual(drawn!.raw, [0.9, 0.7, 0.6]);
    assert.equal(
      await page.evaluate(() => (globalThis as any).__lossCurves.lrSeriesCount()),
      0,
      'the learning-rate pane is for the loss only',
    );
    await page.waitForFunction(() =>
      (window as any).__posted.some((m: any) => m.type === 'settings' && m.settings.metric === 'eval/loss'),
    );
  });

  it('lists a metric init only named, and charts it when the `metrics` message that follows brings its points', async () => {
    page = await openPanelPage(browser, server, undefined, DEFAULT_VIEWPORT);
    const ready = await waitForPosted(page, 'ready');
    assert.equal(ready.metric, undefined, 'a fresh panel leaves the metric to the host');
    const first = run();
    // As the host sends a long run: the loss curve, and the other metrics by name only.
    await initPanel(page, {
      type: 'init',
      runs: [{ ...first, scalars: {}, metricNames: ['eval/loss', 'examples_per_sec'] }],
    });
    const options = await page
      .locator('#metric option')
      .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    assert.deepEqual(options, ['loss', 'lr', 'eval/loss', 'examples_per_sec']);
    await choose(page, 'metric', 'eval/loss');
    await page.waitForFunction(() => (globalThis as any).__lossCurves.drawnRuns()[0]?.steps.length === 0);
    await postToPanel(page, { type: 'metrics', runDir: '/runs/not-shown', scalars: first.scalars! });
    await postToPanel(page, { type: 'metrics', runDir: RUN, scalars: first.scalars! });
    await page.waitForFunction(() => (globalThis as any).__lossCurves.drawnRuns()[0]?.steps.length === 3);
    const [drawn] = await drawnRuns(page);
    assert.deepEqual(drawn!.steps, [5, 10, 15]);
    assert.deepEqual(drawn!.raw, [0.9, 0.7, 0.6]);
  });

  it('a restored panel tells the host the metric it shows, with ready', async () => {
    const state = {
      runDirs: [RUN],
      smoothing: 0,
      logScale: false,
      selectedRun: null,
      hiddenRuns: [],
      metric: 'eval/loss',
      xAxis: 'step',
    };
    page = await openPanelPage(browser, server, state, DEFAULT_VIEWPORT);
    assert.equal((await waitForPosted(page, 'ready')).metric, 'eval/loss');
  });

  it('live points of a metric (a TensorBoard tag appended while training) extend its curve', async () => {
    page = await openPanelPage(browser, server, undefined, DEFAULT_VIEWPORT);
    await waitForPosted(page, 'ready');
    await initPanel(page, { type: 'init', runs: [run()] });
    await choose(page, 'metric', 'eval/loss');
    await page.evaluate((runDir) => {
      window.postMessage(
        {
          type: 'points',
          runDir,
          series: { steps: [], loss: [], lr: [] },
          scalars: { 'eval/loss': { steps: [20], values: [0.5], time: [1_700_000_040.5] } },
        },
        '*',
      );
    }, RUN);
    await page
      .waitForFunction(() => (globalThis as any).__lossCurves.drawnRuns()[0]?.raw.length === 4, undefined, {
        timeout: 10_000,
      })
      .catch(() => undefined);
    assert.deepEqual((await drawnRuns(page))[0]!.raw, [0.9, 0.7, 0.6, 0.5]);
  });

  it('x axis by wall time and by time since start; points without a time are left out', async () => {
    page = await openPanelPage(browser, server, undefined, DEFAULT_VIEWPORT);
    await waitForPosted(page, 'ready');
    await initPanel(page, { type: 'init', runs: [run()] });
    await choose(page, 'metric', 'eval/loss');
    await choose(page, 'x-axis', 'wall');
    await page.waitForFunction((t0) => (globalThis as any).__lossCurves.drawnRuns()[0]?.steps[0] === t0 + 10.5, T0);
    assert.deepEqual((await drawnRuns(page))[0]!.steps, [T0 + 10.5, T0 + 20.5, T0 + 30.5]);
    await choose(page, 'x-axis', 'relative');
    await page.waitForFunction(() => (globalThis as any).__lossCurves.drawnRuns()[0]?.steps[0] === 0);
    assert.deepEqual((await drawnRuns(page))[0]!.steps, [0, 10, 20]);
    await choose(page, 'metric', 'examples_per_sec');
    await page.waitForFunction(() => (globalThis as any).__lossCurves.drawnRuns()[0]?.steps.length === 0);
  });

  it('exports the charted metric as CSV and the chart as PNG through the host', async () => {
    page = await openPanelPage(browser, server, undefined, DEFAULT_VIEWPORT);
    await waitForPosted(page, 'ready');
    await initPanel(page, { type: 'init', runs: [run()] });
    await choose(page, 'metric', 'eval/loss');
    await page.locator('#export-csv').click();
    const csv = await waitForPosted(page, 'export');
    assert.equal(csv.format, 'csv');
    assert.equal(csv.suggestedName, 'eval_loss.csv');
    assert.equal(
      csv.data,
      [
        'run,run_dir,metric,step,wall_time,value',
        ...[
          [5, 10.5, 0.9],
          [10, 20.5, 0.7],
          [15, 30.5, 0.6],
        ].map(([s, t, v]) => `hf-bert,/runs/hf-bert,eval/loss,${s},${T0 + t!},${v}`),
      ].join('\n') + '\n',
    );
    await page.locator('#export-png').click();
    await page.waitForFunction(() => (window as any).__posted.filter((m: any) => m.type === 'export').length === 2);
    const png = (await page.evaluate(() => (window as any).__posted.filter((m: any) => m.type === 'export')[1])) as {
      format: string;
      data: string;
      suggestedName: string;
    };
    assert.equal(png.format, 'png');
    assert.equal(png.suggestedName, 'eval_loss.png');
    const bytes = Buffer.from(png.data, 'base64');
    assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG');
    assert.ok(bytes.length > 2000, `a drawn chart, not an empty image (${bytes.length} bytes)`);
  });
});
