/**
 * "Compare Runs" webview entry. Talks to the host only through src/core/protocol/runsTable.ts:
 * posts `ready`, receives `init` (every run), then `rows` (changes). Sort, filter, the columns toggle
 * and the selection live in vscode.setState, so a reloaded panel comes back as it was.
 */
import '../zodJitless';
import '../base.css';
import './styles.css';
import {
  MAX_COMPARED_RUNS,
  parseRunsTableState,
  type RunRow,
  type RunsTableState,
  type TableWebviewToHost,
} from '../../../src/core/protocol/runsTable';
import { parseHostMessage } from './hostMessages';
import { NotesEditor } from './notesEditor';
import { TableView } from './tableView';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();
const post = (message: TableWebviewToHost): void => api.postMessage(message);
const restored = parseRunsTableState(api.getState() ?? {});
const state: RunsTableState = restored.ok
  ? restored.value
  : { sortColumn: 'started', sortDescending: true, filter: '', showAllColumns: false, selected: [] };
const rows = new Map<string, RunRow>();
let paints = 0;

const app = document.getElementById('app') ?? document.body;
const toolbar = document.createElement('div');
toolbar.className = 'toolbar';
const filter = document.createElement('input');
filter.type = 'search';
filter.className = 'filter';
filter.placeholder = 'Filter runs (name, status, tag, notes, key=value)';
filter.setAttribute('aria-label', 'Filter runs');
filter.value = state.filter;
const allColumnsLabel = document.createElement('label');
const allColumns = document.createElement('input');
allColumns.type = 'checkbox';
allColumns.className = 'show-all';
allColumns.checked = state.showAllColumns;
allColumnsLabel.append(allColumns, ' Show all config columns');
const compare = document.createElement('button');
compare.className = 'compare primary';
compare.textContent = 'Compare curves';
const exportCsv = document.createElement('button');
exportCsv.className = 'export';
exportCsv.textContent = 'Export CSV…';
const count = document.createElement('span');
count.className = 'count';
count.setAttribute('aria-live', 'polite');
toolbar.append(filter, allColumnsLabel, compare, exportCsv, count);
const notice = document.createElement('div');
notice.className = 'notice';
notice.setAttribute('role', 'status');
const wrap = document.createElement('div');
wrap.className = 'table-wrap';
app.append(toolbar, notice, wrap);

const table = new TableView(wrap, {
  onSort(columnId) {
    state.sortDescending = state.sortColumn === columnId ? !state.sortDescending : false;
    state.sortColumn = columnId;
    render();
    wrap.querySelector<HTMLButtonElement>(`th[data-column="${CSS.escape(columnId)}"] button`)?.focus();
  },
  onSelectionChange() {
    state.selected = [...table.selected];
    api.setState(state);
    updateToolbar();
  },
  onActivate(runDir, openNotes) {
    editor.show(rows.get(runDir));
    if (openNotes) editor.focus();
  },
});
for (const d of state.selected) table.selected.add(d);

const editor = new NotesEditor(app, {
  onSave: (runDir, notes, tags) => post({ type: 'saveNotes', runDir, notes, tags }),
  onRename: (runDir) => post({ type: 'rename', runDir }),
  onDelete: (runDir) => post({ type: 'delete', runDir }),
});

filter.addEventListener('input', () => {
  state.filter = filter.value;
  render();
});
allColumns.addEventListener('change', () => {
  state.showAllColumns = allColumns.checked;
  render();
});
compare.addEventListener('click', () => {
  const runDirs = selectedInOrder();
  if (runDirs.length > 0 && runDirs.length <= MAX_COMPARED_RUNS) post({ type: 'compare', runDirs });
});
exportCsv.addEventListener('click', () => {
  const runDirs = table.shownRows.map((r) => r.runDir);
  if (runDirs.length > 0) post({ type: 'exportCsv', runDirs, columns: table.shownColumns.map((c) => c.id) });
});

/** Selected runs in the table's order. */
function selectedInOrder(): string[] {
  const shown = table.shownRows.map((r) => r.runDir).filter((d) => table.selected.has(d));
  const hidden = [...table.selected].filter((d) => !shown.includes(d) && rows.has(d));
  return [...shown, ...hidden];
}

function updateToolbar(): void {
  const n = selectedInOrder().length;
  compare.disabled = n === 0 || n > MAX_COMPARED_RUNS;
  compare.title =
    n > MAX_COMPARED_RUNS
      ? `Select at most ${MAX_COMPARED_RUNS} runs to compare.`
      : 'Overlay the selected runs’ loss curves in one panel.';
  exportCsv.disabled = table.shownRows.length === 0;
  const pending = pendingRows();
  count.textContent = `${table.shownRows.length} of ${rows.size} runs${n ? `, ${n} selected` : ''}${
    pending ? ` (reading the details of ${pending})` : ''
  }`;
}

/** Runs whose details the host is still reading. */
function pendingRows(): number {
  let n = 0;
  for (const r of rows.values()) if (r.detailsPending) n++;
  return n;
}

/** Renders the rows; `then` runs once they are painted (two animation frames later). */
function render(then?: () => void): void {
  api.setState(state);
  table.render([...rows.values()], state);
  editor.show(editor.currentRun ? rows.get(editor.currentRun) : undefined);
  updateToolbar();
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      paints++;
      then?.();
    }),
  );
}

window.addEventListener('message', (event: MessageEvent) => {
  const parsed = parseHostMessage(event.data);
  if (!parsed.ok) {
    post({ type: 'log', level: 'warn', message: `ignored a malformed message: ${parsed.error}`.slice(0, 4000) });
    return;
  }
  const message = parsed.value;
  switch (message.type) {
    case 'init':
      rows.clear();
      for (const r of message.rows) rows.set(r.runDir, r);
      render(() => post({ type: 'painted' }));
      break;
    case 'rows':
      for (const d of message.removed) rows.delete(d);
      for (const r of message.changed) rows.set(r.runDir, r);
      render();
      break;
    case 'notice':
      notice.textContent = message.message;
      notice.className = `notice ${message.level}`;
      break;
  }
});

/** What tests and the bench read: the table as shown (only in the tests' build). */
if (TRAINING_RUNS_TEST_HOOKS) {
  (globalThis as Record<string, unknown>)['__runsTable'] = {
    runDirs: () => table.shownRows.map((r) => r.runDir),
    columns: () => table.shownColumns.map((c) => c.id),
    cells: (columnId: string) =>
      [...wrap.querySelectorAll('tbody tr[data-run-dir]')].map(
        (tr) => tr.children[table.shownColumns.findIndex((c) => c.id === columnId) + 1]?.textContent ?? '',
      ),
    rendered: () => table.renderedRunDirs,
    selected: () => selectedInOrder(),
    active: () => table.activeRun,
    paints: () => paints,
    pending: () => pendingRows(),
  };
}

updateToolbar();
post({ type: 'ready' });
