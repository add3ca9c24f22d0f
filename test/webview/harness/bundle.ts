/**
 * Builds the webview bundle with scripts/build.mjs's options plus the test hooks, into a
 * temporary folder so the tests never race another build writing dist/.
 */
import * as esbuild from 'esbuild';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const repoRoot = resolve(__dirname, '../../..');

export async function buildWebviewBundle(): Promise<string> {
  const outdir = mkdtempSync(join(tmpdir(), 'loss-curves-webview-'));
  await esbuild.build({ ...(await webviewBuildOptions({ testHooks: true, outdir })), absWorkingDir: repoRoot });
  return outdir;
}

/** scripts/webviewBundle.mjs's options (plain JavaScript, shared with scripts/build.mjs). */
export async function webviewBuildOptions(options: {
  dev?: boolean;
  testHooks?: boolean;
  outdir?: string;
}): Promise<esbuild.BuildOptions> {
  const shared = (await import(pathToFileURL(join(repoRoot, 'scripts/webviewBundle.mjs')).href)) as {
    webviewBuildOptions(o: typeof options): esbuild.BuildOptions;
  };
  return shared.webviewBuildOptions(options);
}
