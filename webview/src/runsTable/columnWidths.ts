/**
 * The table's column widths, from the header and a sample of every row's text: not from the rows in
 * the DOM (they change as the virtual rows scroll), nor from the filtered or sorted ones, so scrolling,
 * sorting and filtering never move a column. A column only ever widens (a longer value arrived in an
 * update, a run's details were read): it never shrinks back. Text is measured on a canvas in the
 * cells' own fonts: no layout.
 */
import type { RunRow } from '../../../src/core/protocol/runsTable';
import { cellText, type Column } from '../../../src/core/runsTable/tableColumns';

/** Rows whose text sets the widths, spread evenly over all of them. */
const SAMPLE_ROWS = 200;
/** What the header may add to its label: the sort arrow (kept whether or not the column sorts). */
const SORT_MARK = ' ▼';

export interface ColumnWidth {
  px: number;
  /** Longest text of the sample: a longer cell may be clipped, and gets its text as a tooltip. */
  chars: number;
}

export interface Fonts {
  header: string;
  cell: string;
  /** Left plus right padding (and borders) of a cell, px. */
  paddingPx: number;
}

/** Evenly spaced rows, in the order given (not the sort order, so sorting keeps the widths). */
export function sampleRows(rows: readonly RunRow[], size = SAMPLE_ROWS): RunRow[] {
  if (rows.length <= size) return [...rows];
  const step = rows.length / size;
  return Array.from({ length: size }, (_, i) => rows[Math.floor(i * step)]!);
}

export class ColumnMeasure {
  private readonly context: CanvasRenderingContext2D | null = document.createElement('canvas').getContext('2d');
  private font = '';
  /** Every column's widest yet, kept while the column is hidden too. */
  private readonly widest = new Map<string, ColumnWidth>();

  /** The columns' widths: what `rows` (all of them, unfiltered) need, or wider if they needed more before. */
  widths(columns: readonly Column[], rows: readonly RunRow[], fonts: Fonts): Map<string, ColumnWidth> {
    const sample = sampleRows(rows);
    const widths = new Map<string, ColumnWidth>();
    for (const c of columns) {
      let px = this.textPx(c.label + SORT_MARK, fonts.header);
      let chars = 0;
      for (const row of sample) {
        const text = cellText(row, c.id);
        if (text === '') continue;
        px = Math.max(px, this.textPx(text, fonts.cell));
        chars = Math.max(chars, text.length);
      }
      const before = this.widest.get(c.id);
      const width = {
        px: Math.max(before?.px ?? 0, Math.ceil(px + fonts.paddingPx) + 1),
        chars: Math.max(before?.chars ?? 0, chars),
      };
      this.widest.set(c.id, width);
      widths.set(c.id, width);
    }
    return widths;
  }

  private textPx(text: string, font: string): number {
    if (!this.context) return text.length * 8;
    if (this.font !== font) this.context.font = this.font = font;
    return this.context.measureText(text).width;
  }
}

/** An element's font as a canvas reads it. */
export function fontOf(element: Element): string {
  const s = getComputedStyle(element);
  return `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
}
