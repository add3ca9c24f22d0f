// Starts code-server detached in its own process group, with all its state in one temp folder,
// waits for /healthz, and stops the whole group. A watchdog process kills the group if the runner
// dies without stopping it (a killed CI job must not leave servers behind).
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Spawns a detached watchdog that SIGKILLs process group `groupId` once `watchedPid` is gone.
 * It is in its own group so that killing the runner's group does not take it down too.
 */
export function startWatchdog(groupId, watchedPid = process.pid) {
  const script = `
    const [group, watched] = process.argv.slice(1).map(Number);
    const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
    setInterval(() => {
      if (!alive(group)) process.exit(0);
      if (!alive(watched)) { try { process.kill(-group, 'SIGKILL'); } catch {} process.exit(0); }
    }, 500);`;
  const child = spawn(process.execPath, ['-e', script, String(groupId), String(watchedPid)], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return child;
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * @param {{ entry: string, stateDir: string, env: NodeJS.ProcessEnv, readyTimeoutMs?: number }} options
 *   entry: code-server's out/node/entry.js; stateDir: an empty temp folder for all its state.
 * @returns {Promise<{ url: string, pid: number, output: () => string, stop: () => Promise<void> }>}
 */
export async function startCodeServer({ entry, stateDir, env, readyTimeoutMs = 60_000 }) {
  const port = await freePort();
  const configFile = join(stateDir, 'code-server.yaml');
  writeFileSync(configFile, 'auth: none\n'); // an empty config file is refused
  for (const d of ['user-data', 'extensions']) mkdirSync(join(stateDir, d), { recursive: true });
  const args = [
    entry,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--config',
    configFile,
    '--user-data-dir',
    join(stateDir, 'user-data'),
    '--extensions-dir',
    join(stateDir, 'extensions'),
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
  ];
  const child = spawn(process.execPath, args, { detached: true, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`code-server: could not spawn ${process.execPath} ${entry}`);
  const pid = child.pid;
  const watchdog = startWatchdog(pid);
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const exitedPromise = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    }),
  );

  const stop = async () => {
    if (exited === null) {
      killGroup(pid, 'SIGTERM');
      const graceful = await Promise.race([exitedPromise.then(() => true), delay(3000).then(() => false)]);
      if (!graceful) killGroup(pid, 'SIGKILL');
    }
    // The server's children (extension host, file watcher) share its group; make sure none stays.
    killGroup(pid, 'SIGKILL');
    try {
      if (watchdog.pid) process.kill(watchdog.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited !== null) {
      await stop();
      throw new Error(
        `code-server exited before it was ready (code ${exited.code}, signal ${exited.signal}). Its output:\n${output}`,
      );
    }
    if (await isHealthy(url)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `code-server was not ready at ${url}/healthz within ${readyTimeoutMs} ms. Its output:\n${output}`,
      );
    }
    await delay(200);
  }
  return { url, pid, output: () => output, stop };
}

async function isHealthy(url) {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
