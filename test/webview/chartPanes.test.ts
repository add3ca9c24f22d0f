/**
 * The loss chart's layout and read-out (headless Chromium, built bundle): the learning rate in its
 * own pane under the loss with one cursor and one step zoom, the key to the line kinds, log-y chosen
 * from the data unless the user chose, checkpoint markers at a loss near 0 whole and clickable, and a
 * legend that says which loss it shows and nothing for a run the cursor has passed.
 */
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { postToPanel, waitForPosted } from './harness/browser';
import { fixtureCheckpoints, fixtureRun, fixtureSeries } from './harness/fixtureRun';
import { initPanel, openPanelPage } from './harness/panelPage';
import type { PanelServer } from './harness/server';
import { openPanelHarness, type PanelHarness } from './harness/session';

const RUN_A = '/runs/long';
const RUN_B = '/runs/short';

const lossCurves = <T>(page: Page, read: string): Promise<T> =>
  page.evaluate((r) => (globalThis as any).__lossCurves[r](), read);

describe('loss-curves webview: panes, key, auto log scale and markers (headless Chromium)', function () {
  this.timeout(90_000);
  let harness: PanelHarness | undefined;
  let server: PanelServer;
  let browser: Browser;
  let page: Page | undefined;

  before(async () => {
    harness = await openPanelHarness();
    ({ server, browser } = harness);
  });
  after(async () => harness?.close());
  afterEach(async () => {
    await page?.context().close();
    page = undefined;
  });

  async function open(state?: unknown): Promise<Page> {
    page = await openPanelPage(browser, server, state);
    await waitForPosted(page, 'ready');
    return page;
  }

  it('draws the learning rate in its own pane under the loss, with one cursor and one step zoom', async () => {
    const p = await open();
    await initPanel(p, { type: 'init', runs: [fixtureRun(RUN_A, 'long', fixtureSeries({ steps: 400, seed: 4 }))] });
    assert.deepEqual(
      await lossCurves(p, 'scales').then((s: any) => Object.keys(s).filter((k) => s[k])),
      ['x', 'y'],
      'no lr scale on the loss pane',
    );
    assert.equal(await lossCurves(p, 'lrSeriesCount'), 2);
    const loss = await p.locator('.loss-pane .u-over').boundingBox();
    const lr = await p.locator('.lr-pane .u-over').boundingBox();
    assert.ok(loss && lr);
    assert.ok(
      lr.y >= loss.y + loss.height,
      `lr pane (top ${lr.y}) under the loss pane (bottom ${loss.y + loss.height})`,
    );
    assert.ok(
      Math.abs(lr.x - loss.x) < 1 && Math.abs(lr.width - loss.width) < 1,
      `plot areas line up: ${JSON.stringify({ loss, lr })}`,
    );

    await p.mouse.move(loss.x + loss.width * 0.4, loss.y + loss.height / 2);
    await p.waitForFunction(() => {
      const c = (globalThis as any).__lossCurves.cursorLeft();
      return c.loss > 0 && c.lr !== null && Math.abs(c.lr - c.loss) < 1;
    });

    await p.mouse.move(loss.x + loss.width * 0.3, loss.y + loss.height * 0.2);
    await p.mouse.down();
    await p.mouse.move(loss.x + loss.width * 0.6, loss.y + loss.height * 0.8, { steps: 5 });
    await p.mouse.up();
    await p.waitForFunction(() => {
      const lc = (globalThis as any).__lossCurves;
      const x = lc.scales().x;
      const lrX = lc.lrScales().x;
      return x.max - x.min < 200 && lrX.min === x.min && lrX.max === x.max;
    });
  });

  it('labels the learning-rate axis with words that fit its short pane', async () => {
    // An editor beside the Runs view in a 1280 x 760 window: the toolbar wraps, the panes get shorter.
    page = await openPanelPage(browser, server, undefined, { width: 800, height: 660 });
    const p = page;
    await waitForPosted(p, 'ready');
    await initPanel(p, { type: 'init', runs: [fixtureRun(RUN_A, 'long', fixtureSeries({ steps: 50 }))] });
    // uPlot draws axis labels on its canvas: measure the label in the axis's font against the pane.
    const fit = await p.evaluate(() => {
      const axis = (globalThis as any).__lossCurves.lrAxisLabel();
      const context = document.createElement('canvas').getContext('2d')!;
      context.font = Array.isArray(axis.font) ? axis.font[0] : axis.font; // uPlot keeps [css, size, ...]
      return { ...axis, width: context.measureText(axis.text).width };
    });
    assert.ok(fit.plotHeight > 0 && fit.width > 0, JSON.stringify(fit));
    assert.ok(fit.width <= fit.plotHeight, `"${fit.text}" is longer than its pane is high: ${JSON.stringify(fit)}`);
  });

  it('shows a key to the raw loss, the smoothed loss and the learning rate, drawn as their lines are', async () => {
    const p = await open();
    await initPanel(p, { type: 'init', runs: [fixtureRun(RUN_A, 'long', fixtureSeries({ steps: 50 }))] });
    const items = await p.locator('.series-key-item').evaluateAll((els) =>
      els.map((e) => {
        const line = getComputedStyle(e.querySelector('.key-line') as Element);
        return { text: e.textContent, style: line.borderTopStyle, width: line.borderTopWidth, opacity: line.opacity };
      }),
    );
    assert.deepEqual(
      items.map((i) => i.text),
      ['raw loss', 'smoothed loss', 'learning rate'],
    );
    assert.ok(Number(items[0]?.opacity) < 1, 'raw is faint');
    assert.equal(items[1]?.width, '2px', 'smoothed is bold');
    assert.equal(items[2]?.style, 'dashed', 'learning rate is dashed');
  });

  it('turns the loss axis logarithmic when the loss spans more than two decades, and the user’s choice wins', async () => {
    const p = await open();
    const wide = { steps: [1, 2, 3, 4], loss: [3, 0.5, 0.02, 0.004], lr: [1, 1, 1, 1] };
    const narrow = { steps: [1, 2, 3, 4], loss: [3, 0.5, 0.2, 0.04], lr: [1, 1, 1, 1] };
    await initPanel(p, { type: 'init', runs: [fixtureRun(RUN_A, 'narrow', narrow)] });
    assert.equal(await lossCurves<any>(p, 'scales').then((s) => s.y.distr), 1, 'under two decades: linear');

    await postToPanel(p, { type: 'init', runs: [fixtureRun(RUN_A, 'wide', wide)] });
    await p.waitForFunction(() => (globalThis as any).__lossCurves.scales().y.distr === 3);
    const label = () => p.evaluate(() => (document.querySelector('#log-scale') as any).label);
    assert.equal(await label(), 'Log scale (auto)');
    assert.equal(await p.evaluate(() => (document.querySelector('#log-scale') as any).checked), true);

    await p.locator('#log-scale').click();
    await p.waitForFunction(() => (globalThis as any).__lossCurves.scales().y.distr === 1);
    assert.equal(await p.evaluate(() => (globalThis as any).__lossCurves.settings().logScale), false);
    assert.equal(await label(), 'Log scale');
    await postToPanel(p, { type: 'init', runs: [fixtureRun(RUN_A, 'wide', wide)] });
    await p.waitForTimeout(300);
    assert.equal(
      await lossCurves<any>(p, 'scales').then((s) => s.y.distr),
      1,
      'the user chose linear: it stays linear',
    );
  });

  it("turns the learning-rate axis logarithmic when the runs' peak rates are more than a decade apart (SGD 0.05 beside Adam 1e-3)", async () => {
    const p = await open();
    const steps = [1, 2, 3, 4];
    const run = (lr: number[]) => ({ steps, loss: [1, 0.9, 0.8, 0.7], lr });
    const lrDistr = () => lossCurves<any>(p, 'lrScales').then((s) => s?.lr?.distr);
    await initPanel(p, {
      type: 'init',
      runs: [
        fixtureRun(RUN_A, 'sgd', run([0.05, 0.05, 0.05, 0.05])),
        fixtureRun(RUN_B, 'sgd2', run([0.01, 0.01, 0.01, 0.01])),
      ],
    });
    assert.equal(await lrDistr(), 1, 'peaks 0.05 and 0.01 (under a decade apart): linear');
    await postToPanel(p, { type: 'init', runs: [fixtureRun(RUN_A, 'one', run([0, 1e-3, 1e-5, 0]))] });
    await p.waitForFunction(() => (globalThis as any).__lossCurves.lrSeriesCount() === 2);
    assert.equal(await lrDistr(), 1, 'one run warming up and decaying by itself: linear');
    await postToPanel(p, {
      type: 'init',
      runs: [
        fixtureRun(RUN_A, 'sgd', run([0.05, 0.05, 0.05, 0.05])),
        fixtureRun(RUN_B, 'adam', run([0, 1e-3, 1e-3, 1e-3])),
      ],
    });
    await p.waitForFunction(() => (globalThis as any).__lossCurves.lrScales()?.lr?.distr === 3);
    // Adam's 1e-3 now sits decades above the axis floor rather than on it, and its 0 is left out.
    const { lr } = await lossCurves<any>(p, 'lrScales');
    assert.ok(lr.min <= 1e-3 && lr.min > 1e-5 && lr.max >= 0.05, JSON.stringify(lr));
    const adam = await lossCurves<any[]>(p, 'drawnRuns').then((runs) => runs.find((r) => r.runDir === RUN_B));
    assert.deepEqual(adam.lr, [null, 1e-3, 1e-3, 1e-3]);
  });

  it('draws a checkpoint marker at a loss near 0 whole inside the plot, where a click lands on it', async () => {
    const p = await open({ runDirs: [RUN_A], smoothing: 0, logScale: false, selectedRun: RUN_A, hiddenRuns: [] });
    const steps = Array.from({ length: 100 }, (_, i) => i + 1);
    const series = { steps, loss: steps.map((s) => (s < 50 ? 2 / s : 1e-6)), lr: steps.map(() => 1e-3) };
    await initPanel(p, {
      type: 'init',
      runs: [fixtureRun(RUN_A, 'to-zero', series, { checkpoints: fixtureCheckpoints(RUN_A, [50, 80]) })],
    });
    const over = await p.locator('.loss-pane .u-over').boundingBox();
    assert.ok(over);
    for (const step of [50, 80]) {
      const marker = p.locator(`.checkpoint-marker[data-path="${RUN_A}/checkpoints/checkpoint-${step}"]`);
      const box = await marker.boundingBox();
      assert.ok(box);
      assert.ok(
        box.y >= over.y && box.y + box.height <= over.y + over.height,
        `marker ${JSON.stringify(box)} inside the plot ${JSON.stringify(over)}`,
      );
      const hit = await p.evaluate(
        ({ x, y }) => (document.elementFromPoint(x, y) as HTMLElement | null)?.dataset['path'] ?? null,
        { x: box.x + box.width / 2, y: box.y + box.height * 0.85 },
      );
      assert.equal(hit, `${RUN_A}/checkpoints/checkpoint-${step}`, 'the lower part of the marker takes the click');
    }
    await p.mouse.click(...(await markerCentre(p, `${RUN_A}/checkpoints/checkpoint-80`)));
    await p.locator('.details-text').filter({ hasText: 'checkpoint-80' }).waitFor();
  });

  it('labels the legend’s loss as the last value, and shows nothing for a run the cursor has passed', async () => {
    const p = await open();
    await initPanel(p, {
      type: 'init',
      runs: [
        fixtureRun(RUN_A, 'long', fixtureSeries({ steps: 300, seed: 1 })),
        fixtureRun(RUN_B, 'short', fixtureSeries({ steps: 150, seed: 2 })),
      ],
    });
    const readout = (run: string) => p.locator(`.legend-item[data-run="${run}"] .readout`).textContent();
    assert.match((await readout(RUN_A)) ?? '', /^step 300 · loss \(last\) [\d.]+ · lr /);
    assert.match((await readout(RUN_B)) ?? '', /^step 150 · loss \(last\) [\d.]+ · lr /);

    const over = await p.locator('.loss-pane .u-over').boundingBox();
    assert.ok(over);
    await p.mouse.move(over.x + over.width * 0.85, over.y + over.height / 2);
    await p.waitForFunction(
      () => Number(/^step (\d+)$/.exec(document.querySelector('.cursor-step')?.textContent ?? '')?.[1]) > 200,
    );
    assert.match((await readout(RUN_A)) ?? '', /^loss [\d.]+ · smoothed [\d.]+ · lr /);
    assert.equal(await readout(RUN_B), '', 'past its last step the short run shows nothing');

    await p.mouse.move(over.x + over.width * 0.25, over.y + over.height / 2);
    await p.waitForFunction(
      () => Number(/^step (\d+)$/.exec(document.querySelector('.cursor-step')?.textContent ?? '')?.[1]) < 140,
    );
    assert.match((await readout(RUN_B)) ?? '', /^loss [\d.]+ · smoothed [\d.]+ · lr /);
  });
});

async function markerCentre(page: Page, path: string): Promise<[number, number]> {
  const box = await page.locator(`.checkpoint-marker[data-path="${path}"]`).boundingBox();
  assert.ok(box);
  return [box.x + box.width / 2, box.y + box.height / 2];
}
