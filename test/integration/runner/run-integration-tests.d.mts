// Types for run-integration-tests.mjs (plain ESM so the CLI runs on bare node).
export const repoRoot: string;
export const fixtureWorkspace: string;
export interface IntegrationRunOptions {
  /** Folder with the extension's package.json (default the repo root), or a folder of such folders: each is loaded. */
  extensionPath?: string;
  /** Built suite entry exporting run(), e.g. out/test/integration/suite/index.js (see ../build.mjs). */
  testsPath: string;
  /** Folder to open as the workspace, as is; default a fresh temp copy of test/integration/fixtures/workspace. */
  workspace?: string;
  /** Extra environment for code-server, the extension host and the tests. */
  env?: Record<string, string>;
  /** Limit for the host run, default 600 000. */
  timeoutMs?: number;
  /** Receives test output and runner messages; default stdout. */
  log?: (line: string) => void;
}
export interface IntegrationRunResult {
  /** 0 passed; 1 a test failed; 2 the host failed or no test ran. */
  exitCode: number;
  passes: number;
  failures: number;
  pending: number;
  hostExitCode: number | null;
  reason: string;
  seconds: number;
}
export function runIntegrationTests(options: IntegrationRunOptions): Promise<IntegrationRunResult>;
/** Environment for code-server and its host, everything they write kept inside tempRoot. */
export function isolatedHostEnv(tempRoot: string, extra?: Record<string, string>): Record<string, string>;
