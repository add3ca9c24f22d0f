// Scores of one Stryker run per file, with the survivors a reviewer judged equivalent (they change no
// behaviour, so no test can kill them) taken out of the denominator and listed, one line each.
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/** Collapsed source text, so an equivalent stays matched when the code around it is re-indented. */
const collapse = (text) => text.replace(/\s+/g, ' ').trim();

/**
 * mutation/equivalent-mutants.json: [{ file, mutator, original, replacement, why }]. `original` is the
 * mutated source text (whitespace collapsed), `replacement` Stryker's; both as printed for a survivor.
 */
export function loadEquivalents(path) {
  let list;
  try {
    list = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`mutate: cannot read ${path}: ${error.message}`);
  }
  if (!Array.isArray(list)) throw new Error(`mutate: ${path} must hold an array of {file, mutator, original, replacement, why}`);
  list.forEach((e, i) => {
    for (const field of ['file', 'mutator', 'original', 'replacement', 'why']) {
      if (typeof e?.[field] !== 'string' || e[field] === '') {
        throw new Error(`mutate: ${path}: entry ${i} needs a non-empty string "${field}" (see the survivors the command prints)`);
      }
    }
  });
  return list;
}

const keyOf = (e) => JSON.stringify([e.file, e.mutator, collapse(e.original), collapse(e.replacement)]);

/** The mutated source text. Stryker reports lines and columns from 1 (mutation-testing-report-schema). */
function sourceText(lines, location) {
  const start = { line: location.start.line - 1, column: location.start.column - 1 };
  const end = { line: location.end.line - 1, column: location.end.column - 1 };
  if (start.line === end.line) return lines[start.line].slice(start.column, end.column);
  return [lines[start.line].slice(start.column), ...lines.slice(start.line + 1, end.line), lines[end.line].slice(0, end.column)].join('\n');
}

const emptyCounts = () => ({ killed: 0, timeout: 0, survived: 0, noCoverage: 0, equivalent: 0, ignored: 0, errors: 0 });

function score(c) {
  const detected = c.killed + c.timeout;
  const total = detected + c.survived + c.noCoverage;
  // Stryker's mutation score, and the same without the reviewed equivalents.
  return {
    stryker: total === 0 ? null : round((100 * detected) / total),
    withoutEquivalents: total - c.equivalent === 0 ? null : round((100 * detected) / (total - c.equivalent)),
  };
}
const round = (x) => Math.round(x * 100) / 100;

export function summarise(module, results, root, equivalents, scoped = false) {
  const wanted = new Map(equivalents.filter((e) => e.file.startsWith(`src/core/${module}/`)).map((e) => [keyOf(e), e]));
  const matched = new Set();
  const sources = new Map();
  const files = {};
  const survivors = [];
  const equivalentSurvivors = [];
  for (const r of results) {
    const file = relative(root, resolve(root, r.fileName)).split('\\').join('/');
    if (!sources.has(file)) sources.set(file, readFileSync(resolve(root, file), 'utf8').split('\n'));
    const counts = (files[file] ??= emptyCounts());
    if (DETECTED.has(r.status)) counts[r.status === 'Killed' ? 'killed' : 'timeout']++;
    else if (r.status === 'Ignored') counts.ignored++;
    else if (!UNDETECTED.has(r.status)) counts.errors++; // CompileError, RuntimeError: not valid mutants
    else {
      counts[r.status === 'Survived' ? 'survived' : 'noCoverage']++;
      const original = collapse(sourceText(sources.get(file), r.location));
      const survivor = { file, line: r.location.start.line, mutator: r.mutatorName, original, replacement: collapse(r.replacement ?? ''), status: r.status };
      const key = keyOf(survivor);
      if (wanted.has(key)) {
        counts.equivalent++;
        matched.add(key);
        equivalentSurvivors.push({ ...survivor, why: wanted.get(key).why });
      } else survivors.push(survivor);
    }
  }
  const total = Object.values(files).reduce((t, c) => {
    for (const k of Object.keys(t)) t[k] += c[k];
    return t;
  }, emptyCounts());
  const recorded = {
    module: `src/core/${module}`,
    score: score(total),
    counts: total,
    files: Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)).map(([f, c]) => [f, { score: score(c), counts: c }])),
  };
  // A --mutate run (scoped) with no earlier results knows only some files: only those can show an equivalent stale.
  const stale = [...wanted].filter(([k, e]) => !matched.has(k) && (!scoped || files[e.file] !== undefined)).map(([, e]) => e);
  return { module, recorded, survivors, equivalentSurvivors, stale };
}

/**
 * A --mutate run's recorded scores merged into the module's last recorded ones (its files replace
 * theirs, the module's counts are summed again), for a module with no whole run in this checkout's
 * cache. `previous` is the committed mutation/scores/<module>.json, or undefined for none yet.
 */
export function mergeRecorded(previous, recorded) {
  const files = { ...(previous?.files ?? {}), ...recorded.files };
  const total = Object.values(files).reduce((t, { counts }) => {
    for (const k of Object.keys(t)) t[k] += counts[k] ?? 0;
    return t;
  }, emptyCounts());
  const sorted = Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)));
  const merged = { module: recorded.module, score: score(total), counts: total, files: sorted };
  // Only per-file runs so far: the files listed are all the score knows of.
  if (previous === undefined || previous.partial === true) merged.partial = true;
  return merged;
}

const pct = (x) => (x === null ? '   n/a' : `${x.toFixed(1).padStart(5)}%`);
const one = (s) => `${s.file}:${s.line} ${s.mutator}: ${s.original.slice(0, 90)} -> ${s.replacement.slice(0, 60)}`;

/** Prints one module; returns true when the equivalents list is out of date. */
export function printSummary(summary) {
  const { recorded } = summary;
  console.log(`\n=== src/core/${summary.module}: ${pct(recorded.score.withoutEquivalents)} (Stryker's score ${pct(recorded.score.stryker)})${summary.seconds === undefined ? "" : ` in ${summary.seconds} s`} ===`);
  console.log('  score  stryker  killed  survived  no-cov  equiv  file');
  for (const [file, { score: s, counts: c }] of Object.entries(recorded.files)) {
    if (c.killed + c.timeout + c.survived + c.noCoverage === 0) continue;
    console.log(`${pct(s.withoutEquivalents)}  ${pct(s.stryker)}  ${String(c.killed + c.timeout).padStart(6)}  ${String(c.survived).padStart(8)}  ${String(c.noCoverage).padStart(6)}  ${String(c.equivalent).padStart(5)}  ${file}`);
  }
  if (summary.equivalentSurvivors.length > 0) {
    console.log(`  survivors judged equivalent (mutation/equivalent-mutants.json):`);
    for (const s of summary.equivalentSurvivors) console.log(`    ${one(s)}  [${s.why}]`);
  }
  if (summary.survivors.length > 0) {
    console.log(`  other survivors (kill with a test, or add to mutation/equivalent-mutants.json with why):`);
    for (const s of summary.survivors) console.log(`    ${one(s)}${s.status === 'NoCoverage' ? ' (no test reaches it)' : ''}`);
  }
  for (const e of summary.stale) console.log(`  STALE equivalent (no longer survives; remove it): ${e.file} ${e.mutator}: ${e.original} -> ${e.replacement}`);
  return summary.stale.length > 0;
}
