/**
 * The value axes' tick labels as drawn (headless Chromium, built bundle): for ranges anywhere from
 * 1e-8 to 1e6, on the linear and the log loss axis and on the learning-rate axis, every label shown
 * is distinct, short, apart from its neighbours, and reads back as its tick's value within the
 * label's own rounding; the scale covers the data without snapping to whole decades or to zero.
 */
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { Rng } from '../../src/trainer/util/rng';
import { postToPanel, waitForPosted } from './harness/browser';
import { fixtureRun } from './harness/fixtureRun';
import { openPanelPage } from './harness/panelPage';
import type { PanelServer } from './harness/server';
import { openPanelHarness, type PanelHarness } from './harness/session';

const RUN = '/runs/ticks';

interface DrawnAxis {
  min: number;
  max: number;
  distr: number;
  heightPx: number;
  ticks: number[];
  labels: Array<string | null>;
  positions: number[];
}

interface Case {
  lo: number;
  hi: number;
}

/** Half a unit in the last digit the label prints ("0.004" -> 5e-4, "1.2e-7" -> 5e-9, "30" -> 0.5). */
function halfUnit(label: string): number {
  const [mantissa = '', exponent] = label.split('e');
  const decimals = mantissa.includes('.') ? mantissa.length - mantissa.indexOf('.') - 1 : 0;
  return 0.5 * 10 ** ((exponent === undefined ? 0 : Number(exponent)) - decimals);
}

function checkAxis(axis: DrawnAxis, lo: number, hi: number, what: string): void {
  const where = `${what} for data [${lo}, ${hi}]: ticks ${JSON.stringify(axis.ticks)} labels ${JSON.stringify(axis.labels)} scale [${axis.min}, ${axis.max}]`;
  assert.ok(axis.min <= lo && axis.max >= hi, `scale covers the data: ${where}`);
  // Room for a marker (about 12 px) beyond the data at each end, and no more than 20 px of it.
  const pad = Math.max(0.1, 20 / axis.heightPx);
  if (axis.distr === 3) {
    const span = Math.log10(hi) - Math.log10(lo);
    assert.ok(
      Math.log10(axis.max) - Math.log10(hi) <= pad * span + 0.05,
      `log top not snapped up to a decade: ${where}`,
    );
    assert.ok(
      Math.log10(lo) - Math.log10(axis.min) <= pad * span + 0.05,
      `log bottom not snapped down to a decade: ${where}`,
    );
  } else {
    assert.ok(
      axis.max - hi <= pad * (hi - lo) && lo - axis.min <= pad * (hi - lo),
      `linear scale padded, not snapped: ${where}`,
    );
  }
  const shown = axis.ticks
    .map((tick, i) => ({ tick, label: axis.labels[i] ?? null, pos: axis.positions[i] as number }))
    .filter((t) => t.label !== null && t.label !== '');
  assert.ok(shown.length >= 2, `at least two labels: ${where}`);
  assert.equal(new Set(shown.map((t) => t.label)).size, shown.length, `labels distinct: ${where}`);
  for (const { tick, label, pos } of shown) {
    const text = label as string;
    assert.ok(text.length <= 9, `label "${text}" short enough: ${where}`);
    assert.ok(Number.isFinite(Number(text)), `label "${text}" is a number: ${where}`);
    assert.ok(
      Math.abs(Number(text) - tick) <= halfUnit(text) * (1 + 1e-9),
      `label "${text}" is tick ${tick} to its rounding: ${where}`,
    );
    assert.ok(pos >= -1 && pos <= axis.heightPx + 1, `label "${text}" inside the axis: ${where}`);
  }
  const sorted = shown.map((t) => t.pos).sort((a, b) => a - b);
  for (let i = 1; i < sorted.length; i++)
    assert.ok(
      (sorted[i] as number) - (sorted[i - 1] as number) >= 14,
      `labels ${sorted[i - 1]}px and ${sorted[i]}px overlap: ${where}`,
    );
}

/** Ranges from 1e-8 to 1e6: the cases from the bug report, then random ones (seeded). */
function cases(): Case[] {
  const fixed: Case[] = [
    { lo: 9.5e-4, hi: 1.05e-3 }, // the learning rate that read "1.0e-3" twice
    { lo: 1e-5, hi: 1.5 }, // log: 5e-4 read "0.001", 1e-4 and 1e-5 read "0", the top stopped at 10
    { lo: 1e-8, hi: 1e6 },
    { lo: 1e-8, hi: 1.2e-8 },
    { lo: 9e5, hi: 1e6 },
    { lo: 0.05, hi: 2.4 },
    { lo: 3.1, hi: 3.5 },
  ];
  const rng = new Rng(16);
  const random: Case[] = [];
  while (random.length < 40) {
    const e = -8 + rng.next() * 14;
    const span = 0.03 + rng.next() * Math.min(14, 6 - e);
    random.push({ lo: 10 ** e, hi: 10 ** Math.min(6, e + span) });
  }
  return [...fixed, ...random];
}

/** One run whose loss falls from hi to lo (geometrically) while its learning rate climbs from lo to hi. */
function runFor({ lo, hi }: Case) {
  const n = 24;
  const steps = Array.from({ length: n }, (_, i) => i + 1);
  const loss = steps.map((_, i) => (i === n - 1 ? lo : hi * (lo / hi) ** (i / (n - 1))));
  const lr = steps.map((_, i) => (i === n - 1 ? hi : lo + ((hi - lo) * i) / (n - 1)));
  return fixtureRun(RUN, 'ticks', { steps, loss, lr });
}

async function drawRange(page: Page, c: Case): Promise<{ loss: DrawnAxis; lr: DrawnAxis }> {
  await postToPanel(page, { type: 'init', runs: [runFor(c)] });
  const handle = await page.waitForFunction(({ lo, hi }) => {
    const axes = (globalThis as any).__lossCurves.valueAxes();
    const drawnFor = (a: any) =>
      a && a.min <= lo && a.max >= hi && a.ticks.length > 0 && a.labels.length === a.ticks.length;
    return drawnFor(axes.loss) && drawnFor(axes.lr) && axes;
  }, c);
  return (await handle.jsonValue()) as { loss: DrawnAxis; lr: DrawnAxis };
}

describe('loss-curves webview: axis ticks and labels (headless Chromium)', function () {
  this.timeout(120_000);
  let harness: PanelHarness | undefined;
  let server: PanelServer;
  let browser: Browser;

  before(async () => {
    harness = await openPanelHarness();
    ({ server, browser } = harness);
  });
  after(async () => harness?.close());

  for (const logScale of [false, true]) {
    it(`labels every range from 1e-8 to 1e6 truly and distinctly (${logScale ? 'log' : 'linear'} loss axis, linear learning-rate axis)`, async () => {
      const page = await openPanelPage(browser, server, {
        runDirs: [RUN],
        smoothing: 0,
        logScale,
        selectedRun: RUN,
        hiddenRuns: [],
      });
      try {
        await waitForPosted(page, 'ready');
        for (const c of cases()) {
          const { loss, lr } = await drawRange(page, c);
          assert.equal(loss.distr, logScale ? 3 : 1);
          checkAxis(loss, c.lo, c.hi, logScale ? 'log loss axis' : 'linear loss axis');
          checkAxis(lr, c.lo, c.hi, 'learning-rate axis');
        }
      } finally {
        await page.context().close();
      }
    });
  }

  it('labels the log axis of the bug report: 1e-5, 1e-4 and 5e-4 as themselves, and stops near 1.5', async () => {
    const page = await openPanelPage(browser, server, {
      runDirs: [RUN],
      smoothing: 0,
      logScale: true,
      selectedRun: RUN,
      hiddenRuns: [],
    });
    try {
      await waitForPosted(page, 'ready');
      const { loss } = await drawRange(page, { lo: 1e-5, hi: 1.5 });
      const labelOf = (v: number) => loss.labels[loss.ticks.findIndex((t) => Math.abs(t - v) <= 1e-12 * v)];
      assert.equal(labelOf(1e-5), '1e-5');
      assert.equal(labelOf(1e-4), '1e-4');
      assert.ok(
        [undefined, null, '5e-4'].includes(labelOf(5e-4) as string | null | undefined),
        `5e-4 labelled ${labelOf(5e-4)}`,
      );
      assert.ok(loss.max < 2.5, `log axis top ${loss.max} for a largest loss of 1.5`);
    } finally {
      await page.context().close();
    }
  });
});
