/**
 * The table itself: a plain <table> (role "grid") rebuilt from rows, sort state and filter.
 * Headers are buttons (click, Enter or Space sorts; aria-sort says how); rows carry a checkbox and a
 * roving tabindex: Up/Down/Home/End move, Space toggles the row, Shift+Up/Down extends the
 * selection, Ctrl+A selects every shown row, Enter opens the row's notes.
 * Virtualised: sorting, filtering, selection and export cover every row, but only the rows in view
 * (plus a margin) are in the DOM, between two spacer rows that keep the scroll height. The column
 * widths are fixed (table-layout: fixed) from the header and a sample of all rows (columnWidths.ts),
 * so they stay put while the rows in the DOM change, and while sorting and filtering.
 */
import type { RunRow } from '../../../src/core/protocol/runsTable';
import { cellText, filterRows, sortRows, tableColumns, type Column } from '../../../src/core/runsTable/tableColumns';
import { ColumnMeasure, fontOf, type ColumnWidth } from './columnWidths';

export interface TableCallbacks {
  onSort(columnId: string): void;
  onSelectionChange(): void;
  onActivate(runDir: string, openNotes: boolean): void;
}

/** Rows rendered beyond each edge of the view, so short scrolls show rows at once. */
const OVERSCAN = 10;
/** Until a row has been measured. */
const DEFAULT_ROW_PX = 22;
/** The selection checkbox's column: a 13 px checkbox, its 7 px of margins, the cell's 16 px of padding. */
const PICK_COLUMN_PX = 38;

export class TableView {
  readonly element: HTMLTableElement;
  private readonly colgroup: HTMLTableColElement;
  private readonly head: HTMLTableSectionElement;
  private readonly body: HTMLTableSectionElement;
  private shown: RunRow[] = [];
  private columns: Column[] = [];
  private widths = new Map<string, ColumnWidth>();
  private readonly measure = new ColumnMeasure();
  private active: string | null = null;
  private rowPx = DEFAULT_ROW_PX;
  /** The rendered slice of `shown`: [first, end). */
  private window = { first: 0, end: 0 };
  private scrollFrame = 0;
  readonly selected = new Set<string>();

  constructor(
    private readonly parent: HTMLElement,
    private readonly callbacks: TableCallbacks,
  ) {
    this.element = document.createElement('table');
    this.element.className = 'runs';
    this.element.setAttribute('role', 'grid');
    this.element.setAttribute('aria-label', 'Runs');
    this.element.setAttribute('aria-multiselectable', 'true');
    this.colgroup = document.createElement('colgroup');
    this.element.append(this.colgroup);
    this.head = this.element.createTHead();
    this.body = this.element.createTBody();
    parent.append(this.element);
    this.body.addEventListener('keydown', (e) => this.onKey(e));
    this.body.addEventListener('click', (e) => this.onClick(e));
    this.body.addEventListener('focusin', (e) => {
      const runDir = (e.target as HTMLElement).closest('tr')?.dataset['runDir'];
      if (runDir && runDir !== this.active) this.setActive(runDir, false);
    });
    parent.addEventListener('scroll', () => {
      if (this.scrollFrame) return;
      this.scrollFrame = requestAnimationFrame(() => {
        this.scrollFrame = 0;
        const next = this.visibleWindow();
        if (next.first !== this.window.first || next.end !== this.window.end) this.renderBody();
      });
    });
  }

  /** The rows as shown (filtered, sorted) and the columns (fixed, then the config's). */
  get shownRows(): readonly RunRow[] {
    return this.shown;
  }
  get shownColumns(): readonly Column[] {
    return this.columns;
  }
  get activeRun(): string | null {
    return this.active;
  }

  render(
    all: readonly RunRow[],
    view: { sortColumn: string; sortDescending: boolean; filter: string; showAllColumns: boolean },
  ): void {
    const filtered = filterRows(all, view.filter);
    this.shown = sortRows(filtered, view.sortColumn, view.sortDescending);
    this.columns = tableColumns(filtered, view.showAllColumns);
    const known = new Set(all.map((r) => r.runDir));
    for (const d of [...this.selected]) if (!known.has(d)) this.selected.delete(d);
    if (this.active !== null && !this.shown.some((r) => r.runDir === this.active)) this.active = null;
    this.element.setAttribute('aria-rowcount', String(this.shown.length + 1));
    this.renderHead(view.sortColumn, view.sortDescending);
    this.sizeColumns(all);
    this.renderBody();
  }

  focusActive(): void {
    const runDir = this.active ?? this.shown[0]?.runDir ?? null;
    if (runDir !== null) this.scrollIntoView(runDir);
    this.rowElement(runDir)?.focus();
  }

  /** Rows in the DOM now (the virtualised window). */
  get renderedRunDirs(): string[] {
    return this.dataRows().map((tr) => tr.dataset['runDir'] ?? '');
  }

  /** Selects or deselects every shown row. */
  selectAll(on: boolean): void {
    for (const r of this.shown) {
      if (on) this.selected.add(r.runDir);
      else this.selected.delete(r.runDir);
    }
    this.syncSelection();
  }

  private renderHead(sortColumn: string, descending: boolean): void {
    const tr = document.createElement('tr');
    const all = document.createElement('th');
    const box = checkbox('Select all shown runs');
    box.className = 'select-all';
    box.addEventListener('change', () => this.selectAll(box.checked));
    all.append(box);
    tr.append(all);
    for (const c of this.columns) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.dataset['column'] = c.id;
      if (c.numeric) th.classList.add('numeric');
      th.setAttribute('aria-sort', c.id === sortColumn ? (descending ? 'descending' : 'ascending') : 'none');
      const button = document.createElement('button');
      button.className = 'sort';
      button.textContent = `${c.label}${c.id === sortColumn ? (descending ? ' ▼' : ' ▲') : ''}`;
      button.title = `Sort by ${c.label}`;
      button.addEventListener('click', () => this.callbacks.onSort(c.id));
      th.append(button);
      tr.append(th);
    }
    this.head.replaceChildren(tr);
  }

  /** Widths from all rows (not the filtered ones) in their given order, so filtering and sorting keep them. */
  private sizeColumns(rows: readonly RunRow[]): void {
    const th = this.head.querySelector('th[data-column]');
    const button = th?.querySelector('button');
    if (!th || !button) return;
    const style = getComputedStyle(th);
    const paddingPx =
      parseFloat(style.paddingLeft) +
      parseFloat(style.paddingRight) +
      parseFloat(style.borderLeftWidth) +
      parseFloat(style.borderRightWidth);
    this.widths = this.measure.widths(this.columns, rows, {
      header: fontOf(button),
      cell: fontOf(this.element),
      paddingPx,
    });
    const cols = [PICK_COLUMN_PX, ...this.columns.map((c) => this.widths.get(c.id)?.px ?? 0)].map((px) => {
      const col = document.createElement('col');
      col.style.width = `${px}px`;
      return col;
    });
    this.colgroup.replaceChildren(...cols);
    this.element.style.width = `${cols.reduce((sum, col) => sum + parseFloat(col.style.width), 0)}px`;
  }

  private renderBody(): void {
    const hadFocus = this.body.contains(document.activeElement);
    this.window = this.visibleWindow();
    const { first, end } = this.window;
    const fragment = document.createDocumentFragment();
    const above = this.spacer(first);
    const below = this.spacer(this.shown.length - end);
    fragment.append(above);
    const inWindow = (d: string | null): boolean =>
      d !== null && this.shown.slice(first, end).some((r) => r.runDir === d);
    const tabStop = inWindow(this.active) ? this.active : (this.shown[first]?.runDir ?? null);
    for (let i = first; i < end; i++) fragment.append(this.rowOf(this.shown[i]!, i, tabStop));
    fragment.append(below);
    this.body.replaceChildren(fragment);
    const measured = this.dataRows()[0]?.getBoundingClientRect().height;
    if (measured && measured !== this.rowPx) {
      // The spacers were sized with the old height: resize them, or the scroll range is off.
      this.rowPx = measured;
      above.replaceWith(this.spacer(first));
      below.replaceWith(this.spacer(this.shown.length - end));
    }
    if (hadFocus && inWindow(this.active)) this.rowElement(this.active)?.focus({ preventScroll: true });
    this.syncSelectAll();
  }

  /** The slice of the shown rows that covers the scrolled view, with OVERSCAN rows either side. */
  private visibleWindow(): { first: number; end: number } {
    const viewPx = this.parent.clientHeight || 40 * this.rowPx;
    const top = this.parent.scrollTop;
    const first = Math.max(0, Math.floor(top / this.rowPx) - OVERSCAN);
    const end = Math.min(this.shown.length, Math.ceil((top + viewPx) / this.rowPx) + OVERSCAN);
    return { first, end: Math.max(first, end) };
  }

  /** A row holding the height of `rows` rows that are not rendered. */
  private spacer(rows: number): HTMLTableRowElement {
    const tr = document.createElement('tr');
    tr.className = 'spacer';
    tr.setAttribute('aria-hidden', 'true');
    tr.hidden = rows === 0;
    const td = document.createElement('td');
    td.colSpan = this.columns.length + 1;
    td.style.height = `${rows * this.rowPx}px`;
    tr.append(td);
    return tr;
  }

  private rowOf(row: RunRow, i: number, tabStop: string | null): HTMLTableRowElement {
    const tr = document.createElement('tr');
    tr.dataset['runDir'] = row.runDir;
    tr.setAttribute('aria-rowindex', String(i + 2));
    tr.tabIndex = row.runDir === tabStop ? 0 : -1;
    const selected = this.selected.has(row.runDir);
    tr.setAttribute('aria-selected', String(selected));
    if (row.runDir === this.active) tr.classList.add('active');
    if (row.detailsPending) tr.classList.add('pending');
    const pick = document.createElement('td');
    const box = checkbox(`Select ${row.name}`);
    box.checked = selected;
    box.tabIndex = -1;
    pick.append(box);
    tr.append(pick);
    for (const c of this.columns) {
      const td = document.createElement('td');
      const text = cellText(row, c.id);
      td.textContent = text;
      if (c.numeric) td.className = 'numeric';
      if (c.id === 'name')
        td.title = row.problems.length > 0 ? `${row.runDir}\n${row.problems.join('\n')}` : row.runDir;
      // Longer than any text the width was measured on: it may be clipped, so the tooltip shows it.
      else if (text.length > (this.widths.get(c.id)?.chars ?? Infinity)) td.title = text;
      tr.append(td);
    }
    return tr;
  }

  /** Scrolls the wrapper so the run's row is in view, and renders the window that shows it. */
  private scrollIntoView(runDir: string): void {
    const index = this.shown.findIndex((r) => r.runDir === runDir);
    if (index < 0) return;
    const headPx = this.head.getBoundingClientRect().height;
    const rowTop = index * this.rowPx;
    const viewPx = this.parent.clientHeight - headPx;
    if (rowTop < this.parent.scrollTop) this.parent.scrollTop = rowTop;
    else if (rowTop + this.rowPx > this.parent.scrollTop + viewPx) this.parent.scrollTop = rowTop + this.rowPx - viewPx;
    const next = this.visibleWindow();
    if (next.first !== this.window.first || next.end !== this.window.end || !this.rowElement(runDir)) this.renderBody();
  }

  private dataRows(): HTMLTableRowElement[] {
    return [...this.body.rows].filter((tr) => tr.dataset['runDir'] !== undefined);
  }

  private rowElement(runDir: string | null): HTMLTableRowElement | null {
    if (runDir === null) return null;
    return this.dataRows().find((tr) => tr.dataset['runDir'] === runDir) ?? null;
  }

  private setActive(runDir: string, focus: boolean): void {
    if (focus) this.scrollIntoView(runDir);
    for (const tr of this.dataRows()) {
      const on = tr.dataset['runDir'] === runDir;
      tr.tabIndex = on ? 0 : -1;
      tr.classList.toggle('active', on);
    }
    this.active = runDir;
    if (focus) this.rowElement(runDir)?.focus();
    this.callbacks.onActivate(runDir, false);
  }

  private toggle(runDir: string, on = !this.selected.has(runDir)): void {
    if (on) this.selected.add(runDir);
    else this.selected.delete(runDir);
    this.syncSelection();
  }

  private syncSelection(): void {
    for (const tr of this.dataRows()) {
      const on = this.selected.has(tr.dataset['runDir'] ?? '');
      tr.setAttribute('aria-selected', String(on));
      const box = tr.querySelector('input');
      if (box) box.checked = on;
    }
    this.syncSelectAll();
    this.callbacks.onSelectionChange();
  }

  private syncSelectAll(): void {
    const box = this.head.querySelector<HTMLInputElement>('.select-all');
    if (!box) return;
    const n = this.shown.filter((r) => this.selected.has(r.runDir)).length;
    box.checked = n > 0 && n === this.shown.length;
    box.indeterminate = n > 0 && n < this.shown.length;
  }

  private onClick(e: MouseEvent): void {
    const tr = (e.target as HTMLElement).closest('tr');
    const runDir = tr?.dataset['runDir'];
    if (!runDir) return;
    if ((e.target as HTMLElement).tagName === 'INPUT') this.toggle(runDir, (e.target as HTMLInputElement).checked);
    else if (e.ctrlKey || e.metaKey) this.toggle(runDir);
    this.setActive(runDir, false);
  }

  private onKey(e: KeyboardEvent): void {
    const index = this.shown.findIndex((r) => r.runDir === this.active);
    const move = (to: number): void => {
      const row = this.shown[Math.max(0, Math.min(this.shown.length - 1, to))];
      if (!row) return;
      this.setActive(row.runDir, true);
      if (e.shiftKey) this.toggle(row.runDir, true);
    };
    switch (e.key) {
      case 'ArrowDown':
        if (e.shiftKey && this.active) this.toggle(this.active, true);
        move(index + 1);
        break;
      case 'ArrowUp':
        if (e.shiftKey && this.active) this.toggle(this.active, true);
        move(index - 1);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(this.shown.length - 1);
        break;
      case ' ':
        if (this.active) this.toggle(this.active);
        break;
      case 'Enter':
        if (this.active) this.callbacks.onActivate(this.active, true);
        break;
      case 'a':
        if (!(e.ctrlKey || e.metaKey)) return;
        this.selectAll(true);
        break;
      default:
        return;
    }
    e.preventDefault();
  }
}

function checkbox(label: string): HTMLInputElement {
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.setAttribute('aria-label', label);
  return box;
}
