/**
 * Runs table benchmark (not a test): Compare Runs on 1,000 generated runs, host and webview (see
 * runsTableMeasure.ts). `npm run bench` includes it (group `panel`, row runs_table_1000_runs). Alone:
 *   npx tsx bench/runsTable/runsTable.bench.ts      (BENCH_RUNS, BENCH_OPENS to change)
 */
import { measureRunsTable } from './runsTableMeasure';
import { runsTableResults } from './runsTableResults';

async function main(): Promise<void> {
  const opens = Number(process.env.BENCH_OPENS ?? 1);
  const f = await measureRunsTable({ runs: Number(process.env.BENCH_RUNS ?? 1000), opens });
  for (const row of runsTableResults(f, opens))
    console.log(
      `${row.group}/${row.name}: ${row.value?.toFixed(0)} ms (reference ${row.reference?.value.toFixed(0)} ms)\n  ${row.detail}`,
    );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
