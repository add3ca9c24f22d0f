import assert from 'node:assert/strict';
import * as esbuild from 'esbuild';
import { repoRoot, webviewBuildOptions } from '../../webview/harness/bundle';

/** The webview bundles (loss curves, runs table) as scripts/build.mjs builds them (write: false), as one text. */
async function bundleText(options: { dev?: boolean; testHooks?: boolean }): Promise<string> {
  const result = await esbuild.build({
    ...(await webviewBuildOptions({ ...options, outdir: '/tmp/unused' })),
    absWorkingDir: repoRoot,
    write: false,
    sourcemap: false,
  });
  const js = result.outputFiles.filter((f) => f.path.endsWith('.js'));
  assert.equal(js.length, 2, 'expected the loss-curves and runs-table bundles');
  return js.map((f) => f.text).join('\n');
}

describe('webview bundles', function () {
  this.timeout(60_000);

  it("the product (release and --dev builds) has no test hooks; the tests' build has them", async () => {
    for (const dev of [false, true]) {
      const product = await bundleText({ dev });
      assert.doesNotMatch(
        product,
        /__lossCurves|__runsTable|redrawStats|totalMs/,
        `${dev ? '--dev' : 'release'} build still carries the test hooks`,
      );
    }
    const forTests = await bundleText({ testHooks: true });
    assert.match(forTests, /__lossCurves/);
    assert.match(forTests, /__runsTable/);
    assert.match(forTests, /totalMs/);
  });

  it("both panels' stylesheets carry the shared base rules (webview/src/base.css), once each", async () => {
    const result = await esbuild.build({
      ...(await webviewBuildOptions({ outdir: '/tmp/unused' })),
      absWorkingDir: repoRoot,
      write: false,
      sourcemap: false,
    });
    const css = result.outputFiles.filter((f) => f.path.endsWith('.css'));
    assert.equal(css.length, 2, 'expected the loss-curves and runs-table stylesheets');
    for (const f of css)
      for (const rule of [/#app\s*\{/g, /\.toolbar\s*\{/g, /html,\s*body\s*\{/g])
        assert.equal(f.text.match(rule)?.length, 1, `${rule.source} once in ${f.path}`);
  });
});
