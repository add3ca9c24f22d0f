/**
 * One panel page for a webview test: a fresh browser context with the VS Code stand-in, the host's
 * page loaded, and helpers to send `init` and read what the chart drew (the panel's test view,
 * globalThis.__lossCurves).
 */
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { HostToWebview } from '../../../src/core/protocol/webview';
import { installVsCodeStub, postToPanel } from './browser';
import type { PanelServer } from './server';

export type { DrawnRun };

import type { DrawnRun } from '../../../webview/src/chart';

export const DEFAULT_VIEWPORT = { width: 1100, height: 640 };

export async function openPanelPage(
  browser: Browser,
  server: PanelServer,
  state?: unknown,
  viewport = DEFAULT_VIEWPORT,
): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.on('pageerror', (e) => assert.fail(`page error: ${e.message}`));
  await installVsCodeStub(page, { state });
  await page.goto(server.url);
  return page;
}

/** Posts `init` and waits until the loss pane holds series. */
export async function initPanel(page: Page, message: HostToWebview): Promise<void> {
  await postToPanel(page, message);
  await page.waitForFunction(() => (globalThis as any).__lossCurves.seriesCount() > 1);
}

export const drawnRuns = (page: Page): Promise<DrawnRun[]> =>
  page.evaluate(() => (globalThis as any).__lossCurves.drawnRuns());
