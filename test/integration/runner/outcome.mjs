// The one place that decides whether an integration run passed: the host must report, at least one
// test must have run, and none may have failed. Kept pure so its rules are unit-tested directly.

/**
 * @param {{ hostExitCode: number | null, counts: { passes: number, failures: number, pending: number } | null, error?: string }} result
 * @returns {{ exitCode: number, reason: string }} exitCode 0 pass, 1 test failures, 2 host failure or no test ran
 */
export function decideOutcome({ hostExitCode, counts, error }) {
  if (counts === null) {
    const why =
      error ??
      (hostExitCode === null
        ? 'the extension host never reported an exit code'
        : `the extension host exited with ${hostExitCode}`);
    return { exitCode: 2, reason: `no test counts were written (${why}); the suites did not run` };
  }
  if (counts.failures > 0) return { exitCode: 1, reason: `${counts.failures} test(s) failed` };
  if (hostExitCode !== 0) {
    return { exitCode: 2, reason: error ?? `the extension host exited with ${hostExitCode} although no test failed` };
  }
  if (counts.passes === 0)
    return { exitCode: 2, reason: 'no test ran (0 passed, 0 failed): a suite that runs nothing proves nothing' };
  return { exitCode: 0, reason: 'all tests passed' };
}

/** Parses the counts file written by suite/index.ts; null when missing or malformed. */
export function parseCounts(text) {
  try {
    const c = JSON.parse(text);
    const ok = ['passes', 'failures', 'pending'].every((k) => Number.isInteger(c?.[k]) && c[k] >= 0);
    return ok ? { passes: c.passes, failures: c.failures, pending: c.pending } : null;
  } catch {
    return null;
  }
}

/** `N passed, N failed` plus `, N skipped` when some were. */
export function summarize({ passes, failures, pending }) {
  return `${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ''}`;
}
