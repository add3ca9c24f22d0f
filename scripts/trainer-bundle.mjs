// dist/trainer.js, rebuilt with scripts/build.mjs when a source under src/core or src/trainer is newer.
// Shared by scripts/cli.mjs (and so `npm run example`) and scripts/chaos.mjs.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const trainerBundlePath = join(root, 'dist/trainer.js');

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Returns the bundle's path, or throws with the build's exit status when the rebuild fails. */
export function ensureTrainerBundle() {
  const sources = Math.max(newestSource(join(root, 'src/core')), newestSource(join(root, 'src/trainer')));
  if (!existsSync(trainerBundlePath) || statSync(trainerBundlePath).mtimeMs < sources) {
    const built = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (built.status !== 0)
      throw Object.assign(new Error('building the trainer failed'), { exitCode: built.status ?? 1 });
  }
  return trainerBundlePath;
}
