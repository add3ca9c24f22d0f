// The webview bundles' esbuild options (loss curves, runs table): one source for scripts/build.mjs (the product)
// and the webview tests' own build (test/webview/harness/bundle.ts).
// `testHooks` keeps the read-only view the tests and the panel bench read (the `__lossCurves`
// global, redraw timings); the product is built without, and esbuild drops that code.
import * as esbuild from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

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
    plugins: [precompiledValidatorsPlugin],
  };
}

/** The module `precompiled:protocol-validators` (see src/core/protocol/precompiled.ts), generated at build time. */
export const precompiledValidatorsPlugin = {
  name: 'precompiled-validators',
  setup(build) {
    build.onResolve({ filter: /^precompiled:protocol-validators$/ }, (args) => ({
      path: args.path,
      namespace: 'precompiled',
    }));
    build.onLoad({ filter: /.*/, namespace: 'precompiled' }, async () => {
      // The generator is TypeScript importing the protocol's zod schemas: bundle it for Node, then run it.
      const generator = await esbuild.build({
        entryPoints: [join(root, 'scripts/precompiledValidators.ts')],
        absWorkingDir: root,
        bundle: true,
        platform: 'node',
        format: 'esm',
        write: false,
        metafile: true,
        logLevel: 'warning',
      });
      const code = generator.outputFiles[0].text;
      const { precompiledValidatorsSource } = await import(
        `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`
      );
      return {
        contents: precompiledValidatorsSource(),
        loader: 'js',
        resolveDir: root,
        // --watch rebuilds when a schema changes.
        watchFiles: Object.keys(generator.metafile.inputs).map((file) => join(root, file)),
      };
    });
  },
};
