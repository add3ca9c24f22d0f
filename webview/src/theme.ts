/**
 * Chart colours and fonts from the VS Code theme's CSS variables, so light, dark and high contrast
 * all read well. Canvas drawing cannot use var(), so the values are resolved here, and re-resolved
 * when VS Code switches theme (it changes the body's class).
 */
import { RUN_PALETTE } from './palette';

export const PALETTE_SIZE = RUN_PALETTE.length;

export interface ChartTheme {
  runColors: string[];
  foreground: string;
  grid: string;
  font: string;
  highContrast: boolean;
}

function cssVar(name: string | null, fallback: string): string {
  if (name === null) return fallback;
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v === '' ? fallback : v;
}

const probe = document.createElement('canvas').getContext('2d');

/** Any CSS colour with its alpha multiplied by `alpha`, as rgba(); the canvas normalises it for us. */
export function withAlpha(color: string, alpha: number): string {
  if (!probe) return color;
  probe.fillStyle = '#000';
  probe.fillStyle = color;
  const normal = probe.fillStyle;
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(normal);
  if (hex)
    return `rgba(${parseInt(hex[1] ?? '0', 16)}, ${parseInt(hex[2] ?? '0', 16)}, ${parseInt(hex[3] ?? '0', 16)}, ${alpha})`;
  const rgba = /^rgba?\(([^,]+),([^,]+),([^,)]+)(?:,([^)]+))?\)$/.exec(normal);
  if (rgba) {
    const a = rgba[4] === undefined ? 1 : Number(rgba[4]);
    return `rgba(${rgba[1]},${rgba[2]},${rgba[3]}, ${a * alpha})`;
  }
  return color;
}

export function readTheme(): ChartTheme {
  const highContrast =
    document.body.classList.contains('vscode-high-contrast') ||
    document.body.classList.contains('vscode-high-contrast-light');
  const foreground = cssVar('--vscode-foreground', '#cccccc');
  const size = cssVar('--vscode-font-size', '13px');
  const family = cssVar('--vscode-font-family', 'system-ui, sans-serif');
  return {
    runColors: RUN_PALETTE.map((slot) => cssVar(slot.cssVar, slot.fallback)),
    foreground,
    grid: highContrast ? withAlpha(foreground, 0.35) : withAlpha(foreground, 0.1),
    font: `${size} ${family}`,
    highContrast,
  };
}

/** Calls back when VS Code switches theme (it swaps the body's vscode-* class and variables). */
export function onThemeChange(callback: () => void): void {
  new MutationObserver(callback).observe(document.body, { attributes: true, attributeFilter: ['class'] });
}
