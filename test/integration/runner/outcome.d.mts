// Types for outcome.mjs (plain ESM so the CLI runs on bare node).
export interface TestCounts {
  passes: number;
  failures: number;
  pending: number;
}
export function decideOutcome(result: { hostExitCode: number | null; counts: TestCounts | null; error?: string }): {
  exitCode: number;
  reason: string;
};
export function parseCounts(text: string): TestCounts | null;
export function summarize(counts: TestCounts): string;
