/**
 * The "Compare Runs" webview in headless Chromium, against the built bundle, served with the host's
 * own page and CSP, with a stand-in VS Code webview API: differing columns, sorting (mouse and
 * keyboard), filtering, selection by checkbox and keyboard, Compare curves, notes, and state kept
 * across a reload.
 */
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { RunRow } from '../../src/core/protocol/runsTable';
import { row } from '../support/runRows';
import { cspViolations, postedMessages, postToPanel, waitForPosted } from './harness/browser';
import { openRunsTable, probe } from './harness/runsTablePage';
import type { PanelServer } from './harness/server';
import { openPanelHarness, type PanelHarness } from './harness/session';

const T0 = Date.UTC(2026, 11, 6, 12, 0, 0);
const ROWS: RunRow[] = [
  row('/w/runs/lr-0.001', {
    startedAt: T0,
    finalLoss: 0.31,
    steps: 40,
    config: { 'optimizer.learning_rate': 0.001, seed: 42, 'model.type': 'mlp' },
  }),
  row('/w/runs/lr-0.01', {
    startedAt: T0 + 60_000,
    finalLoss: 0.12,
    steps: 40,
    tags: ['fast'],
    config: { 'optimizer.learning_rate': 0.01, seed: 42, 'model.type': 'mlp' },
  }),
  row('/w/runs/lr-0.1', {
    startedAt: T0 + 120_000,
    finalLoss: 0.9,
    steps: 20,
    notes: 'diverged',
    config: { 'optimizer.learning_rate': 0.1, seed: 7, 'model.type': 'mlp' },
  }),
];

describe('runs table webview (headless Chromium)', function () {
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

  const open = (rows: RunRow[] = ROWS, state?: unknown): Promise<Page> =>
    openRunsTable(browser, server.url, rows, state);

  it('tells the host once the rows of init are painted (it reads the runs’ details only then), and once per init', async () => {
    page = await open();
    await waitForPosted(page, 'painted');
    const painted = async () => (await postedMessages(page)).filter((m) => m['type'] === 'painted').length;
    assert.equal(await probe(page, (t) => t.paints()), 1, 'posted after the paint');
    assert.equal(await painted(), 1);
    await postToPanel(page, { type: 'rows', changed: [{ ...ROWS[0]!, notes: 'later' }], removed: [] });
    await page.waitForFunction(() => (globalThis as any).__runsTable.paints() === 2);
    assert.equal(await painted(), 1, 'a rows update is not an init');
    await postToPanel(page, { type: 'init', rows: ROWS });
    await page.waitForFunction(
      () => (window as any).__posted.filter((m: { type: string }) => m.type === 'painted').length === 2,
    );
    assert.equal(await probe(page, (t) => t.paints()), 3);
  });

  it('shows every run newest first, and only the config columns that differ (a toggle shows all)', async () => {
    page = await open();
    assert.deepEqual(await probe(page, (t) => t.runDirs()), ['/w/runs/lr-0.1', '/w/runs/lr-0.01', '/w/runs/lr-0.001']);
    const columns = await probe(page, (t) => t.columns());
    assert.ok(columns.includes('config.optimizer.learning_rate') && columns.includes('config.seed'));
    assert.ok(!columns.includes('config.model.type'), 'the same in every run: hidden');
    assert.deepEqual(await probe(page, (t) => t.cells('config.optimizer.learning_rate')), ['0.1', '0.01', '0.001']);
    await page.getByLabel('Show all config columns').check();
    assert.ok((await probe(page, (t) => t.columns())).includes('config.model.type'));
    // Filtered to the two runs with seed 42, seed no longer differs.
    await page.getByLabel('Show all config columns').uncheck();
    await page.getByLabel('Filter runs').fill('seed=42');
    assert.deepEqual(await probe(page, (t) => t.runDirs()), ['/w/runs/lr-0.01', '/w/runs/lr-0.001']);
    assert.ok(!(await probe(page, (t) => t.columns())).includes('config.seed'));
  });

  it('sorts by a column header, clicked or from the keyboard, and says so with aria-sort', async () => {
    page = await open();
    await page.getByRole('button', { name: 'Final loss' }).click();
    assert.deepEqual(await probe(page, (t) => t.cells('finalLoss')), ['0.12', '0.31', '0.9']);
    assert.equal(await page.locator('th[data-column="finalLoss"]').getAttribute('aria-sort'), 'ascending');
    // Focus stays on the header button: Enter sorts the other way.
    await page.keyboard.press('Enter');
    assert.deepEqual(await probe(page, (t) => t.cells('finalLoss')), ['0.9', '0.31', '0.12']);
    assert.equal(await page.locator('th[data-column="finalLoss"]').getAttribute('aria-sort'), 'descending');
    await page.getByRole('button', { name: 'optimizer.learning_rate' }).click();
    assert.deepEqual(await probe(page, (t) => t.cells('config.optimizer.learning_rate')), ['0.001', '0.01', '0.1']);
  });

  it('filters by text: name, tag, notes', async () => {
    page = await open();
    await page.getByLabel('Filter runs').fill('FAST');
    assert.deepEqual(await probe(page, (t) => t.runDirs()), ['/w/runs/lr-0.01']);
    await page.getByLabel('Filter runs').fill('diverged');
    assert.deepEqual(await probe(page, (t) => t.runDirs()), ['/w/runs/lr-0.1']);
    await page.getByLabel('Filter runs').fill('');
    assert.equal((await probe(page, (t) => t.runDirs())).length, 3);
  });

  it('selects two runs by checkbox and Compare curves asks the host for exactly those', async () => {
    page = await open();
    const compare = page.getByRole('button', { name: 'Compare curves' });
    assert.equal(await compare.isDisabled(), true, 'nothing selected yet');
    await page.getByLabel('Select lr-0.01').check();
    await page.getByLabel('Select lr-0.001').check();
    await compare.click();
    const posted = await waitForPosted(page, 'compare');
    assert.deepEqual(posted['runDirs'], ['/w/runs/lr-0.01', '/w/runs/lr-0.001']);
    assert.equal(await page.getByRole('row', { selected: true }).count(), 2);
  });

  it('is keyboard navigable: arrows move, Space and Shift+arrows select, Enter opens the notes', async () => {
    page = await open();
    await page.getByLabel('Filter runs').focus();
    // Tab past the toolbar and the headers to the table's one tab stop: the first row.
    await page.locator('tbody tr[data-run-dir]').first().focus();
    await page.keyboard.press('ArrowDown');
    assert.equal(await probe(page, (t) => t.active()), '/w/runs/lr-0.01');
    await page.keyboard.press('Space');
    assert.deepEqual(await probe(page, (t) => t.selected()), ['/w/runs/lr-0.01']);
    await page.keyboard.press('Shift+ArrowDown');
    assert.deepEqual(await probe(page, (t) => t.selected()), ['/w/runs/lr-0.01', '/w/runs/lr-0.001']);
    await page.keyboard.press('Home');
    assert.equal(await probe(page, (t) => t.active()), '/w/runs/lr-0.1');
    assert.equal(
      await page.evaluate(() => (document.activeElement as HTMLElement).dataset['runDir']),
      '/w/runs/lr-0.1',
    );
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Notes');
    assert.equal(await page.getByLabel('Notes', { exact: true }).inputValue(), 'diverged');
    await page.keyboard.press('Control+a');
    await page.keyboard.type('diverged at lr 0.1');
    await page.getByLabel('Tags, separated by commas').fill('sweep, too high');
    await page.getByRole('button', { name: 'Save notes' }).click();
    const saved = await waitForPosted(page, 'saveNotes');
    assert.deepEqual(saved, {
      type: 'saveNotes',
      runDir: '/w/runs/lr-0.1',
      notes: 'diverged at lr 0.1',
      tags: ['sweep', 'too high'],
    });
    await page.getByRole('button', { name: 'Rename…' }).click();
    assert.deepEqual(await waitForPosted(page, 'rename'), { type: 'rename', runDir: '/w/runs/lr-0.1' });
  });

  it('applies live row updates and removals, keeping the selection, and exports what it shows', async () => {
    page = await open();
    await page.getByLabel('Select lr-0.1').check();
    await postToPanel(page, {
      type: 'rows',
      changed: [{ ...ROWS[0]!, finalLoss: 0.05, name: 'baseline' }],
      removed: ['/w/runs/lr-0.01'],
    });
    await page.waitForFunction(() => (globalThis as any).__runsTable.runDirs().length === 2);
    assert.deepEqual(await probe(page, (t) => t.cells('name')), ['lr-0.1', 'baseline']);
    assert.deepEqual(await probe(page, (t) => t.selected()), ['/w/runs/lr-0.1']);
    await page.getByRole('button', { name: 'Export CSV…' }).click();
    const exported = await waitForPosted(page, 'exportCsv');
    assert.deepEqual(exported['runDirs'], ['/w/runs/lr-0.1', '/w/runs/lr-0.001']);
    assert.ok((exported['columns'] as string[]).includes('config.optimizer.learning_rate'));
  });

  it('comes back after a reload with its sort, filter and selection', async () => {
    page = await open();
    await page.getByRole('button', { name: 'Steps' }).click();
    await page.getByLabel('Filter runs').fill('lr-0.0');
    await page.getByLabel('Select lr-0.001').check();
    const saved = await page.evaluate(() => (window as any).__savedState());
    await page.context().close();
    page = await open(ROWS, saved);
    assert.deepEqual(await probe(page, (t) => t.runDirs()), ['/w/runs/lr-0.001', '/w/runs/lr-0.01']);
    assert.equal(await page.getByLabel('Filter runs').inputValue(), 'lr-0.0');
    assert.deepEqual(await probe(page, (t) => t.selected()), ['/w/runs/lr-0.001']);
    assert.equal((await postedMessages(page)).filter((m) => m['type'] === 'log').length, 0);
  });

  it('refuses and logs messages of the wrong shape, naming the field, and keeps what it shows', async () => {
    page = await open();
    await postToPanel(page, { type: 'rows', changed: [{ ...ROWS[0]!, checkpointsKept: -1 }], removed: [] });
    await postToPanel(page, { type: 'init', rows: [{ ...ROWS[1]!, kind: 'tensorflow' }] });
    await postToPanel(page, { type: 'columns', rows: [] });
    await page.waitForFunction(
      () => (window as any).__posted.filter((m: { type: string }) => m.type === 'log').length === 3,
    );
    const logs = (await postedMessages(page)).filter((m) => m['type'] === 'log').map((m) => String(m['message']));
    for (const log of logs) assert.match(log, /^ignored a malformed message/);
    assert.match(logs[0]!, /checkpointsKept/);
    assert.match(logs[1]!, /kind/);
    assert.match(logs[2]!, /type/);
    assert.equal((await probe(page, (t) => t.runDirs())).length, 3, 'nothing of the refused messages applied');
    assert.deepEqual(await probe(page, (t) => t.cells('checkpoints')), ['0', '0', '0']);
    // A well-formed update after them still applies.
    await postToPanel(page, { type: 'rows', changed: [{ ...ROWS[0]!, checkpointsKept: 2 }], removed: [] });
    await page.waitForFunction(() => (globalThis as any).__runsTable.cells('checkpoints').includes('2'));
  });
});
