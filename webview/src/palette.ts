/**
 * The run colours, in slot order (src/core/metrics/runColors.ts picks a slot per run): VS Code's
 * chart colours where the theme has a distinct one, so themes restyle them, and fixed colours for
 * the rest. charts.yellow (beside charts.orange, nearly the same in the light theme) and the
 * terminal's magenta (beside charts.purple) are left out: runs in those slots looked alike.
 * DOM-free, so its distinctness is unit-tested.
 */
export interface PaletteSlot {
  /** The theme's CSS variable, or null for a fixed colour. */
  cssVar: string | null;
  /** Its value when the theme does not set it (VS Code's dark default). */
  fallback: string;
}

export const RUN_PALETTE: readonly PaletteSlot[] = [
  { cssVar: '--vscode-charts-blue', fallback: '#3794ff' },
  { cssVar: '--vscode-charts-orange', fallback: '#d18616' },
  { cssVar: '--vscode-charts-green', fallback: '#89d185' },
  { cssVar: '--vscode-charts-purple', fallback: '#b180d7' },
  { cssVar: '--vscode-charts-red', fallback: '#f14c4c' },
  { cssVar: '--vscode-terminal-ansiCyan', fallback: '#11a8cd' },
  { cssVar: null, fallback: '#f48fb1' }, // pink
  { cssVar: null, fallback: '#8c564b' }, // brown
];
