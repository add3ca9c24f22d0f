/**
 * Loss-curves panel benchmark (not a test): first render of a run with 1,000,000 logged steps and the
 * redraw cost while points stream in, next to their same-run references (see lossCurvesMeasure.ts).
 * `npm run bench` includes it (group `panel`). Alone:
 *   npx tsx bench/panel/lossCurves.bench.ts      (BENCH_STEPS, BENCH_RENDERS, BENCH_STREAM_SECONDS to change)
 */
import { measureLossCurves } from './lossCurvesMeasure';

async function main(): Promise<void> {
  const plan = {
    steps: Number(process.env.BENCH_STEPS ?? 1_000_000),
    renders: Number(process.env.BENCH_RENDERS ?? 1),
    streamSeconds: Number(process.env.BENCH_STREAM_SECONDS ?? 5),
  };
  const f = await measureLossCurves(plan);
  console.log(`metrics.jsonl: ${f.steps.toLocaleString('en-US')} steps, ${f.fileMb.toFixed(1)} MB`);
  console.log(
    `panel page start-up (script arrived to ready), median of ${plan.renders}: ${f.pageStartupMs.toFixed(0)} ms (uPlot's script alone: ${f.uplotScriptMs.toFixed(0)} ms)`,
  );
  console.log(`first render (${f.pointsSent} points sent, ${f.messageKiB.toFixed(0)} KiB), median of ${plan.renders}:`);
  console.log(
    `  host read ${f.hostReadMs.toFixed(0)} ms + downsample ${f.downsampleMs.toFixed(1)} ms + serialise ${f.serialiseMs.toFixed(1)} ms`,
  );
  console.log(
    `  webview validate+smooth+draw+paint ${f.webviewRenderMs.toFixed(0)} ms (bare uPlot, same points: ${f.bareUplotRenderMs.toFixed(0)} ms)`,
  );
  console.log(
    `  total ${f.firstRenderMs.toFixed(0)} ms (read + JSON.parse of every line: ${f.plainParseMs.toFixed(0)} ms); not counted: Playwright's hand-over of the message, ${f.handOverMs.toFixed(0)} ms`,
  );
  const s = f.stream;
  console.log(
    `streaming 1,000 steps/s for ${s.seconds.toFixed(1)} s: ${s.redraws} redraws (${(s.redraws / s.seconds).toFixed(1)}/s), ${s.avgMs.toFixed(1)} ms each on average ` +
      `(synchronous part ${s.schedulerAvgMs.toFixed(1)} ms), ${s.maxMs.toFixed(1)} ms at most; ${s.points} points drawn; bare uPlot setData: ${f.bareUplotRedrawMs.toFixed(1)} ms`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
