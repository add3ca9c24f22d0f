/**
 * A tiny 127.0.0.1 server for the panel: `/` is the host's own page (renderPanelHtml, same CSP,
 * same nonce rules) and the bundle's files are served from `assetsDir`, as VS Code serves dist/webview.
 */
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';
import { makeNonce, renderPanelHtml } from '../../../src/extension/lossCurves/panelHtml';

export interface PanelServer {
  url: string;
  close(): Promise<void>;
}

const types: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css' };

/** `page`: the bundle's entry the page loads (loss-curves, or runs-table for the Compare Runs panel). */
export async function servePanel(
  assetsDir: string,
  page: 'loss-curves' | 'runs-table' = 'loss-curves',
): Promise<PanelServer> {
  let origin = '';
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', origin).pathname;
      if (path === '/') {
        const html = renderPanelHtml({
          cspSource: origin,
          nonce: makeNonce(),
          scriptUri: `${origin}/assets/${page}.js`,
          styleUri: `${origin}/assets/${page}.css`,
          title: page === 'runs-table' ? 'Compare Runs' : 'Loss curves',
        });
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
        return;
      }
      const name = normalize(path.replace(/^\/assets\//, ''));
      if (!path.startsWith('/assets/') || name.includes('..')) {
        res.writeHead(404).end();
        return;
      }
      try {
        const body = await readFile(join(assetsDir, name));
        res
          .writeHead(200, { 'content-type': types[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream' })
          .end(body);
      } catch {
        res.writeHead(404).end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: `${origin}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
