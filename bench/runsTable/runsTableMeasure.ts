/**
 * The runs table with 1,000 runs: generates 1,000 run folders (run.json with a config whose learning
 * rate, batch size and seed vary, a 200-row metrics.jsonl, a notes file on every tenth, and one real
 * checkpoint written by the engine), loads them into the run model as discovery would, then times
 * what the Compare Runs command does: the table source's rows from the run model, serialising
 * `init`, and the production webview bundle in headless Chromium from the message to the table
 * painted (two animation frames). Then, as a second figure, until every run's details (config,
 * metrics tail, trainer state, notes, size: read cold, in the reader pool's worker threads as the
 * extension reads them) are painted too: all changed rows posted as one `rows` message once the
 * source has read them.
 * Reference, same run: reading and JSON.parse of every run.json.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointManager, DEFAULT_CHECKPOINT_OPTIONS } from '../../src/core/checkpoint/index';
import { installReaderPool } from '../../src/extension/reading';
import { ReaderPool } from '../../src/extension/reading/readerPool';
import { fileRunReader } from '../../src/extension/store/runReader';
import { RunStore } from '../../src/extension/store/runStore';
import { RunsTableSource } from '../../src/extension/runsTable/runsTableSource';
import { buildWebviewBundle } from '../../test/webview/harness/bundle';
import { installVsCodeStub, launchChromium, waitForPosted } from '../../test/webview/harness/browser';
import { servePanel } from '../../test/webview/harness/server';
import { readerWorkerBundle } from '../../test/unit/extension/reading/workerBundle';
import type { RunRow } from '../../src/core/protocol/runsTable';
import { median } from '../result';

/**
 * In the page: parses the message (VS Code hands a webview its messages serialised; a string is also
 * what Playwright hands over fastest), posts it and waits until the table painted (two frames after).
 */
async function paintAfter(json: string): Promise<{ ms: number; columns: number; pending: number }> {
  const start = performance.now();
  const table = (globalThis as any).__runsTable;
  const before = table.paints() as number;
  window.postMessage(JSON.parse(json), '*');
  while (table.paints() === before) await new Promise((r) => requestAnimationFrame(r));
  return { ms: performance.now() - start, columns: table.columns().length, pending: table.pending() };
}

export interface RunsTableFigures {
  runs: number;
  columns: number;
  messageKiB: number;
  /** Medians over the opens. */
  hostRowsMs: number;
  serialiseMs: number;
  webviewRenderMs: number;
  /** Command to painted table: table source + serialise + webview (Playwright's hand-over not counted). */
  totalMs: number;
  /** Not in totalMs: Playwright copying the message string into the page (VS Code's postMessage does not). */
  handOverMs: number;
  /** From the command until every run's details are painted. */
  detailsMs: number;
  /** From the command until the source had read every run's details. */
  detailsReadMs: number;
  /** Loading the runs into the model (discovery's part, before the command). */
  modelLoadMs: number;
  /** Reference: readFile + JSON.parse of every run.json. */
  plainParseMs: number;
}

async function writeRuns(root: string, count: number): Promise<string[]> {
  const template = join(root, 'template');
  const manager = new CheckpointManager(template, {
    ...DEFAULT_CHECKPOINT_OPTIONS,
    save_optimizer_state: false,
    save_scheduler_state: false,
    save_total_limit: null,
    metric_for_best_model: null,
    greater_is_better: false,
  });
  const trainerState = {
    global_step: 200,
    epoch: 1,
    data_position: { cursor: 200 },
    rng: { seed: 1 },
    loss: 0.3,
    best_metric_name: null,
    best_metric: null,
    best_checkpoint: null,
    greater_is_better: false,
  };
  await (
    await manager.save({
      step: 200,
      weights: { 'dense/kernel': { dtype: 'float32', shape: [16, 16], data: new Float32Array(256).fill(0.5) } },
      trainerState,
    })
  ).done;
  const dirs: string[] = [];
  for (let i = 0; i < count; i++) {
    const dir = join(root, 'runs', `run-${String(i).padStart(4, '0')}`);
    mkdirSync(dir, { recursive: true });
    const config = {
      name: `run-${i}`,
      seed: i % 5,
      batch_size: [16, 32, 64][i % 3],
      optimizer: { type: 'adam', learning_rate: 10 ** -(2 + (i % 4)) },
      model: { type: 'mlp', hidden: [64, 64] },
      max_steps: 200,
    };
    const started = Date.UTC(2026, 10, 1) + i * 60_000;
    writeFileSync(
      join(dir, 'run.json'),
      JSON.stringify(
        {
          name: `run-${i}`,
          status: 'finished',
          pid: 1,
          config,
          backend: { name: 'wasm' },
          step: 200,
          max_steps: 200,
          started_at: new Date(started).toISOString(),
          ended_at: new Date(started + 30_000).toISOString(),
        },
        null,
        2,
      ),
    );
    writeFileSync(
      join(dir, 'metrics.jsonl'),
      Array.from({ length: 200 }, (_, s) =>
        JSON.stringify({ step: s + 1, loss: 2 / (s + 1), lr: 1e-3, examples_per_sec: 900 }),
      ).join('\n') + '\n',
    );
    if (i % 10 === 0)
      writeFileSync(
        join(dir, 'run-notes.json'),
        JSON.stringify({ displayName: null, notes: `run ${i}`, tags: ['bench'] }),
      );
    cpSync(join(template, 'checkpoints'), join(dir, 'checkpoints'), { recursive: true });
    dirs.push(dir);
  }
  return dirs;
}

async function plainParse(dirs: readonly string[]): Promise<number> {
  const t0 = performance.now();
  const records = await Promise.all(
    dirs.map(async (d) => JSON.parse(await readFile(join(d, 'run.json'), 'utf8')) as { status: string }),
  );
  if (records.filter((r) => r.status === 'finished').length !== dirs.length) throw new Error('plain parse missed runs');
  return performance.now() - t0;
}

export async function measureRunsTable(plan: { runs: number; opens: number }): Promise<RunsTableFigures> {
  const root = await mkdtemp(join(tmpdir(), 'runs-table-bench-'));
  const assets = await buildWebviewBundle();
  const server = await servePanel(assets, 'runs-table');
  const browser = await launchChromium();
  // The extension's pool (two workers), with a budget no read here comes near.
  const readers = installReaderPool(new ReaderPool({ workerScript: readerWorkerBundle(), budgetMs: () => 60_000 }));
  try {
    const dirs = await writeRuns(root, plan.runs);
    const opens: Array<{
      host: number;
      serialise: number;
      webview: number;
      total: number;
      handOver: number;
      details: number;
      detailsRead: number;
      kib: number;
      columns: number;
    }> = [];
    const plain: number[] = [];
    const loads: number[] = [];
    for (let i = 0; i < plan.opens; i++) {
      const model = new RunStore({ reader: fileRunReader });
      const l0 = performance.now();
      await model.setRunDirs(dirs);
      loads.push(performance.now() - l0);
      const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
      await installVsCodeStub(page);
      await page.goto(server.url);
      await waitForPosted(page, 'ready');
      const source = new RunsTableSource(model); // a fresh source: every run's details are read (cold)
      const changed = new Map<string, RunRow>();
      source.onDidChange((c) => c.changed.forEach((r) => changed.set(r.runDir, r)));
      const t0 = performance.now();
      // As the panel does: the rows, then the details read once the webview painted them.
      const rows = await source.rows({ deferDetails: true });
      const t1 = performance.now();
      const json = JSON.stringify({ type: 'init', rows });
      const t2 = performance.now();
      const webview = await page.evaluate(paintAfter, json);
      const t3 = performance.now();
      source.readMissingDetails();
      const t4 = await source.detailsRead().then(() => performance.now());
      const update = JSON.stringify({ type: 'rows', changed: [...changed.values()], removed: [] });
      const all = await page.evaluate(paintAfter, update);
      if (all.pending !== 0) throw new Error(`${all.pending} rows still wait for their details`);
      const t5 = performance.now();
      opens.push({
        host: t1 - t0,
        serialise: t2 - t1,
        webview: webview.ms,
        total: t2 - t0 + webview.ms,
        handOver: t3 - t2 - webview.ms,
        details: t5 - t0,
        detailsRead: t4 - t0,
        kib: json.length / 1024,
        columns: all.columns,
      });
      source.dispose();
      model.dispose();
      await page.close();
      plain.push(await plainParse(dirs));
    }
    return {
      runs: plan.runs,
      columns: opens[0]?.columns ?? 0,
      messageKiB: opens[0]?.kib ?? 0,
      hostRowsMs: median(opens.map((o) => o.host)),
      serialiseMs: median(opens.map((o) => o.serialise)),
      webviewRenderMs: median(opens.map((o) => o.webview)),
      totalMs: median(opens.map((o) => o.total)),
      handOverMs: median(opens.map((o) => o.handOver)),
      detailsMs: median(opens.map((o) => o.details)),
      detailsReadMs: median(opens.map((o) => o.detailsRead)),
      modelLoadMs: median(loads),
      plainParseMs: median(plain),
    };
  } finally {
    readers.dispose();
    await browser.close();
    await server.close();
    await rm(assets, { recursive: true, force: true });
    await rm(root, { recursive: true, force: true });
  }
}
