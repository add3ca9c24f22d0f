/** The runs-table page for the webview suites: opened with rows, and read through its test hooks. */
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { RunRow } from '../../../src/core/protocol/runsTable';
import { installVsCodeStub, postToPanel, waitForPosted } from './browser';
import { DEFAULT_VIEWPORT } from './panelPage';

/** What webview/src/runsTable/main.ts exposes as globalThis.__runsTable in the tests' build. */
export type TableProbe = {
  runDirs(): string[];
  rendered(): string[];
  columns(): string[];
  cells(c: string): string[];
  selected(): string[];
  active(): string | null;
  paints(): number;
  pending(): number;
};

export const probe = <T>(page: Page, fn: (t: TableProbe) => T): Promise<T> =>
  page.evaluate(`(${fn.toString()})(globalThis.__runsTable)`) as Promise<T>;

/** A fresh page of the table (saved `state` restored) once it shows the `init` rows. */
export async function openRunsTable(browser: Browser, url: string, rows: RunRow[], state?: unknown): Promise<Page> {
  const context = await browser.newContext({ viewport: DEFAULT_VIEWPORT });
  const p = await context.newPage();
  p.on('pageerror', (e) => assert.fail(`page error: ${e.message}`));
  await installVsCodeStub(p, { state });
  await p.goto(url);
  await waitForPosted(p, 'ready');
  await postToPanel(p, { type: 'init', rows });
  await p.waitForFunction(() => (globalThis as any).__runsTable.runDirs().length > 0);
  return p;
}
