/**
 * What every webview suite starts once: the webview bundle, served over HTTP, and one headless
 * Chromium. `close` undoes whatever was started, also after a failed start.
 */
import { rmSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser';
import { buildWebviewBundle } from './bundle';
import { servePanel, type PanelServer } from './server';

export interface PanelHarness {
  server: PanelServer;
  browser: Browser;
  close(): Promise<void>;
}

export async function openPanelHarness(page: 'loss-curves' | 'runs-table' = 'loss-curves'): Promise<PanelHarness> {
  const assets = await buildWebviewBundle();
  let server: PanelServer | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await server?.close();
    rmSync(assets, { recursive: true, force: true });
  };
  try {
    server = await servePanel(assets, page);
    browser = await launchChromium();
  } catch (error) {
    await close();
    throw error;
  }
  return { server, browser, close };
}
