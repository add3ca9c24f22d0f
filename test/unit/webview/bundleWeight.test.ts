/**
 * What the bundles parse at start-up: zod's namespace imported as `import { z } from 'zod'` keeps every
 * export of zod alive in esbuild's bundle (all of its locales, JSON Schema conversion), which roughly
 * doubled the loss-curves webview's script and the reader worker's. `import * as z` lets esbuild keep
 * only what is used (eslint.config.mjs refuses the other form).
 */
import assert from 'node:assert/strict';
import * as esbuild from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, webviewBuildOptions } from '../../webview/harness/bundle';

/** Inputs of each output file of a bundle, as esbuild's metafile lists them. */
async function bundleInputs(options: esbuild.BuildOptions): Promise<Map<string, string[]>> {
  const result = await esbuild.build({ ...options, absWorkingDir: repoRoot, metafile: true, write: false });
  return new Map(
    Object.entries(result.metafile.outputs)
      .filter(([file]) => file.endsWith('.js'))
      .map(([file, output]) => [file, Object.keys(output.inputs)]),
  );
}

/** zod modules no bundle of ours uses: every language but English, and JSON Schema conversion. */
const unusedZod = (inputs: string[]): string[] =>
  inputs.filter(
    (input) =>
      /node_modules\/zod\/v4\/locales\/(?!en\.js|index\.js)/.test(input) ||
      /node_modules\/zod\/v4\/classic\/from-json-schema\.js/.test(input),
  );

describe('bundle weight', function () {
  this.timeout(120_000);
  let outdir: string;
  before(() => (outdir = mkdtempSync(join(tmpdir(), 'bundle-weight-'))));
  after(() => rmSync(outdir, { recursive: true, force: true }));

  it("keeps zod's unused locales and converters out of the webviews' scripts", async () => {
    const outputs = await bundleInputs(await webviewBuildOptions({ outdir }));
    assert.equal(outputs.size, 2, [...outputs.keys()].join(', '));
    for (const [file, inputs] of outputs) {
      assert.ok(inputs.some((i) => i.includes('node_modules/zod/')) || file.includes('runs-table'), `${file} uses zod`);
      assert.deepEqual(unusedZod(inputs), [], file);
    }
  });

  it('keeps them out of the reader worker, which every workspace read starts', async () => {
    const outputs = await bundleInputs({
      entryPoints: { readerWorker: 'src/extension/reading/readerWorker.ts' },
      outdir,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['@node-rs/crc32'],
      logLevel: 'silent',
    });
    const [inputs] = [...outputs.values()];
    assert.ok(inputs?.some((i) => i.includes('node_modules/zod/')));
    assert.deepEqual(unusedZod(inputs ?? []), []);
  });
});
