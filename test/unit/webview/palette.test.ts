/**
 * The run palette's colours are told apart at a glance, in VS Code's dark and light default themes:
 * every pair differs by a CIEDE2000 colour difference of at least 16. Purple beside the terminal's
 * magenta (15.2 in the dark theme) and orange beside yellow (14.7 dark, 6.1 light) fell below it and
 * looked alike in the chart.
 */
import assert from 'node:assert/strict';
import { RUN_PALETTE } from '../../../webview/src/palette';
import { ciede2000, ciede2000Lab } from './colorDifference';

/** VS Code's light-theme values of the variables the palette reads (its defaults for charts.* and terminal.ansiCyan). */
const LIGHT_THEME: Record<string, string> = {
  '--vscode-charts-blue': '#1a85ff',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-green': '#388a34',
  '--vscode-charts-purple': '#652d90',
  '--vscode-charts-red': '#e51400',
  '--vscode-terminal-ansiCyan': '#0598bc',
};

const MIN_DIFFERENCE = 16;

function closestPair(colors: string[]): { difference: number; pair: [string, string] } {
  let best = { difference: Infinity, pair: ['', ''] as [string, string] };
  colors.forEach((a, i) =>
    colors.slice(i + 1).forEach((b) => {
      const difference = ciede2000(a, b);
      if (difference < best.difference) best = { difference, pair: [a, b] };
    }),
  );
  return best;
}

describe('run palette', () => {
  it('the colour difference formula matches published CIEDE2000 values', () => {
    // Pairs 1, 7 and 17 of Sharma, Wu and Dalal's test data for CIEDE2000.
    assert.equal(ciede2000Lab([50, 2.6772, -79.7751], [50, 0, -82.7485]).toFixed(4), '2.0425');
    assert.equal(ciede2000Lab([50, 0, 0], [50, -1, 2]).toFixed(4), '2.3669');
    assert.equal(ciede2000Lab([50, 2.5, 0], [73, 25, -18]).toFixed(4), '27.1492');
    assert.ok(Math.abs(ciede2000('#000000', '#ffffff') - 100) < 0.01);
  });

  for (const [theme, valueOf] of [
    ['dark', (slot: (typeof RUN_PALETTE)[number]) => slot.fallback],
    [
      'light',
      (slot: (typeof RUN_PALETTE)[number]) =>
        slot.cssVar ? (LIGHT_THEME[slot.cssVar] ?? assert.fail(`no light value for ${slot.cssVar}`)) : slot.fallback,
    ],
  ] as const) {
    it(`every two run colours are far enough apart to tell runs apart (${theme} theme)`, () => {
      const { difference, pair } = closestPair(RUN_PALETTE.map(valueOf));
      assert.ok(difference >= MIN_DIFFERENCE, `${pair.join(' and ')} differ by only ${difference.toFixed(1)}`);
    });
  }

  it('has as many slots as before (8), so colours repeat no sooner', () => {
    assert.equal(RUN_PALETTE.length, 8);
  });
});
