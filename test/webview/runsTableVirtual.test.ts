/**
 * The runs table with 1,000 runs in headless Chromium (built bundle, host page and CSP): only a
 * window of rows is in the DOM, while keyboard navigation, scrolling, sorting, filtering, selection
 * and CSV export still cover every run; rows whose details are still being read say so and fill in
 * when the host's `rows` message brings them.
 */
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { RunRow } from '../../src/core/protocol/runsTable';
import { row } from '../support/runRows';
import { cspViolations, postToPanel, waitForPosted } from './harness/browser';
import { openRunsTable, probe } from './harness/runsTablePage';
import type { PanelServer } from './harness/server';
import { openPanelHarness, type PanelHarness } from './harness/session';

const T0 = Date.UTC(2026, 11, 6, 12, 0, 0);
const RUNS = 1000;
const name = (i: number): string => `run-${String(i).padStart(4, '0')}`;
/** Run i started i minutes after T0 (newest first puts run-0999 on top); steps go the other way. */
const ROWS: RunRow[] = Array.from({ length: RUNS }, (_, i) =>
  row(`/w/runs/${name(i)}`, {
    startedAt: T0 + i * 60_000,
    steps: (RUNS - i) * 10,
    config: { 'optimizer.learning_rate': 10 ** -(2 + (i % 4)), seed: i % 5 },
  }),
);

// Only the oldest runs (at the bottom, newest first) have a long data path and a long name.
const LONGER: RunRow[] = ROWS.map((r, i) =>
  i < 300
    ? {
        ...r,
        name: `${name(i)}-resumed-with-a-longer-name`,
        config: { ...r.config, data: `/datasets/${'nested/'.repeat(6)}${name(i)}.jsonl` },
      }
    : { ...r, config: { ...r.config, data: 'd.jsonl' } },
);

const headerWidths = (page: Page): Promise<Record<string, number>> =>
  page
    .locator('thead th[data-column]')
    .evaluateAll((ths) =>
      Object.fromEntries(ths.map((th) => [(th as HTMLElement).dataset['column'], th.getBoundingClientRect().width])),
    );

/** The columns shown now (those shown before too) are as wide as before. */
async function asBefore(page: Page, before: Record<string, number>, when: string): Promise<void> {
  const now = Object.entries(await headerWidths(page)).filter(([id]) => id in before);
  assert.ok(now.length >= 2, when);
  for (const [id, px] of now) assert.equal(px, before[id], `${id} ${when}`);
}

const focusedRun = (page: Page): Promise<string | undefined> =>
  page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset['runDir']);

describe('runs table webview with 1,000 runs (virtualised rows)', function () {
  this.timeout(60_000);
  let harness: PanelHarness | undefined;
  let server: PanelServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    harness = await openPanelHarness('runs-table');
    ({ server, browser } = harness);
  });
  after(async () => harness?.close());
  afterEach(async () => {
    if (!page) return;
    assert.deepEqual(await cspViolations(page), []);
    await page.context().close();
  });

  const open = (rows: RunRow[] = ROWS): Promise<Page> => openRunsTable(browser, server.url, rows);

  it('keeps only a window of rows in the DOM; keyboard navigation scrolls it to any run', async () => {
    page = await open();
    assert.equal((await probe(page, (t) => t.runDirs())).length, RUNS);
    const rendered = await probe(page, (t) => t.rendered());
    assert.ok(rendered.length > 10 && rendered.length < 100, `rendered ${rendered.length} rows`);
    assert.equal(rendered[0], `/w/runs/${name(999)}`);
    assert.equal(await page.locator('table.runs').getAttribute('aria-rowcount'), String(RUNS + 1));

    await page.locator('tbody tr[data-run-dir]').first().focus();
    await page.keyboard.press('End');
    assert.equal(await probe(page, (t) => t.active()), `/w/runs/${name(0)}`);
    assert.equal(await focusedRun(page), `/w/runs/${name(0)}`, 'the last run is rendered and focused');
    assert.equal(await page.locator('tbody tr[data-run-dir].active').getAttribute('aria-rowindex'), String(RUNS + 1));
    assert.ok(!(await probe(page, (t) => t.rendered())).includes(`/w/runs/${name(999)}`), 'the top left the DOM');
    assert.ok(await page.locator('tbody tr.active').isVisible());

    await page.keyboard.press('ArrowUp');
    assert.equal(await focusedRun(page), `/w/runs/${name(1)}`);
    await page.keyboard.press('Home');
    assert.equal(await focusedRun(page), `/w/runs/${name(999)}`);
    // Walking down past the view keeps the active row rendered, focused and in view.
    for (let i = 0; i < 30; i++) await page.keyboard.press('ArrowDown');
    assert.equal(await focusedRun(page), `/w/runs/${name(969)}`);
    assert.ok(await page.locator('tbody tr.active').isVisible());
  });

  it('renders the rows scrolled to with the mouse wheel', async () => {
    page = await open();
    await page.locator('.table-wrap').hover();
    await page.mouse.wheel(0, 5000);
    await page.waitForFunction(() => !(globalThis as any).__runsTable.rendered().includes('/w/runs/run-0999'));
    const rendered = await probe(page, (t) => t.rendered());
    const visible = await page.locator('tbody tr[data-run-dir]').evaluateAll((trs) => {
      const wrap = document.querySelector('.table-wrap')!.getBoundingClientRect();
      return trs
        .filter((tr) => {
          const r = tr.getBoundingClientRect();
          return r.bottom > wrap.top + 40 && r.top < wrap.bottom;
        })
        .map((tr) => (tr as HTMLElement).dataset['runDir']);
    });
    assert.ok(visible.length > 5, 'rows are painted where the view scrolled to');
    assert.ok(visible.every((d) => rendered.includes(d!)));
  });

  it('sorts, filters, selects and exports over every run, not only the rendered ones', async () => {
    page = await open();
    await page.getByRole('button', { name: 'Steps' }).click();
    assert.deepEqual((await probe(page, (t) => t.runDirs())).slice(0, 2), [
      `/w/runs/${name(999)}`,
      `/w/runs/${name(998)}`,
    ]);
    await page.getByRole('button', { name: 'Steps' }).click();
    assert.equal((await probe(page, (t) => t.rendered()))[0], `/w/runs/${name(0)}`, 'most steps first');

    await page.getByLabel('Filter runs').fill('seed=3');
    assert.equal((await probe(page, (t) => t.runDirs())).length, RUNS / 5);
    await page.getByLabel('Filter runs').fill('run-0500');
    assert.deepEqual(await probe(page, (t) => t.runDirs()), [`/w/runs/${name(500)}`]);
    await page.getByLabel('Filter runs').fill('');

    await page.locator('tbody tr[data-run-dir]').first().focus();
    await page.keyboard.press('Control+a');
    assert.equal((await probe(page, (t) => t.selected())).length, RUNS);
    await page.getByRole('button', { name: 'Export CSV…' }).click();
    const exported = await waitForPosted(page, 'exportCsv');
    assert.equal((exported['runDirs'] as string[]).length, RUNS);
    assert.equal((exported['runDirs'] as string[])[RUNS - 1], `/w/runs/${name(999)}`);
  });

  it('says which rows still wait for their details, and fills them in from a rows message', async () => {
    const bare = ROWS.map((r) => ({ ...r, config: {}, detailsPending: true }));
    page = await open(bare);
    assert.match(await page.locator('.count').innerText(), /reading the details of 1000/);
    assert.ok(!(await probe(page, (t) => t.columns())).includes('config.seed'));
    await postToPanel(page, { type: 'rows', changed: ROWS, removed: [] });
    await page.waitForFunction(() => (globalThis as any).__runsTable.columns().includes('config.seed'));
    assert.doesNotMatch(await page.locator('.count').innerText(), /reading/);
    assert.equal(await page.locator('tbody tr.pending').count(), 0);
  });

  it('keeps every column width while the rows scroll, sort, filter and update: widths come from all rows', async () => {
    page = await open(LONGER);
    const before = await headerWidths(page);
    assert.ok('config.data' in before);
    // The page's CSP allows no eval: the predicate is a function with its data as an argument.
    const scrollTo = async (top: number, shown: { run: string; rendered: boolean }): Promise<void> => {
      await page.locator('.table-wrap').evaluate((wrap, t) => (wrap.scrollTop = t), top);
      await page.waitForFunction(
        ({ run, rendered }) => (globalThis as any).__runsTable.rendered().includes(run) === rendered,
        shown,
      );
    };
    for (const [scrollTop, shows] of [
      [8_000, { run: '/w/runs/run-0999', rendered: false }],
      [1e7, { run: '/w/runs/run-0000', rendered: true }],
      [0, { run: '/w/runs/run-0999', rendered: true }],
    ] as const) {
      await scrollTo(scrollTop, shows);
      await asBefore(page, before, `scrolled to ${scrollTop}`);
      if (scrollTop === 1e7) {
        // The longest texts, measured from the sample of all rows, fit their columns.
        const clipped = await page
          .locator('tbody tr[data-run-dir] td')
          .evaluateAll((tds) => tds.filter((td) => td.scrollWidth > td.clientWidth).map((td) => td.textContent));
        assert.deepEqual(clipped, []);
      }
    }

    // Sorted: the arrow in the header does not widen it.
    await page.getByRole('button', { name: 'Name', exact: true }).click();
    await page.waitForFunction(() => (globalThis as any).__runsTable.runDirs()[0] === '/w/runs/run-0000');
    await asBefore(page, before, 'sorted by name');
    // Filtered to runs whose texts are all short: the columns still shown keep their widths.
    await page.getByLabel('Filter runs').fill('run-09');
    await page.waitForFunction(() => (globalThis as any).__runsTable.runDirs().length === 100);
    await asBefore(page, before, 'filtered to short names');
    await page.getByLabel('Filter runs').fill('');
    await page.waitForFunction(() => (globalThis as any).__runsTable.runDirs().length === 1000);
    // Updated so that no long text is left: the columns do not shrink under the reader.
    await postToPanel(page, { type: 'rows', changed: ROWS, removed: [] });
    await page.waitForFunction(
      () => !(globalThis as any).__runsTable.cells('name').some((c: string) => c.includes('longer')),
    );
    await asBefore(page, before, 'updated to short texts');
  });

  it('sizes the columns from every run when it opens filtered (restored state), so clearing the filter moves none', async () => {
    const state = {
      sortColumn: 'started',
      sortDescending: true,
      filter: 'run-09',
      showAllColumns: false,
      selected: [],
    };
    page = await openRunsTable(browser, server.url, LONGER, state);
    await page.waitForFunction(() => (globalThis as any).__runsTable.runDirs().length === 100);
    const filtered = await headerWidths(page);
    await page.getByLabel('Filter runs').fill('');
    await page.waitForFunction(() => (globalThis as any).__runsTable.runDirs().length === 1000);
    await asBefore(page, filtered, 'after clearing the filter');
  });
});
