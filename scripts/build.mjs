// Bundles the three targets with esbuild: extension host, trainer process, webview.
// Usage: node scripts/build.mjs [--dev] [--watch]
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { webviewBuildOptions } from './webviewBundle.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dev = process.argv.includes('--dev');
const watch = process.argv.includes('--watch');

/**
 * Native and optional backends are loaded at run time only if the user installed them.
 * @tensorflow/tfjs-backend-webgpu is pure JavaScript and bundled (evaluated only once Dawn is set up).
 */
// Every bundle of the project (tests' too) keeps these external: one list, scripts/optional-native.json.
const optionalNative = JSON.parse(readFileSync(join(root, 'scripts/optional-native.json'), 'utf8'));

const common = {
  bundle: true,
  sourcemap: dev ? 'linked' : false,
  minify: !dev,
  logLevel: 'warning',
  absWorkingDir: root,
};

const targets = [
  {
    ...common,
    entryPoints: { extension: 'src/extension/extension.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // ./services: dist/services.js below, required on first use, so activation parses only this bundle.
    external: ['vscode', '@node-rs/crc32', './services'],
  },
  {
    ...common,
    entryPoints: { services: 'src/extension/services.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // @node-rs/crc32: the checkpoint engine's optional fast checksum, shipped in dist/node_modules.
    external: ['vscode', '@node-rs/crc32'],
  },
  {
    ...common,
    entryPoints: { trainer: 'src/trainer/cli/main.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: optionalNative,
    // tfjs is large; minifying it costs seconds and hides stack traces for users.
    minify: false,
  },
  { ...webviewBuildOptions({ dev }), absWorkingDir: root },
  {
    // The extension host's workspace reads run in worker threads of this bundle (src/extension/reading).
    ...common,
    entryPoints: { readerWorker: 'src/extension/reading/readerWorker.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['@node-rs/crc32'],
  },
].filter((t) => existsSync(join(root, Object.values(t.entryPoints)[0])));

/** tfjs-backend-wasm loads its .wasm files from a folder given at run time (setWasmPaths). */
function copyWasm() {
  const src = join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  const dest = join(root, 'dist/wasm');
  mkdirSync(dest, { recursive: true });
  for (const f of readdirSync(src).filter((n) => n.endsWith('.wasm'))) cpSync(join(src, f), join(dest, f));
}

/**
 * koffi (FFI to a system BLAS) is native: the trainer finds it in dist/node_modules (optionalModule.ts
 * searches beside the bundle). Only its JavaScript entry and the prebuilt binary npm installed for
 * this platform are copied, so a .vsix built here runs the BLAS path on this platform only; elsewhere
 * the trainer reports that koffi cannot load and trains on WebAssembly alone.
 */
function copyKoffi() {
  const dest = join(root, 'dist/node_modules');
  rmSync(dest, { recursive: true, force: true });
  const koffi = join(root, 'node_modules/koffi');
  if (!existsSync(join(koffi, 'package.json'))) return; // optional dependency absent: nothing to ship
  // Its JavaScript and license; not its C++ sources, docs or headers (vendor/, lib/, doc/).
  const shipped = (src) =>
    !/[\\/](vendor|lib|doc|CMakeLists.txt)$/.test(src) && !/\.(h|hh|c|cc|cpp|inc|def|md|d\.ts|S|asm)$/.test(src);
  cpSync(koffi, join(dest, 'koffi'), { recursive: true, filter: shipped });
  const scope = join(root, 'node_modules/@koromix');
  if (existsSync(scope)) cpSync(scope, join(dest, '@koromix'), { recursive: true, filter: shipped });
}

/** @node-rs/crc32 (fast checksums for the checkpoint engine): its loader and this platform's binary. */
function copyCrc32() {
  const scope = join(root, 'node_modules/@node-rs');
  if (!existsSync(join(scope, 'crc32/package.json'))) return;
  for (const name of readdirSync(scope).filter((n) => n === 'crc32' || n.startsWith('crc32-'))) {
    cpSync(join(scope, name), join(root, 'dist/node_modules/@node-rs', name), {
      recursive: true,
      filter: (src) => !/\.(md|d\.ts)$/.test(src),
    });
  }
}

copyWasm();
copyKoffi();
copyCrc32();
if (watch) {
  for (const t of targets) await (await esbuild.context(t)).watch();
  console.log('watching…');
} else {
  await Promise.all(targets.map((t) => esbuild.build(t)));
}
