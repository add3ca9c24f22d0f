// Makes sure the machine has a WebGPU adapter for the `webgpu` test layer: when Dawn sees none,
// installs Mesa's software Vulkan driver (lavapipe). Debian 12's own Mesa 22.3 is refused by Dawn,
// so on bookworm it comes from bookworm-backports (Mesa 25); later Debian releases have it in their
// own suite. Elsewhere (not Debian, not root and no password-less sudo) nothing is installed and the
// reason is printed; the webgpu layer then skips its tests with that reason.
// See shared/notes/software-gpu-and-slurm.md, part 1.
// Usage: node scripts/setup-software-gpu.mjs   (prints one line: the adapter, or why there is none)
// Library: import { ensureSoftwareGpu, probeWebgpuAdapter } from './setup-software-gpu.mjs'
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sourcesDir = '/etc/apt/sources.list.d';
const backportsFile = join(sourcesDir, 'training-runs-bookworm-backports.sources');

/** Asks Dawn for an adapter in a child process (its native warnings stay out of this one). */
export function probeWebgpuAdapter(env = process.env) {
  const script = `
    const dawn = require(${JSON.stringify(join(repoRoot, 'node_modules/webgpu'))});
    dawn.create([]).requestAdapter().then((a) => {
      process.stdout.write(JSON.stringify(a ? { description: a.info.description, architecture: a.info.architecture, vendor: a.info.vendor, isFallbackAdapter: a.info.isFallbackAdapter } : null));
      process.exit(0);
    }, (e) => { process.stdout.write(JSON.stringify({ error: String(e && e.message) })); process.exit(0); });`;
  if (!existsSync(join(repoRoot, 'node_modules/webgpu')))
    return { adapter: null, reason: 'the optional package webgpu (Dawn) is not installed' };
  const runtimeDir = env.XDG_RUNTIME_DIR || mkdtempRuntimeDir();
  const r = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...env, XDG_RUNTIME_DIR: runtimeDir },
  });
  if (r.status !== 0)
    return {
      adapter: null,
      reason: `the Dawn probe exited ${r.status ?? r.signal}: ${(r.stderr || '').trim().split('\n').pop()}`,
    };
  const parsed = JSON.parse(r.stdout || 'null');
  if (!parsed) return { adapter: null, reason: 'Dawn sees no WebGPU adapter' };
  if (parsed.error) return { adapter: null, reason: `Dawn failed: ${parsed.error}` };
  return { adapter: parsed, reason: null };
}

function mkdtempRuntimeDir() {
  const dir = join(tmpdir(), `training-runs-xdg-${process.getuid?.() ?? 'user'}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

function osRelease() {
  try {
    return Object.fromEntries(
      readFileSync('/etc/os-release', 'utf8')
        .split('\n')
        .map((l) => /^(\w+)=("?)(.*)\2$/.exec(l))
        .filter(Boolean)
        .map((m) => [m[1], m[3]]),
    );
  } catch {
    return {};
  }
}

/** The deb822 stanza of the machine's own `bookworm` entry, re-aimed at bookworm-backports. */
function backportsStanza() {
  for (const name of existsSync(sourcesDir) ? readdirSync(sourcesDir).filter((n) => n.endsWith('.sources')) : []) {
    for (const stanza of readFileSync(join(sourcesDir, name), 'utf8').split(/\n\s*\n/)) {
      if (/^Suites:.*\bbookworm\b/m.test(stanza) && /^URIs:.*\/debian\/?\s*$/m.test(stanza)) {
        return (
          stanza
            .split('\n')
            .filter((l) => !l.startsWith('#'))
            .map((l) => (l.startsWith('Suites:') ? 'Suites: bookworm-backports' : l))
            .join('\n') + '\n'
        );
      }
    }
  }
  return 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n';
}

function aptRun(args, log) {
  const prefix = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  // Another apt-get (e.g. the test host's set-up on the same machine) may hold the lock: wait for it.
  const cmd = [...prefix, 'apt-get', '-o', 'DPkg::Lock::Timeout=900', ...args];
  log(`software GPU: ${cmd.join(' ')}`);
  const r = spawnSync(cmd[0], cmd.slice(1), {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (r.status !== 0) throw new Error(`software GPU: \`${cmd.join(' ')}\` failed (exit ${r.status ?? r.signal})`);
}

/** Why this machine cannot get the driver from here, or null when it can. */
function cannotInstallReason(os) {
  if (process.platform !== 'linux' || os.ID !== 'debian')
    return `not Debian (${os.PRETTY_NAME ?? process.platform}): install a Vulkan driver (e.g. Mesa 25's lavapipe) yourself to run the webgpu layer`;
  if (process.getuid?.() !== 0 && spawnSync('sudo', ['-n', 'true']).status !== 0)
    return "not root and no password-less sudo, so apt-get cannot install Mesa's lavapipe";
  if (os.VERSION_CODENAME !== 'bookworm' && Number(os.VERSION_ID) < 12)
    return `Debian ${os.VERSION_ID} has no Mesa that Dawn accepts`;
  return null;
}

/**
 * Returns `{ adapter, reason, installed }`: the adapter Dawn sees after the set-up, or null and why.
 */
export function ensureSoftwareGpu({ log = (line) => console.error(line) } = {}) {
  const before = probeWebgpuAdapter();
  if (before.adapter || !existsSync(join(repoRoot, 'node_modules/webgpu'))) return { ...before, installed: false };
  // The caller chose the drivers (e.g. none, to test a machine without any): leave the system alone.
  const chosen = ['VK_DRIVER_FILES', 'VK_ICD_FILENAMES'].filter((k) => process.env[k]);
  if (chosen.length)
    return {
      adapter: null,
      reason: `${before.reason} with the Vulkan drivers ${chosen.join('/')} names (${process.env[chosen[0]]}); nothing installed`,
      installed: false,
    };
  const os = osRelease();
  const reason = cannotInstallReason(os);
  if (reason) return { adapter: null, reason: `${before.reason}; ${reason}`, installed: false };
  if (os.VERSION_CODENAME === 'bookworm') {
    if (!existsSync(backportsFile)) {
      log(`software GPU: adding ${backportsFile}`);
      writeFileSync(backportsFile, backportsStanza());
    }
    aptRun(['update', '-qq'], log);
    aptRun(['install', '-y', '-qq', '-t', 'bookworm-backports', 'mesa-vulkan-drivers'], log);
  } else {
    aptRun(['update', '-qq'], log);
    aptRun(['install', '-y', '-qq', 'mesa-vulkan-drivers'], log);
  }
  const after = probeWebgpuAdapter();
  return { ...after, installed: true };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now();
  try {
    const result = ensureSoftwareGpu();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (result.adapter)
      console.log(
        `software GPU: ${result.installed ? 'installed' : 'present'}: ${result.adapter.description} (${result.adapter.architecture}) in ${seconds} s`,
      );
    else console.log(`software GPU: none (${result.reason}) in ${seconds} s`);
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
