/**
 * The loss-curves webview in headless Chromium, against the built bundle, served with the host's
 * own page and CSP, with a stand-in VS Code webview API.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { debiasedEma } from '../../src/core/metrics/ema';
import { repoRoot } from './harness/bundle';
import {
  cspViolations,
  HIGH_CONTRAST_THEME,
  LIGHT_THEME,
  postedMessages,
  postToPanel,
  switchTheme,
  waitForPosted,
} from './harness/browser';
import { fixtureCheckpoints, fixtureRun, fixtureSeries } from './harness/fixtureRun';
import { DEFAULT_VIEWPORT, drawnRuns, initPanel, openPanelPage } from './harness/panelPage';
import type { PanelServer } from './harness/server';
import { openPanelHarness, type PanelHarness } from './harness/session';

const RUN_A = '/runs/mlp-adam';

/** Equal up to float rounding: Chromium's and Node's Math.pow may differ in the last bit. */
function assertCloseSeries(actual: Array<number | null> | undefined, expected: Array<number | null>): void {
  assert.ok(actual);
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) => {
    const a = actual[i] ?? null;
    if (e === null || a === null) assert.equal(a, e, `point ${i}`);
    else assert.ok(Math.abs(a - e) <= 1e-12 * Math.max(1, Math.abs(e)), `point ${i}: ${a} vs ${e}`);
  });
}
const RUN_B = '/runs/mlp-sgd';

describe('loss-curves webview (headless Chromium)', function () {
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

  const openPanel = (state?: unknown, viewport = DEFAULT_VIEWPORT): Promise<Page> =>
    openPanelPage(browser, server, state, viewport);
  const drawn = drawnRuns;
  const init = initPanel;

  afterEach(async () => {
    if (page) {
      // Every test ends with no CSP violation from anything the panel did.
      assert.deepEqual(await cspViolations(page), []);
      await page.context().close();
    }
  });

  it('says ready (with its plot width) before it is sent any data', async () => {
    page = await openPanel();
    const ready = await waitForPosted(page, 'ready');
    assert.ok(typeof ready['plotWidth'] === 'number' && ready['plotWidth'] > 500, `plotWidth ${ready['plotWidth']}`);
    assert.equal((await postedMessages(page)).length, 1);
  });

  it('says painted once the chart of init is on screen (the host reads the rest only then)', async () => {
    page = await openPanel();
    await waitForPosted(page, 'ready');
    const series = fixtureSeries({ steps: 600, seed: 7 });
    await init(page, { type: 'init', runs: [fixtureRun(RUN_A, 'mlp-adam', series)] });
    await waitForPosted(page, 'painted');
    assert.deepEqual(
      (await postedMessages(page)).map((m) => m['type']),
      ['ready', 'painted'],
    );
  });

  it('draws the chart of init once: the panes are built for the height they keep when Loading… goes', async () => {
    page = await openPanel();
    await waitForPosted(page, 'ready');
    assert.equal(await page.locator('.message').isVisible(), true, 'Loading… is shown before init');
    const series = fixtureSeries({ steps: 600, seed: 7 });
    await init(page, { type: 'init', runs: [fixtureRun(RUN_A, 'mlp-adam', series)] });
    await waitForPosted(page, 'painted');
    // Frames for the ResizeObserver's notices to arrive (the message's line went to the chart).
    await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
    assert.equal(await page.locator('.message').isVisible(), false);
    assert.equal(await page.evaluate(() => (globalThis as any).__lossCurves.lossPaneDraws()), 1);
    // A real resize still redraws, at the new size.
    await page.setViewportSize({ width: DEFAULT_VIEWPORT.width - 200, height: DEFAULT_VIEWPORT.height - 100 });
    await page.waitForFunction(() => (globalThis as any).__lossCurves.lossPaneDraws() > 1);
  });

  it('draws exactly the points it was sent, with non-finite losses as gaps', async () => {
    page = await openPanel();
    await waitForPosted(page, 'ready');
    const series = fixtureSeries({ steps: 600, seed: 7, nanAt: [250] });
    await init(page, { type: 'init', runs: [fixtureRun(RUN_A, 'mlp-adam', series)] });
    const [run] = await drawn(page);
    assert.ok(run);
    assert.deepEqual(run.steps, series.steps);
    assert.deepEqual(run.raw, series.loss);
    assert.deepEqual(run.lr, series.lr);
    assert.equal(run.raw[249], null);
    // The loss pane holds x + (raw, smoothed) for the one run, the learning-rate pane x + lr.
    assert.equal(await page.evaluate(() => (globalThis as any).__lossCurves.seriesCount()), 3);
    assert.equal(await page.evaluate(() => (globalThis as any).__lossCurves.lrSeriesCount()), 2);
  });

  it('smooths with the reference debiased EMA, and the slider changes it', async () => {
    page = await openPanel();
    await waitForPosted(page, 'ready');
    const series = fixtureSeries({ steps: 400, seed: 3, nanAt: [100, 101] });
    await init(page, { type: 'init', runs: [fixtureRun(RUN_A, 'mlp-adam', series)] });
    const expect = (w: number): Array<number | null> =>
      Array.from(debiasedEma(series.loss, w), (v) => (Number.isFinite(v) ? v : null));
    let [run] = await drawn(page);
    assertCloseSeries(run?.smoothed, expect(0.6));

    await page.locator('#smoothing').fill('0.95');
    await page.waitForFunction(() => (globalThis as any).__lossCurves.settings().smoothing === 0.95);
    await page.waitForTimeout(250); // redraws are batched (≤ 10 a second)
    [run] = await drawn(page);
    assertCloseSeries(run?.smoothed, expect(0.95));
    assert.notDeepEqual(expect(0.95), expect(0.6));
    assert.equal(await page.locator('.smoothing-value').textContent(), '0.950');
  });

  it('leaves a constant series unsmoothed, as TensorBoard does', async () => {
    page = await openPanel();
    await waitForPosted(page, 'ready');
    const constant = { steps: [1, 2, 3, 4], loss: [0.5, 0.5, 0.5, 0.5], lr: [0.1, 0.1, 0.1, 0.1] };
    await init(page, { type: 'init', runs: [fixtureRun(RUN_A, 'flat', constant)] });
    const [run] = await drawn(page);
    assert.deepEqual(run?.smoothed, [0.5, 0.5, 0.5, 0.5]);
  });

  it('switches the loss axis to log scale and back, and remembers it', async () => {
    page = await openPanel();
    await waitForPosted(page, 'ready');
    // Less than two decades: linear until the user asks for log.
    const series = { steps: [1, 2, 3, 4, 5], loss: [1, 0.5, 0, 0.3, 0.05], lr: [1, 1, 1, 1, 1] };
    await init(page, { type: 'init', runs: [fixtureRun(RUN_A, 'mlp-adam', series)] });
    const distr = (): Promise<number> => page.evaluate(() => (globalThis as any).__lossCurves.scales().y.distr);
    assert.equal(await distr(), 1);
    await page.locator('#log-scale').click();
    await page.waitForFunction(() => (globalThis as any).__lossCurves.scales().y.distr === 3);
    const [run] = await drawn(page);
    assert.equal(run?.raw[2], null, 'a zero loss has no place on a log axis');
    assert.equal(await page.evaluate(() => (window as any).__savedState().logScale), true);
    await page.locator('#log-scale').click();
    await page.waitForFunction(() => (globalThis as any).__lossCurves.scales().y.distr === 1);
  });

  it('restores its settings from the saved state after a reload', async () => {
    page = await openPanel({ runDirs: [RUN_A], smoothing: 0.9, logScale: true, selectedRun: RUN_A, hiddenRuns: [] });
    await waitForPosted(page, 'ready');
    assert.equal(await page.locator('#smoothing').inputValue(), '0.9');
    await init(page, { type: 'init', runs: [fixtureRun(RUN_A, 'mlp-adam', fixtureSeries({ steps: 50 }))] });
    assert.equal(await page.evaluate(() => (globalThis as any).__lossCurves.scales().y.distr), 3);
  });

  it('shows several runs with a colour each, a hover read-out, and hides a run from its legend entry', async () => {
    page = await openPanel();
    await waitForPosted(page, 'ready');
    await init(page, {
      type: 'init',
      runs: [
        fixtureRun(RUN_A, 'mlp-adam', fixtureSeries({ steps: 300, seed: 1 })),
        fixtureRun(RUN_B, 'mlp-sgd', fixtureSeries({ steps: 200, seed: 2 })),
      ],
    });
    assert.equal(await page.evaluate(() => (globalThis as any).__lossCurves.seriesCount()), 5);
    assert.equal(await page.evaluate(() => (globalThis as any).__lossCurves.lrSeriesCount()), 3);
    const swatches = await page
      .locator('.legend-item .swatch')
      .evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor));
    assert.equal(swatches.length, 2);
    assert.notEqual(swatches[0], swatches[1]);

    const over = await page.locator('.loss-pane .u-over').boundingBox();
    assert.ok(over);
    await page.mouse.move(over.x + over.width * 0.25, over.y + over.height / 2);
    await page.waitForFunction(() => /^step \d+$/.test(document.querySelector('.cursor-step')?.textContent ?? ''));
    assert.match(
      (await page.locator(`.legend-item[data-run="${RUN_A}"] .readout`).textContent()) ?? '',
      /^loss [\d.]+ · smoothed [\d.]+ · lr /,
    );

    await page.locator(`.legend-item[data-run="${RUN_B}"]`).click();
    await page.waitForFunction(() => (globalThis as any).__lossCurves.drawnRuns().length === 1);
    assert.deepEqual(await page.evaluate(() => (window as any).__savedState().hiddenRuns), [RUN_B]);
  });

  it('takes the host’s remembered settings when opened afresh, and reports changes back', async () => {
    page = await openPanel();
    await waitForPosted(page, 'ready');
    const remembered = {
      runDirs: [RUN_A],
      smoothing: 0.8,
      logScale: true,
      selectedRun: RUN_A,
      hiddenRuns: [],
      metric: 'loss',
      xAxis: 'step' as const,
    };
    await init(page, {
      type: 'init',
      runs: [fixtureRun(RUN_A, 'mlp-adam', fixtureSeries({ steps: 50 }))],
      settings: remembered,
    });
    assert.equal(await page.locator('#smoothing').inputValue(), '0.8');
    assert.equal(await page.evaluate(() => (globalThis as any).__lossCurves.scales().y.distr), 3);
    await page.locator('#smoothing').fill('0.25');
    await page.waitForFunction(() =>
      (window as any).__posted.some((m: any) => m.type === 'settings' && m.settings.smoothing === 0.25),
    );
  });

  it('posts resume for a selected checkpoint marker, and Resume (latest)/Stop follow the run state', async () => {
    page = await openPanel();
    await waitForPosted(page, 'ready');
    const checkpoints = fixtureCheckpoints(RUN_A, [100, 200, 300], { invalid: [300], best: 100 });
    await init(page, {
      type: 'init',
      runs: [fixtureRun(RUN_A, 'mlp-adam', fixtureSeries({ steps: 300 }), { state: 'training', checkpoints })],
    });
    assert.equal(await page.locator('.checkpoint-marker').count(), 3);
    assert.equal(
      await page.locator('#resume-latest').getAttribute('disabled'),
      '',
      'Resume (latest) is off while training',
    );
    assert.equal(await page.locator('#stop').getAttribute('disabled'), null);
    await page.locator('#stop').click();

    await postToPanel(page, { type: 'runState', runDir: RUN_A, state: 'stopped' });
    await page.waitForFunction(() => !document.querySelector('#resume-latest')?.hasAttribute('disabled'));
    assert.equal(await page.locator('#stop').getAttribute('disabled'), '');
    await page.locator('#resume-latest').click();

    // The invalid checkpoint (on the right edge) shows its reason and cannot be resumed from.
    await page.locator(`.checkpoint-marker[data-path="${RUN_A}/checkpoints/checkpoint-300"]`).click();
    await page.locator('.details .problem').waitFor();
    assert.equal(await page.locator('#resume-checkpoint').getAttribute('disabled'), '');

    await page.locator(`.checkpoint-marker[data-path="${RUN_A}/checkpoints/checkpoint-200"]`).click();
    await page.waitForFunction(() => !document.querySelector('#resume-checkpoint')?.hasAttribute('disabled'));
    assert.match(
      (await page.locator('.details-text').textContent()) ?? '',
      /checkpoint-200 · step 200 · valid, latest/,
    );
    await page.locator('#resume-checkpoint').click();

    const actions = (await postedMessages(page)).filter((m) => m['type'] === 'resume' || m['type'] === 'stop');
    assert.deepEqual(actions, [
      { type: 'stop', runDir: RUN_A },
      { type: 'resume', runDir: RUN_A, checkpoint: 'latest' },
      { type: 'resume', runDir: RUN_A, checkpoint: `${RUN_A}/checkpoints/checkpoint-200` },
    ]);
  });

  it('logs and ignores a malformed host message', async () => {
    page = await openPanel();
    await waitForPosted(page, 'ready');
    await init(page, { type: 'init', runs: [fixtureRun(RUN_A, 'mlp-adam', fixtureSeries({ steps: 20 }))] });
    await postToPanel(page, {
      type: 'points',
      runDir: RUN_A,
      series: { steps: [21, 22], loss: [0.1], lr: [0.1, 0.1] },
    });
    await postToPanel(page, { type: 'explode' });
    const log = await waitForPosted(page, 'log');
    assert.equal(log['level'], 'warn');
    assert.match(String(log['message']), /malformed/);
    await page.waitForTimeout(200);
    const [run] = await drawn(page);
    assert.equal(run?.steps.length, 20);
  });

  it('streams live points in batched redraws, continues the curve after a resume', async () => {
    page = await openPanel();
    await waitForPosted(page, 'ready');
    await init(page, {
      type: 'init',
      runs: [fixtureRun(RUN_A, 'mlp-adam', fixtureSeries({ steps: 100 }), { state: 'training' })],
    });
    const before = await page.evaluate(() => (globalThis as any).__lossCurves.redrawStats().count);
    const started = Date.now();
    for (let step = 101; step <= 300; step++) {
      await postToPanel(page, { type: 'points', runDir: RUN_A, series: { steps: [step], loss: [0.3], lr: [1e-4] } });
    }
    await page.waitForFunction(() => (globalThis as any).__lossCurves.drawnRuns()[0].steps.length === 300);
    const elapsed = Date.now() - started;
    const redraws = (await page.evaluate(() => (globalThis as any).__lossCurves.redrawStats().count)) - before;
    assert.ok(redraws <= Math.ceil(elapsed / 100) + 2, `${redraws} redraws for 200 messages in ${elapsed} ms`);
    assert.ok(redraws < 200);

    await postToPanel(page, {
      type: 'resumed',
      runDir: RUN_A,
      marker: { step: 200, from: 'checkpoint-200', time: null },
    });
    await postToPanel(page, { type: 'points', runDir: RUN_A, series: { steps: [201], loss: [0.25], lr: [1e-4] } });
    await page.waitForFunction(() => (globalThis as any).__lossCurves.drawnRuns()[0].steps.length === 201);
    await page.locator('.resume-marker').waitFor();
  });

  it('asks the host for detail when zoomed into a downsampled run', async () => {
    page = await openPanel();
    await waitForPosted(page, 'ready');
    const series = fixtureSeries({ steps: 1000 });
    await init(page, { type: 'init', runs: [fixtureRun(RUN_A, 'mlp-adam', series, { totalPoints: 100_000 })] });
    const box = await page.locator('.loss-pane .u-over').boundingBox();
    assert.ok(box);
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.8, { steps: 5 });
    await page.mouse.up();
    const request = await waitForPosted(page, 'requestRange');
    assert.equal(request['runDir'], RUN_A);
    assert.ok((request['fromStep'] as number) > 200 && (request['toStep'] as number) < 600, JSON.stringify(request));
    const detail = { steps: [350, 350.5, 351], loss: [9, 9, 9], lr: [0, 0, 0] };
    await postToPanel(page, {
      type: 'range',
      requestId: request['requestId'],
      runDir: RUN_A,
      fromStep: 350,
      toStep: 351,
      series: detail,
    });
    await page.waitForFunction(() => (globalThis as any).__lossCurves.drawnRuns()[0].steps.includes(350.5));
  });

  it('reports a CSP violation when one happens (the listener the other tests rely on works)', async () => {
    page = await openPanel();
    await waitForPosted(page, 'ready');
    await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.body.appendChild(s);
    });
    await page.waitForFunction(() => (window as any).__cspViolations.length > 0);
    assert.equal(await page.evaluate(() => (window as any).__inlineRan), undefined);
    await page.evaluate(() => ((window as any).__cspViolations.length = 0));
  });

  it('writes screenshots of two real-looking runs (dark, light, high contrast) to test-results/', async () => {
    page = await openPanel(undefined, { width: 1200, height: 700 });
    await waitForPosted(page, 'ready');
    const adam = fixtureSeries({ steps: 2000, seed: 11, floor: 0.08, nanAt: [1234] });
    // The sgd run was stopped at 1300 and resumed from checkpoint-1000: the curve continues from there.
    const sgd = fixtureSeries({ steps: 2000, seed: 5, floor: 0.2, baseLr: 5e-3 });
    await init(page, {
      type: 'init',
      runs: [
        fixtureRun(RUN_A, 'mlp-adam', adam, {
          state: 'training',
          checkpoints: fixtureCheckpoints(RUN_A, [500, 1000, 1500], { best: 1500 }),
        }),
        fixtureRun(RUN_B, 'mlp-sgd', sgd, {
          state: 'stopped',
          checkpoints: fixtureCheckpoints(RUN_B, [500, 1000, 1500, 2000], { invalid: [2000], best: 1000 }),
          resumes: [{ step: 1000, from: 'checkpoint-1000', time: null }],
        }),
      ],
    });
    await page.locator(`.checkpoint-marker[data-path="${RUN_B}/checkpoints/checkpoint-1500"]`).click();
    const over = await page.locator('.loss-pane .u-over').boundingBox();
    assert.ok(over);
    await page.mouse.move(over.x + over.width * 0.62, over.y + over.height * 0.5);
    await page.waitForTimeout(200);
    mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(repoRoot, 'test-results/loss-curves.png') });

    // Light and high contrast: the chart re-reads the theme when VS Code switches it.
    const axisStroke = (): Promise<string> =>
      page.evaluate(() => String((globalThis as any).__lossCurves.axisStroke()));
    assert.equal(await axisStroke(), '#cccccc');
    await switchTheme(page, LIGHT_THEME, 'vscode-light');
    await page.waitForFunction(() => (globalThis as any).__lossCurves.axisStroke() === '#3b3b3b');
    await page.screenshot({ path: join(repoRoot, 'test-results/loss-curves-light.png') });
    await switchTheme(page, HIGH_CONTRAST_THEME, 'vscode-high-contrast');
    await page.waitForFunction(() => (globalThis as any).__lossCurves.axisStroke() === '#ffffff');
    await page.screenshot({ path: join(repoRoot, 'test-results/loss-curves-high-contrast.png') });
  });
});
