// `npm run cli -- <command> ...`: builds the trainer bundle when a source is newer, then runs it.
import { spawnSync } from 'node:child_process';
import { ensureTrainerBundle } from './trainer-bundle.mjs';

let bundle;
try {
  bundle = ensureTrainerBundle();
} catch (error) {
  process.exit(error.exitCode ?? 1);
}
// npm runs scripts from the package root; INIT_CWD is where the user typed the command (configs/ lookup, relative paths).
const r = spawnSync(process.execPath, [bundle, ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: process.env.INIT_CWD || process.cwd(),
});
process.exit(r.status ?? 1);
