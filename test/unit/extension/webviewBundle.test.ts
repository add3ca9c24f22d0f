import assert from 'node:assert/strict';
import * as esbuild from 'esbuild';
import { repoRoot, webviewBuildOptions } from '../../webview/harness/bundle';

/** The loss-curves bundle as scripts/build.mjs builds it (write: false), as text. */
async function bundleText(options: { dev?: boolean; testHooks?: boolean }): Promise<string> {
  const result = await esbuild.build({ ...(await webviewBuildOptions({ ...options, outdir: '/tmp/unused' })), absWorkingDir: repoRoot, write: false, sourcemap: false });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  assert.ok(js, 'no JavaScript output');
  return js.text;
}

describe('loss-curves webview bundle', function () {
  this.timeout(60_000);

  it('the product (release and --dev builds) has no test hooks; the tests\' build has them', async () => {
    for (const dev of [false, true]) {
      const product = await bundleText({ dev });
      assert.doesNotMatch(product, /__lossCurves|redrawStats|totalMs/, `${dev ? '--dev' : 'release'} build still carries the test hooks`);
    }
    const forTests = await bundleText({ testHooks: true });
    assert.match(forTests, /__lossCurves/);
    assert.match(forTests, /totalMs/);
  });
});
