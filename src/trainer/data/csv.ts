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

/** How a training CSV became numbers: held-out CSVs (config eval_data) are read the same way. */
export interface CsvEncoding {
  columns: string[];
  means: Float64Array;
  stds: Float64Array;
  /** Class labels in class order; null for regression. */
  labels: string[] | null;
}

/**
 * A CSV with a header row. Every column but `target` is a numeric feature, standardised to zero
 * mean and unit variance; the target is a class label (any text) or a number.
 */
export function loadCsv(path: string, target: string, task: 'classification' | 'regression'): TabularDataset {
  return readCsv(path, target, task).dataset;
}

/** A held-out CSV: the training CSV's feature columns, standardised with its statistics, its class labels. */
export function loadEvalCsv(
  path: string,
  target: string,
  task: 'classification' | 'regression',
  training: CsvEncoding,
): TabularDataset {
  return readCsv(path, target, task, training).dataset;
}

export function readCsv(
  path: string,
  target: string,
  task: 'classification' | 'regression',
  reference?: CsvEncoding,
): { dataset: TabularDataset; encoding: CsvEncoding } {
  const field = reference ? 'eval_data' : 'data';
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DataError(`${path}: cannot read the CSV file (${(e as Error).message}); fix ${field}.path`, path);
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new DataError(`${path}: a CSV needs a header row and at least one data row`, path, 1);
  const header = splitCsvLine(lines[0]!);
  const targetCol = header.indexOf(target);
  if (targetCol < 0) {
    throw new DataError(
      `${path}:1: no column "${target}" (${field}.target); the header has ${header.join(', ')}`,
      path,
      1,
      `${field}.target`,
    );
  }
  const featureCols = header.map((_, i) => i).filter((i) => i !== targetCol);
  if (featureCols.length === 0)
    throw new DataError(`${path}:1: no feature columns besides the target "${target}"`, path, 1);
  const columns = featureCols.map((c) => header[c]!);
  if (reference && columns.join('\u0000') !== reference.columns.join('\u0000')) {
    throw new DataError(
      `${path}:1: the feature columns are ${columns.join(', ')}; the training CSV's are ${reference.columns.join(', ')}: use the same columns in the same order`,
      path,
      1,
      'eval_data.path',
    );
  }
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
        throw new DataError(
          `${path}:${lineNo}: column "${header[c]}" is "${cells[c]}", expected a number`,
          path,
          lineNo,
          header[c],
        );
      }
      x[r * featureCols.length + j] = v;
    });
    rawTargets.push(cells[targetCol]!);
  }
  const { means, stds } = reference ?? columnStatistics(x, featureCols.length);
  standardiseColumns(x, featureCols.length, means, stds);
  const y = new Float32Array(rows);
  let classes = 1;
  let labels: string[] | null = null;
  if (task === 'classification') {
    labels = reference?.labels ?? [...new Set(rawTargets)].sort();
    classes = labels.length;
    if (classes < 2)
      throw new DataError(
        `${path}: column "${target}" has only one class; classification needs two or more`,
        path,
        undefined,
        `${field}.target`,
      );
    const index = new Map(labels.map((l, i) => [l, i]));
    rawTargets.forEach((t, r) => {
      const label = index.get(t);
      if (label === undefined)
        throw new DataError(
          `${path}:${r + 2}: class "${t}" does not occur in the training CSV; the model knows ${labels!.join(', ')}`,
          path,
          r + 2,
          target,
        );
      y[r] = label;
    });
  } else {
    rawTargets.forEach((t, r) => {
      const v = Number(t);
      if (t === '' || !Number.isFinite(v)) {
        throw new DataError(
          `${path}:${r + 2}: target "${target}" is "${t}", expected a number for regression`,
          path,
          r + 2,
          target,
        );
      }
      y[r] = v;
    });
  }
  const dataset = tabularDataset(x, featureCols.length, y, task, classes, { type: 'csv', path, target, columns });
  return { dataset, encoding: { columns, means, stds, labels } };
}

function columnStatistics(x: Float32Array, cols: number): { means: Float64Array; stds: Float64Array } {
  const rows = x.length / cols;
  const means = new Float64Array(cols);
  const stds = new Float64Array(cols);
  for (let c = 0; c < cols; c++) {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += x[r * cols + c]!;
    mean /= rows;
    let variance = 0;
    for (let r = 0; r < rows; r++) variance += (x[r * cols + c]! - mean) ** 2;
    means[c] = mean;
    stds[c] = Math.sqrt(variance / rows) || 1;
  }
  return { means, stds };
}

function standardiseColumns(x: Float32Array, cols: number, means: Float64Array, stds: Float64Array): void {
  const rows = x.length / cols;
  for (let c = 0; c < cols; c++) {
    for (let r = 0; r < rows; r++) x[r * cols + c] = (x[r * cols + c]! - means[c]!) / stds[c]!;
  }
}
