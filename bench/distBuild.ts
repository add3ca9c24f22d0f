/**
 * The extension and trainer figures measure dist/ (what ships): rebuild it with `npm run build`'s
 * script when a bundle is missing or older than its sources, so the bench never times stale code.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Each bundle and the source folders it is built from (scripts/build.mjs). */
export const BUNDLES: Record<string, string[]> = {
  'dist/extension.js': ['src/extension', 'src/core', 'package.json'],
  'dist/trainer.js': ['src/trainer', 'src/core', 'package.json'],
  'dist/webview/loss-curves.js': ['webview/src', 'src/core'],
  'dist/webview/runs-table.js': ['webview/src', 'src/core'],
};

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Bundles that are missing or older than one of their sources. */
export function staleBundles(repoRoot: string): string[] {
  return Object.entries(BUNDLES)
    .filter(([bundle, sources]) => {
      const built = join(repoRoot, bundle);
      return (
        !existsSync(built) || statSync(built).mtimeMs < Math.max(...sources.map((s) => newestMtime(join(repoRoot, s))))
      );
    })
    .map(([bundle]) => bundle);
}

/** Rebuilds (production build) when needed; returns null when dist/ is current, else why it is not. */
export function ensureDist(repoRoot: string, mayBuild: boolean): string | null {
  const stale = staleBundles(repoRoot);
  if (stale.length === 0) return null;
  if (!mayBuild) return `${stale.join(', ')} missing or older than the sources (--no-build): run npm run build`;
  console.log(`building dist/ (node scripts/build.mjs): ${stale.join(', ')} missing or older than the sources`);
  const build = spawnSync(process.execPath, [join(repoRoot, 'scripts/build.mjs')], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (build.status !== 0) return `npm run build failed (exit ${build.status ?? build.signal})`;
  const still = staleBundles(repoRoot);
  return still.length === 0 ? null : `${still.join(', ')} still older than the sources after the build`;
}
