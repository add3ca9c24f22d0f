/**
 * The loss-curves webview against hostile content (headless Chromium, the host's own page and CSP):
 * its content comes only from its own bundle (no remote request, no inline script, a CSP without
 * 'unsafe-inline'); messages of the wrong shape are refused and logged, and the panel keeps working;
 * markup in run names and checkpoint paths (workspace content) is shown as text, never run.
 */
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { contentSecurityPolicy } from '../../src/extension/lossCurves/panelHtml';
import { cspViolations, installVsCodeStub, postedMessages, postToPanel, waitForPosted } from './harness/browser';
import { fixtureCheckpoints, fixtureRun, fixtureSeries } from './harness/fixtureRun';
import type { PanelServer } from './harness/server';
import { openPanelHarness, type PanelHarness } from './harness/session';

const HOSTILE = `<img src="https://evil.example/x.png" onerror="window.__pwned=1"><script>window.__pwned=2</script>`;

describe('loss-curves webview: hostile content and bad messages (headless Chromium)', function () {
  this.timeout(60_000);
  let harness: PanelHarness | undefined;
  let server: PanelServer;
  let browser: Browser;
  let page: Page;
  let requests: string[];
  let pageErrors: string[];

  before(async () => {
    harness = await openPanelHarness();
    ({ server, browser } = harness);
  });
  after(async () => harness?.close());
  beforeEach(async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 600 } });
    page = await context.newPage();
    requests = [];
    pageErrors = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await installVsCodeStub(page);
    await page.goto(server.url);
    await waitForPosted(page, 'ready');
  });
  afterEach(async () => {
    await page.context().close();
  });

  const origin = () => new URL(server.url).origin;
  const logged = async () =>
    (await postedMessages(page)).filter((m) => m['type'] === 'log').map((m) => String(m['message']));

  it('loads only its own bundle: no remote request, no inline script, a strict CSP', async () => {
    assert.deepEqual(
      requests.filter((u) => !u.startsWith(`${origin()}/`)),
      [],
    );
    const scripts = await page.evaluate(() =>
      [...document.scripts].map((s) => ({ src: s.src, inline: s.textContent?.trim() ?? '' })),
    );
    assert.ok(scripts.length >= 1);
    for (const s of scripts) {
      assert.ok(s.src.startsWith(`${origin()}/assets/`), `script from ${s.src}`);
      assert.equal(s.inline, '', 'no inline script');
    }
    const csp = contentSecurityPolicy('https://webview.example', 'N0NCE');
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:\/\/(?!webview\.example)/);
    assert.deepEqual(await cspViolations(page), []);
  });

  it('refuses and logs messages of the wrong shape, then still draws a valid init', async () => {
    const garbage: unknown[] = [
      'hello',
      null,
      42,
      { type: 'nope' },
      { type: 'init', runs: 'all' },
      { type: 'points', runDir: 7 },
      { type: 'init', runs: [{ runDir: '/r' }] },
    ];
    for (const m of garbage) await postToPanel(page, m);
    await page.waitForFunction(
      (n) =>
        (window as unknown as { __posted: Array<{ type: string }> }).__posted.filter((m) => m.type === 'log').length >=
        n,
      garbage.length,
    );
    const logs = await logged();
    assert.equal(
      logs.filter((l) => /ignored a malformed message from the host/.test(l)).length,
      garbage.length,
      logs.join('\n'),
    );
    const series = fixtureSeries({ steps: 50, seed: 1 });
    await postToPanel(page, { type: 'init', runs: [fixtureRun('/runs/a', 'a', series)] });
    await page.waitForFunction(() => (globalThis as any).__lossCurves.seriesCount() > 1);
    assert.deepEqual(pageErrors, []);
  });

  it('shows markup in run names and checkpoint paths as text: nothing fetched, nothing run', async () => {
    const runDir = `/runs/${HOSTILE}`;
    const series = fixtureSeries({ steps: 60, seed: 2 });
    await postToPanel(page, {
      type: 'init',
      runs: [fixtureRun(runDir, HOSTILE, series, { checkpoints: fixtureCheckpoints(runDir, [20, 40]) })],
    });
    await page.waitForFunction(() => (globalThis as any).__lossCurves.seriesCount() > 1);
    await page.waitForTimeout(300);
    assert.equal(
      await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
      undefined,
      'hostile markup ran',
    );
    assert.deepEqual(
      requests.filter((u) => !u.startsWith(`${origin()}/`)),
      [],
      'hostile markup fetched remote content',
    );
    assert.equal(
      await page.evaluate(() => document.querySelectorAll('img[src*="evil.example"], script:not([src])').length),
      0,
    );
    assert.deepEqual(pageErrors, []);
  });
});
