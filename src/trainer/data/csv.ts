import { readFileSync } from 'node:fs';
import { tabularDataset } from './tabular';
import { DataError, type TabularDataset } from './types';

/** Splits one CSV line; supports double-quoted fields with "" escapes. */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

/**
 * A CSV with a header row. Every column but `target` is a numeric feature, standardised to zero
 * mean and unit variance; the target is a class label (any text) or a number.
 */
export function loadCsv(path: string, target: string, task: 'classification' | 'regression'): TabularDataset {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DataError(`${path}: cannot read the CSV file (${(e as Error).message}); fix data.path`, path);
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new DataError(`${path}: a CSV needs a header row and at least one data row`, path, 1);
  const header = splitCsvLine(lines[0]!);
  const targetCol = header.indexOf(target);
  if (targetCol < 0) {
    throw new DataError(`${path}:1: no column "${target}" (data.target); the header has ${header.join(', ')}`, path, 1, 'data.target');
  }
  const featureCols = header.map((_, i) => i).filter((i) => i !== targetCol);
  if (featureCols.length === 0) throw new DataError(`${path}:1: no feature columns besides the target "${target}"`, path, 1);
  const rows = lines.length - 1;
  const x = new Float32Array(rows * featureCols.length);
  const rawTargets: string[] = [];
  for (let r = 0; r < rows; r++) {
    const lineNo = r + 2;
    const cells = splitCsvLine(lines[r + 1]!);
    if (cells.length !== header.length) {
      throw new DataError(`${path}:${lineNo}: ${cells.length} fields, the header has ${header.length}`, path, lineNo);
    }
    featureCols.forEach((c, j) => {
      const v = Number(cells[c]);
      if (cells[c] === '' || !Number.isFinite(v)) {
        throw new DataError(`${path}:${lineNo}: column "${header[c]}" is "${cells[c]}", expected a number`, path, lineNo, header[c]);
      }
      x[r * featureCols.length + j] = v;
    });
    rawTargets.push(cells[targetCol]!);
  }
  standardiseColumns(x, featureCols.length);
  const y = new Float32Array(rows);
  let classes = 1;
  if (task === 'classification') {
    const labels = [...new Set(rawTargets)].sort();
    classes = labels.length;
    if (classes < 2) throw new DataError(`${path}: column "${target}" has only one class; classification needs two or more`, path, undefined, 'data.target');
    const index = new Map(labels.map((l, i) => [l, i]));
    rawTargets.forEach((t, r) => (y[r] = index.get(t)!));
  } else {
    rawTargets.forEach((t, r) => {
      const v = Number(t);
      if (t === '' || !Number.isFinite(v)) {
        throw new DataError(`${path}:${r + 2}: target "${target}" is "${t}", expected a number for regression`, path, r + 2, target);
      }
      y[r] = v;
    });
  }
  return tabularDataset(x, featureCols.length, y, task, classes, {
    type: 'csv',
    path,
    target,
    columns: featureCols.map((c) => header[c]),
  });
}

function standardiseColumns(x: Float32Array, cols: number): void {
  const rows = x.length / cols;
  for (let c = 0; c < cols; c++) {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += x[r * cols + c]!;
    mean /= rows;
    let variance = 0;
    for (let r = 0; r < rows; r++) variance += (x[r * cols + c]! - mean) ** 2;
    const std = Math.sqrt(variance / rows) || 1;
    for (let r = 0; r < rows; r++) x[r * cols + c] = (x[r * cols + c]! - mean) / std;
  }
}
