/**
 * What the runs table shows and how: its columns (fixed ones, then the config's dotted keys), each
 * cell's sortable value and text, which config columns differ between the runs shown, sorting,
 * filtering and the CSV export. vscode- and DOM-free: the webview renders with it and the host
 * exports with it, so the CSV holds exactly what the table shows.
 */
import { formatBytes, formatDuration, formatValue } from '../format';
import type { ConfigValue, RunRow } from '../protocol/runsTable';

export interface Column {
  id: string;
  label: string;
  numeric: boolean;
}

export const CONFIG_PREFIX = 'config.';

export const FIXED_COLUMNS: readonly Column[] = [
  { id: 'name', label: 'Name', numeric: false },
  { id: 'status', label: 'Status', numeric: false },
  { id: 'started', label: 'Started', numeric: true },
  { id: 'duration', label: 'Duration', numeric: true },
  { id: 'steps', label: 'Steps', numeric: true },
  { id: 'backend', label: 'Backend', numeric: false },
  { id: 'finalLoss', label: 'Final loss', numeric: true },
  { id: 'bestMetric', label: 'Best metric', numeric: true },
  { id: 'bestCheckpoint', label: 'Best checkpoint', numeric: false },
  { id: 'checkpoints', label: 'Checkpoints', numeric: true },
  { id: 'disk', label: 'Disk', numeric: true },
  { id: 'tags', label: 'Tags', numeric: false },
];

export type CellValue = string | number | boolean | null;

/** The value a column sorts by (and the CSV holds) for a row. */
export function cellValue(row: RunRow, columnId: string): CellValue {
  if (columnId.startsWith(CONFIG_PREFIX)) return row.config[columnId.slice(CONFIG_PREFIX.length)] ?? null;
  switch (columnId) {
    case 'name':
      return row.name;
    case 'status':
      return row.status;
    case 'started':
      return row.startedAt;
    case 'duration':
      return row.durationSec;
    case 'steps':
      return row.steps;
    case 'backend':
      return row.backend;
    case 'finalLoss':
      return row.finalLoss;
    case 'bestMetric':
      return row.bestMetric?.value ?? null;
    case 'bestCheckpoint':
      return row.bestMetric?.checkpoint ?? null;
    case 'checkpoints':
      return row.checkpointsKept;
    case 'disk':
      return row.diskBytes;
    case 'tags':
      return row.tags.join(', ');
    default:
      return null;
  }
}

/** What a cell shows. */
export function cellText(row: RunRow, columnId: string): string {
  const v = cellValue(row, columnId);
  if (v === null) return '';
  switch (columnId) {
    case 'started':
      return new Date(v as number).toISOString().replace('T', ' ').slice(0, 16);
    case 'duration':
      return formatDuration(v as number);
    case 'steps':
      return row.maxSteps !== null ? `${v}/${row.maxSteps}` : String(v);
    case 'finalLoss':
      return formatValue(v as number);
    case 'bestMetric':
      return `${row.bestMetric?.name ? `${row.bestMetric.name} ` : ''}${formatValue(v as number)}`;
    case 'disk':
      return `${row.diskBytesPartial ? '≥ ' : ''}${formatBytes(v as number)}`;
    default:
      return typeof v === 'number' ? formatValue(v) : String(v);
  }
}

const configKey = (v: ConfigValue | undefined): string => (v === undefined ? '\u0000absent' : JSON.stringify(v));

/**
 * Keys that say where a run is rather than how it trains (ours, then Hugging Face's): they differ
 * between any two runs, so among "the columns that differ" they would only push the settings that
 * do explain a difference out of view. The Name column already tells the runs apart.
 */
const WHERE_KEYS = new Set(['config_path', 'sources', 'output_dir', 'name', 'logging_dir', 'run_name']);

/**
 * Config columns of these rows, sorted by key: all of them, or (by default) only the settings whose
 * value is not the same in every row. One row alone differs from nothing, so it shows all its keys.
 */
export function configColumns(rows: readonly RunRow[], showAll: boolean): Column[] {
  const keys = new Set<string>();
  for (const row of rows) for (const k of Object.keys(row.config)) keys.add(k);
  const differs = (k: string): boolean =>
    !WHERE_KEYS.has(k) && new Set(rows.map((r) => configKey(r.config[k]))).size > 1;
  const shown = [...keys].sort().filter((k) => showAll || rows.length < 2 || differs(k));
  return shown.map((k) => ({
    id: CONFIG_PREFIX + k,
    label: k,
    numeric: rows.some((r) => typeof r.config[k] === 'number'),
  }));
}

/** The fixed columns shown before the config's: the run and the figures that decide between runs. */
const LEADING_COLUMN_IDS = new Set(['name', 'status', 'finalLoss', 'bestMetric']);

/**
 * The table's columns in order: the run and its deciding figures, then the config columns (so the
 * hyper-parameters that differ sit beside the results they explain in a narrow editor, not past
 * nine facts off to the right), then the rest of the fixed columns.
 */
export function tableColumns(rows: readonly RunRow[], showAllConfig: boolean): Column[] {
  return [
    ...FIXED_COLUMNS.filter((c) => LEADING_COLUMN_IDS.has(c.id)),
    ...configColumns(rows, showAllConfig),
    ...FIXED_COLUMNS.filter((c) => !LEADING_COLUMN_IDS.has(c.id)),
  ];
}

/** Rows whose name, folder, status, tags, notes or any config value contains the text (case-insensitive). */
export function filterRows(rows: readonly RunRow[], text: string): RunRow[] {
  const needle = text.trim().toLowerCase();
  if (needle === '') return [...rows];
  return rows.filter((r) =>
    [
      r.name,
      r.folder,
      r.status,
      r.backend ?? '',
      r.notes,
      ...r.tags,
      ...Object.entries(r.config).map(([k, v]) => `${k}=${String(v)}`),
    ].some((s) => s.toLowerCase().includes(needle)),
  );
}

/** Sorted by a column; empty cells last either way; ties by folder so the order is stable. */
export function sortRows(rows: readonly RunRow[], columnId: string, descending: boolean): RunRow[] {
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const va = cellValue(a, columnId);
    const vb = cellValue(b, columnId);
    if (va === null || vb === null) return va === vb ? a.runDir.localeCompare(b.runDir) : va === null ? 1 : -1;
    const order =
      typeof va === 'number' && typeof vb === 'number'
        ? va - vb
        : String(va).localeCompare(String(vb), undefined, { numeric: true });
    return order !== 0 ? sign * order : a.runDir.localeCompare(b.runDir);
  });
}

/** Columns by id: fixed ones and any config key present in the rows; unknown ids are dropped. */
export function columnsById(rows: readonly RunRow[], ids: readonly string[]): Column[] {
  const config = new Map(configColumns(rows, true).map((c) => [c.id, c]));
  return ids.flatMap((id) => FIXED_COLUMNS.find((c) => c.id === id) ?? config.get(id) ?? []);
}

const csvField = (v: string): string => (/[",\r\n]/.test(v) || /^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** RFC 4180 CSV: a header of column labels, then one line per row; numbers raw, times as ISO 8601. */
export function toCsv(rows: readonly RunRow[], columns: readonly Column[]): string {
  const lines = [columns.map((c) => csvField(c.label))];
  for (const row of rows) {
    lines.push(
      columns.map((c) => {
        const v = cellValue(row, c.id);
        if (v === null) return '';
        if (c.id === 'started') return new Date(v as number).toISOString();
        return csvField(String(v));
      }),
    );
  }
  return `${lines.map((l) => l.join(',')).join('\r\n')}\r\n`;
}
