// The webview bundles' esbuild options (loss curves, runs table): one source for scripts/build.mjs (the product)
// and the webview tests' own build (test/webview/harness/bundle.ts).
// `testHooks` keeps the read-only view the tests and the panel bench read (the `__lossCurves`
// global, redraw timings); the product is built without, and esbuild drops that code.
export function webviewBuildOptions({ dev = false, testHooks = false, outdir = 'dist/webview' } = {}) {
  return {
    entryPoints: { 'loss-curves': 'webview/src/main.ts', 'runs-table': 'webview/src/runsTable/main.ts' },
    outdir,
    bundle: true,
    sourcemap: dev ? 'linked' : false,
    minify: !dev,
    // Dead-code elimination in --dev builds too, so they carry no test hooks either.
    minifySyntax: true,
    logLevel: 'warning',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    loader: { '.css': 'css' },
    define: { TRAINING_RUNS_TEST_HOOKS: String(testHooks) },
  };
}
