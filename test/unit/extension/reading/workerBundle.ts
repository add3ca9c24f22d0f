/** The reader worker bundled as the extension ships it (scripts/build.mjs), for tests of the pool. */
import { buildSync } from 'esbuild';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

let built: string | undefined;

export function readerWorkerBundle(): string {
  if (built) return built;
  const outfile = join(mkdtempSync(join(tmpdir(), 'reader-worker-')), 'readerWorker.js');
  buildSync({
    entryPoints: [resolve(__dirname, '../../../../src/extension/reading/readerWorker.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    external: ['@node-rs/crc32'],
    logLevel: 'error',
  });
  return (built = outfile);
}
