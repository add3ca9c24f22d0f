// Opens code-server's workbench in headless Debian Chromium with a payload that makes VS Code load
// the extension under development and run its tests, then waits for the extension host's exit code.
// The workbench reports through two page functions (the hooks VS Code's own web test runner uses):
// codeAutomationLog(type, args) for console output, codeAutomationExit(code, logs) at the end.
import { format } from 'node:util';
import { chromium } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';
export const chromiumArgs = [
  '--no-sandbox', // root in CI
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/**
 * Start-up chatter of the workbench itself, which would bury the test output. Anything not listed
 * (extension errors included) is still shown; TRAINING_RUNS_TEST_VERBOSE=1 shows everything.
 */
const workbenchChatter = [
  /^Resolving connection token/,
  /^Resolved connection token/,
  /^Creating a socket/,
  /^Ignoring fetching additional builtin extensions/,
  /^Updating additional builtin extensions cache/,
  /^\[Service Worker\] registered/,
  /^ChatSessionStore: Migrating 0 chat sessions/,
  /^Creation of workbench contribution '[^']*' took \d+ms/,
];

export function isWorkbenchChatter(text) {
  return !process.env.TRAINING_RUNS_TEST_VERBOSE && workbenchChatter.some((pattern) => pattern.test(text));
}

/** Reads the workbench configuration code-server embeds in its page, for its remoteAuthority. */
export async function readRemoteAuthority(baseUrl) {
  const res = await fetch(`${baseUrl}/`, { signal: AbortSignal.timeout(15_000) });
  const html = await res.text();
  const match = /id="vscode-workbench-web-configuration"[^>]*data-settings="([^"]*)"/.exec(html);
  if (!match?.[1])
    throw new Error(
      `code-server page at ${baseUrl}/ has no vscode-workbench-web-configuration element (HTTP ${res.status}).`,
    );
  const json = match[1]
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  const authority = JSON.parse(json).remoteAuthority;
  if (typeof authority !== 'string' || !authority)
    throw new Error(`code-server's workbench configuration has no remoteAuthority: ${json.slice(0, 300)}`);
  return authority;
}

/**
 * The workbench URL that opens `workspace` with the extension at `extensionPath` under development,
 * and runs the tests at `testsPath` when given (scripts/screenshots.mjs opens it without tests).
 */
export function workbenchUrl({ baseUrl, authority, extensionPath, testsPath, workspace }) {
  const remote = (p) => `vscode-remote://${authority}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(extensionPath)],
    ...(testsPath ? [['extensionTestsPath', remote(testsPath.replace(/\.js$/, ''))]] : []),
    ['skipWelcome', 'true'],
  ];
  return `${baseUrl}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** The host forwards console calls as (format string, ...values), like console.log's arguments. */
export function formatConsoleArgs(args) {
  return format(...(Array.isArray(args) ? args : [args]));
}

/**
 * @param {{ baseUrl: string, extensionPath: string, testsPath: string, workspace: string, timeoutMs: number,
 *           browserEnv?: NodeJS.ProcessEnv, onLog?: (line: string) => void }} options
 * @returns {Promise<{ hostExitCode: number | null, error?: string }>}
 *   hostExitCode null when the host never reported (timeout, crash).
 */
export async function runTestsInWorkbench({
  baseUrl,
  extensionPath,
  testsPath,
  workspace,
  timeoutMs,
  browserEnv,
  onLog = (l) => process.stdout.write(`${l}\n`),
}) {
  const authority = await readRemoteAuthority(baseUrl);
  // browserEnv points Chromium's XDG folders (crash reports, caches) into the run's temp folder.
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: chromiumArgs,
    headless: true,
    ...(browserEnv ? { env: browserEnv } : {}),
  });
  try {
    const page = await browser.newPage();
    let finish;
    const finished = new Promise((resolve) => (finish = resolve));
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const text = formatConsoleArgs(args).replace(/\n$/, '');
      if (isWorkbenchChatter(text)) return;
      onLog(type === 'error' || type === 'warn' ? `[${type}] ${text}` : text);
    });
    await page.exposeFunction('codeAutomationExit', (code) =>
      finish({ hostExitCode: typeof code === 'number' ? code : Number(code) }),
    );
    page.on('crash', () => finish({ hostExitCode: null, error: 'the workbench page crashed' }));
    await page.goto(workbenchUrl({ baseUrl, authority, extensionPath, testsPath, workspace }), { timeout: 60_000 });
    let timer;
    const timedOut = new Promise((resolve) => {
      timer = setTimeout(
        () => resolve({ hostExitCode: null, error: `no result from the extension host within ${timeoutMs} ms` }),
        timeoutMs,
      );
    });
    const result = await Promise.race([finished, timedOut]);
    clearTimeout(timer);
    return result;
  } finally {
    await browser.close().catch(() => {});
  }
}
