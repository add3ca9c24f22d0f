/**
 * Builds the webview bundle exactly as scripts/build.mjs does (same entry and options), into a
 * temporary folder so the tests never race another build writing dist/.
 */
import * as esbuild from 'esbuild';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '../../..');

export async function buildWebviewBundle(): Promise<string> {
  const outdir = mkdtempSync(join(tmpdir(), 'loss-curves-webview-'));
  await esbuild.build({
    entryPoints: { 'loss-curves': 'webview/src/main.ts', 'runs-table': 'webview/src/runsTable/main.ts' },
    outdir,
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    loader: { '.css': 'css' },
    logLevel: 'warning',
    absWorkingDir: repoRoot,
  });
  return outdir;
}
