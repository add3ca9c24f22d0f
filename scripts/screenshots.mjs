// `npm run screenshots`: retakes the README's screenshots from the real VS Code host (code-server +
// headless Chromium, the integration tests' test host): the example project trained (two runs), the
// Runs view expanded, the loss-curves panel in the dark and the light theme, and the runs table.
// Writes media/screenshots/{runs-tree,loss-curves-dark,loss-curves-light,runs-table}.png.
// Usage: node scripts/screenshots.mjs [--out DIR] [--workspace DIR] [--keep]
//   --workspace: a folder with runs already trained (skips training); --keep: leave the temp folder.
// On a failure the page as it was is saved as failure-<theme>.png in the temp folder (kept).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { ensureTestHost } from './setup-test-host.mjs';
import { startCodeServer } from '../test/integration/runner/code-server.mjs';
import { isolatedHostEnv, repoRoot } from '../test/integration/runner/run-integration-tests.mjs';
import {
  chromiumArgs,
  chromiumPath,
  readRemoteAuthority,
  workbenchUrl,
} from '../test/integration/runner/workbench.mjs';

const { values: options } = parseArgs({
  options: { out: { type: 'string' }, workspace: { type: 'string' }, keep: { type: 'boolean', default: false } },
});
const outDir = options.out ?? join(repoRoot, 'media/screenshots');
const VIEWPORT = { width: 1280, height: 760 };
const THEMES = { dark: 'Default Dark Modern', light: 'Default Light Modern' };
// A fixed folder (not a random temp name): run colours are a hash of the run's path, so the same
// path gives the same colours every time (here blue and red). One screenshot run at a time.
const exampleWorkspace = join(tmpdir(), 'training-runs-screenshots', 'example');
const workspace = options.workspace ? resolve(options.workspace) : exampleWorkspace;

function run(command, args, cwd) {
  console.log(`$ ${[command, ...args].join(' ')}`);
  const r = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited with ${r.status ?? r.signal}`);
}

/** The example project, trained as a user would from the command line: adam 500 -> 800 steps, and an sgd run. */
function trainExample(workspace) {
  for (const name of ['project.yaml', 'configs'])
    cpSync(join(repoRoot, 'examples/checkpointing', name), join(workspace, name), { recursive: true });
  const trainer = join(repoRoot, 'dist/trainer.js');
  run(process.execPath, [trainer, 'train', '-t', 'configs/train.yaml'], workspace);
  run(process.execPath, [trainer, 'train', '-t', 'configs/resume.yaml'], workspace);
  run(
    process.execPath,
    [
      trainer,
      'train',
      '-t',
      'configs/train.yaml',
      '--set',
      'output_dir=runs/sgd',
      '--set',
      'optimizer.type=sgd',
      '--set',
      'optimizer.learning_rate=0.05',
    ],
    workspace,
  );
}

/** User settings for a quiet, themed window (code-server reads them from its user-data folder). */
function writeUserSettings(stateDir, theme) {
  const userDir = join(stateDir, 'user-data/User');
  mkdirSync(userDir, { recursive: true });
  const settings = {
    'workbench.colorTheme': theme,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'chat.commandCenter.enabled': false,
    'workbench.layoutControl.enabled': false,
    'extensions.ignoreRecommendations': true,
    'telemetry.telemetryLevel': 'off',
    'git.enabled': false,
  };
  writeFileSync(join(userDir, 'settings.json'), JSON.stringify(settings, null, 2));
}

async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

/** The frame of the loss-curves webview once its chart is drawn. */
function lossCurvesFrame(page) {
  return webviewFrame(page, '.loss-pane .uplot canvas', 'the loss-curves chart');
}

/** The frame of a webview holding `selector` once it appears. */
async function webviewFrame(page, selector, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      if (await frame.$(selector).catch(() => null)) return frame;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`${what} did not appear`);
}

/** The runs table as a user opens it: both runs listed, only the columns that differ. */
async function captureRunsTable(page) {
  await runCommand(page, 'Training: Compare Runs');
  const frame = await webviewFrame(
    page,
    'table.runs tbody tr[data-run-dir]:nth-of-type(3)',
    'the runs table with two runs',
  );
  await frame.locator('table.runs tbody tr[data-run-dir]').first().click();
  await page.waitForTimeout(800);
  await page.screenshot({ path: join(outDir, 'runs-table.png') });
}

/** Drags the side bar's edge so the tree's descriptions (step, age, loss) fit. */
async function widenSideBar(page, byPx) {
  const bar = await page.locator('.part.sidebar').boundingBox();
  if (!bar) return;
  const y = bar.y + bar.height / 2;
  await page.mouse.move(bar.x + bar.width - 1, y);
  await page.mouse.down();
  await page.mouse.move(bar.x + bar.width + byPx, y, { steps: 8 });
  await page.mouse.up();
  await page.mouse.move(bar.x + bar.width / 2, bar.y + bar.height - 5); // off the sash's highlight
}

async function capture(page, tag) {
  // The activity bar shows the Training container once the extension's contributions are loaded.
  await page.locator('.activitybar .action-label[aria-label^="Training"]').click({ timeout: 60_000 });
  await widenSideBar(page, 120);
  // Both runs listed: the extension has read them (Open Loss Curves offers what it has read).
  const runRow = (name) => page.locator('.monaco-list-row', { hasText: name }).first();
  await runRow('checkpointing').waitFor({ timeout: 60_000 });
  await runRow('sgd').waitFor();
  if (tag === 'dark') {
    await runRow('checkpointing').click();
    await page.keyboard.press('ArrowRight'); // expand the run
    await page.locator('.monaco-list-row', { hasText: 'checkpoint-800' }).first().waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight'); // and its latest checkpoint
    await page.locator('.monaco-list-row', { hasText: 'Optimizer' }).first().waitFor();
    await page.mouse.move(VIEWPORT.width - 10, VIEWPORT.height - 10);
    await page.waitForTimeout(500);
    // The side bar down to its last row, not the empty space below.
    const bar = await page.locator('.part.sidebar').boundingBox();
    const rows = await page
      .locator('.part.sidebar .monaco-list-row')
      .evaluateAll((els) => Math.max(...els.map((e) => e.getBoundingClientRect().bottom)));
    await page.screenshot({
      path: join(outDir, 'runs-tree.png'),
      clip: { x: bar.x, y: bar.y, width: bar.width, height: Math.min(bar.height, rows - bar.y + 16) },
    });
  }
  // From the palette (the view's title button would chart only the focused run).
  await runCommand(page, 'Training: Open Loss Curves');
  // Chart every run: tick "Toggle all checkboxes" unless it is ticked already.
  const toggleAll = page.locator('.quick-input-header [role="checkbox"][aria-label="Toggle all checkboxes"]');
  await toggleAll.waitFor();
  await page.locator('.quick-input-list .monaco-list-row[role="checkbox"]').first().waitFor();
  if ((await toggleAll.getAttribute('aria-checked')) !== 'true') await toggleAll.click();
  await page.keyboard.press('Enter');
  const frame = await lossCurvesFrame(page);
  // A hover shows the legend's read-out at one step, as a user would see it.
  const over = await frame.locator('.loss-pane .u-over').boundingBox();
  if (over) await page.mouse.move(over.x + over.width * 0.55, over.y + over.height * 0.45);
  await page.waitForTimeout(800);
  await page.screenshot({ path: join(outDir, `loss-curves-${tag}.png`) });
  if (tag === 'dark') await captureRunsTable(page);
}

async function main() {
  run(process.execPath, [join(repoRoot, 'scripts/build.mjs')], repoRoot);
  const host = ensureTestHost({ log: (line) => console.log(line) });
  const tempRoot = mkdtempSync(join(tmpdir(), 'training-runs-screenshots-'));
  try {
    if (!options.workspace) {
      rmSync(exampleWorkspace, { recursive: true, force: true });
      mkdirSync(exampleWorkspace, { recursive: true });
      trainExample(exampleWorkspace);
    }
    mkdirSync(outDir, { recursive: true });
    const env = isolatedHostEnv(tempRoot);
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: chromiumArgs,
      headless: true,
      env: { ...env },
    });
    try {
      for (const [tag, theme] of Object.entries(THEMES)) {
        const stateDir = join(tempRoot, `code-server-${tag}`);
        mkdirSync(stateDir);
        writeUserSettings(stateDir, theme);
        const server = await startCodeServer({ entry: host.codeServerEntry, stateDir, env });
        try {
          const authority = await readRemoteAuthority(server.url);
          const page = await browser.newPage({ viewport: VIEWPORT });
          await page.goto(workbenchUrl({ baseUrl: server.url, authority, extensionPath: repoRoot, workspace }), {
            timeout: 60_000,
          });
          await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
          try {
            await capture(page, tag);
          } catch (err) {
            options.keep = true;
            await page.screenshot({ path: join(tempRoot, `failure-${tag}.png`) }).catch(() => {});
            throw err;
          }
          await page.close();
          console.log(`screenshots: ${tag} theme done`);
        } finally {
          await server.stop();
        }
      }
    } finally {
      await browser.close();
    }
    console.log(`screenshots: written to ${outDir}`);
  } finally {
    if (options.keep) console.log(`screenshots: kept ${tempRoot}`);
    else {
      rmSync(tempRoot, { recursive: true, force: true });
      if (!options.workspace) rmSync(exampleWorkspace, { recursive: true, force: true });
    }
  }
}

main().catch((err) => {
  console.error(`screenshots: ${err instanceof Error ? (err.stack ?? err.message) : err}`);
  process.exit(1);
});
