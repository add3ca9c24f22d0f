// Installs what the integration tests need, once per machine, and reuses it afterwards:
//   - Debian packages chromium, libkrb5-dev, ripgrep, python3-torch and libopenblas0-pthread (apt-get, only when missing);
//   - code-server from test/host/package-lock.json, with `npm ci`, into a cache folder OUTSIDE the
//     clone keyed by the lockfile's hash, so a fresh clone on the same machine reuses it.
// See shared/notes/vscode-test-host.md for why each fix below is needed.
// Usage: node scripts/setup-test-host.mjs        (prints one line: reused or installed, and seconds)
// Library: import { ensureTestHost } from './setup-test-host.mjs'
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  openSync,
  closeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const hostSpecDir = join(repoRoot, 'test/host');

/** apt package → a file whose presence shows it is installed (works without dpkg too). */
const aptPackages = {
  chromium: '/usr/bin/chromium',
  'libkrb5-dev': '/usr/include/gssapi/gssapi.h', // code-server's nested `kerberos` builds against it
  ripgrep: '/usr/bin/rg', // seeds @vscode/ripgrep, whose postinstall would download rg from GitHub
  // PyTorch for the Hugging Face / torchrun tests (issue 10) and the bench's reference; Debian's python3.
  'python3-torch': '/usr/lib/python3/dist-packages/torch/__init__.py',
  // Without it Debian's torch links the slow reference BLAS.
  'libopenblas0-pthread': '/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0',
};

/**
 * @vscode/ripgrep bundled by code-server 4.100.3 is 1.15.11; its postinstall looks for this archive in
 * `os.tmpdir()/vscode-ripgrep-cache-<version>/` before downloading. Update both when code-server moves.
 */
const ripgrepPackageVersion = '1.15.11';
const ripgrepArchiveName = {
  x64: 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz',
  arm64: 'ripgrep-v13.0.0-10-aarch64-unknown-linux-musl.tar.gz',
};

const completeMarker = '.install-complete';

/** Folder that holds the installed host for the current lockfile. */
export function testHostCacheDir() {
  const lock = readFileSync(join(hostSpecDir, 'package-lock.json'));
  const key = createHash('sha256').update(lock).digest('hex').slice(0, 16);
  const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cacheHome, 'training-runs', 'test-host', key);
}

/** Path of code-server's entry script inside an installed host folder. */
export function codeServerEntry(dir = testHostCacheDir()) {
  return join(dir, 'node_modules/code-server/out/node/entry.js');
}

function ensureAptPackages(log) {
  const missing = Object.entries(aptPackages)
    .filter(([, probe]) => !existsSync(probe))
    .map(([name]) => name);
  if (missing.length === 0) return [];
  const isRoot = process.getuid?.() === 0;
  const prefix = isRoot ? [] : ['sudo', '-n'];
  log(`test host: installing apt packages ${missing.join(', ')}…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['apt-get', 'update', '-qq'],
    ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing],
  ]) {
    const cmd = [...prefix, ...args];
    const r = spawnSync(cmd[0], cmd.slice(1), { stdio: ['ignore', 'inherit', 'inherit'], env });
    if (r.status !== 0) {
      throw new Error(
        `test host: \`${cmd.join(' ')}\` failed (exit ${r.status ?? r.signal}). ` +
          `Install ${missing.join(', ')} yourself (as root: apt-get install -y ${missing.join(' ')}) and rerun.`,
      );
    }
  }
  const stillMissing = Object.entries(aptPackages)
    .filter(([, p]) => !existsSync(p))
    .map(([n, p]) => `${n} (${p})`);
  if (stillMissing.length)
    throw new Error(`test host: apt-get finished but these are still missing: ${stillMissing.join(', ')}`);
  return missing;
}

/** Puts Debian's rg where @vscode/ripgrep's postinstall looks before it tries GitHub. */
function seedRipgrepCache(npmTmp) {
  const archive = ripgrepArchiveName[process.arch];
  if (!archive)
    throw new Error(
      `test host: no ripgrep archive name known for arch ${process.arch}; add it to ripgrepArchiveName in scripts/setup-test-host.mjs`,
    );
  const cacheDir = join(npmTmp, `vscode-ripgrep-cache-${ripgrepPackageVersion}`);
  mkdirSync(cacheDir, { recursive: true });
  const r = spawnSync('tar', ['-czf', join(cacheDir, archive), '-C', dirname(aptPackages.ripgrep), 'rg']);
  if (r.status !== 0) throw new Error(`test host: could not pack /usr/bin/rg for the ripgrep cache: ${r.stderr}`);
}

function installCodeServer(finalDir, log) {
  // Install into a sibling staging folder and rename at the end: a half-finished install is never
  // mistaken for a complete one, and two set-ups racing on one machine cannot corrupt each other.
  const parent = dirname(finalDir);
  mkdirSync(parent, { recursive: true });
  const staging = mkdtempSync(`${finalDir}.staging-`);
  const npmTmp = join(staging, '.tmp');
  mkdirSync(npmTmp);
  copyFileSync(join(hostSpecDir, 'package.json'), join(staging, 'package.json'));
  copyFileSync(join(hostSpecDir, 'package-lock.json'), join(staging, 'package-lock.json'));
  seedRipgrepCache(npmTmp);
  const logFile = join(staging, 'install.log');
  const out = openSync(logFile, 'w');
  log(`test host: installing code-server into ${finalDir} (about 1.5 min; log: ${logFile})…`);
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=warn'], {
    cwd: staging,
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      TMPDIR: npmTmp, // where the seeded ripgrep archive is looked up
      npm_config_unsafe_perm: 'true', // code-server's postinstall refuses to run as root otherwise
      npm_config_yes: 'true', // node-pty's postinstall runs `npx node-gyp`, which asks without a terminal
      npm_config_ignore_scripts: 'false', // the nested postinstalls ARE the install
      // npm 11 reviews dependency install scripts (package.json `allowScripts`); code-server's
      // postinstall runs further `npm ci`s in its own folders, which have no such field.
      npm_config_dangerously_allow_all_scripts: 'true',
      npm_config_update_notifier: 'false',
    },
  });
  closeSync(out);
  const entry = codeServerEntry(staging);
  const vscodeServerModules = join(staging, 'node_modules/code-server/lib/vscode/node_modules');
  if (r.status !== 0 || !existsSync(entry) || !existsSync(vscodeServerModules)) {
    const tail = readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n');
    throw new Error(
      `test host: npm ci of code-server failed (exit ${r.status ?? r.signal}) in ${staging}.\n` +
        `Last lines of ${logFile}:\n${tail}\n` +
        'Check that chromium, libkrb5-dev and ripgrep are installed and the npm registry is reachable, then rerun.',
    );
  }
  rmSync(npmTmp, { recursive: true, force: true });
  writeFileSync(join(staging, completeMarker), `${new Date().toISOString()}\n`);
  try {
    renameSync(staging, finalDir);
  } catch (err) {
    // Another set-up finished first: use theirs.
    if (!existsSync(join(finalDir, completeMarker))) throw err;
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Makes sure the apt packages and code-server are installed.
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {{ dir: string, codeServerEntry: string, reused: boolean, seconds: number, aptInstalled: string[] }}
 */
export function ensureTestHost({ log = (line) => console.error(line) } = {}) {
  const started = performance.now();
  const aptInstalled = ensureAptPackages(log);
  const dir = testHostCacheDir();
  let reused = existsSync(join(dir, completeMarker)) && existsSync(codeServerEntry(dir));
  if (!reused) {
    // No marker: an interrupted install from an older set-up, or a deleted file; redo it.
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    installCodeServer(dir, log);
  }
  const seconds = (performance.now() - started) / 1000;
  return { dir, codeServerEntry: codeServerEntry(dir), reused, seconds, aptInstalled };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const r = ensureTestHost();
    const what = r.reused ? 'reused' : 'installed';
    const apt = r.aptInstalled.length ? `; apt installed ${r.aptInstalled.join(', ')}` : '';
    console.log(`test host: code-server ${what} at ${r.dir} in ${r.seconds.toFixed(1)} s${apt}`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
