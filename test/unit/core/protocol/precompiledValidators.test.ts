/**
 * The webview's precompiled validators (built from the zod schemas by scripts/webviewBundle.mjs's
 * plugin, exactly as the bundle gets them) accept and refuse exactly what the zod schemas do, on
 * good messages and on every field of a row set to each kind of wrong value. The fields come from
 * the schema itself, so a field added later is covered too.
 */
import assert from 'node:assert/strict';
import * as z from 'zod';
import { PRECOMPILED_SCHEMAS } from '../../../../src/core/protocol/precompiled';
import { runRowSchema, tableHostToWebviewSchema } from '../../../../src/core/protocol/runsTable';
import { precompiledValidatorsSource } from '../../../../scripts/precompiledValidators';
import { loadValidators, type Validators } from './loadValidators';
import * as esbuild from 'esbuild';
import { runInNewContext } from 'node:vm';
import { repoRoot } from '../../../webview/harness/bundle';
import { row } from '../../../support/runRows';

const GOOD_ROW = row('/w/runs/a', {
  startedAt: 1_700_000_000_000,
  durationSec: 30,
  steps: 200,
  maxSteps: 200,
  backend: 'wasm',
  finalLoss: 0.1,
  bestMetric: { name: 'eval_loss', value: 0.2, checkpoint: 'checkpoint-200' },
  checkpointsKept: 3,
  diskBytes: 12_345,
  notes: 'baseline',
  tags: ['fast'],
  config: { seed: 1, 'optimizer.learning_rate': 0.001, 'model.type': 'mlp', shuffle: true, resume: null },
  problems: ['metrics.jsonl: line 3 is not JSON'],
  detailsPending: true,
});

/** Values of every JSON kind and the edges the schema draws (lengths, integers, finiteness). */
const VALUES: unknown[] = [
  undefined,
  null,
  '',
  'x',
  'native',
  'x'.repeat(10_001),
  // Over the notes' limit in UTF-16 units, not in code points (which both count), and lone surrogates.
  '\u{1F600}'.repeat(5_001),
  '\u{1F600}'.repeat(10_001),
  '\uD83D'.repeat(10_001),
  0,
  -1,
  1.5,
  2 ** 53,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  true,
  [],
  ['x'],
  [1],
  {},
  { name: null, value: null, checkpoint: null },
  { name: 'eval_loss', value: 1 },
  { a: 1 },
  { a: { b: 1 } },
];

function rowVariants(): unknown[] {
  const variants: unknown[] = [];
  for (const key of Object.keys(runRowSchema.shape)) {
    const { [key]: _, ...without } = GOOD_ROW as Record<string, unknown>;
    variants.push(without);
    for (const value of VALUES) variants.push({ ...GOOD_ROW, [key]: value });
  }
  for (const key of ['name', 'value', 'checkpoint'])
    for (const value of VALUES) variants.push({ ...GOOD_ROW, bestMetric: { ...GOOD_ROW.bestMetric, [key]: value } });
  variants.push({ ...GOOD_ROW, unknownField: 1 }, { ...GOOD_ROW, detailsPending: undefined });
  return variants;
}

function messages(): unknown[] {
  const rows = rowVariants();
  return [
    ...rows.map((r) => ({ type: 'init', rows: [GOOD_ROW, r] })),
    ...rows.map((r) => ({ type: 'rows', changed: [r], removed: [] })),
    ...VALUES.map((v) => ({ type: 'rows', changed: [], removed: [v] })),
    ...VALUES.map((v) => ({ type: 'init', rows: v })),
    ...VALUES.map((v) => ({ type: 'notice', level: 'error', message: v })),
    ...VALUES.map((v) => ({ type: 'notice', level: v, message: 'saved' })),
    ...VALUES.map((v) => ({ type: v, rows: [] })),
    ...VALUES,
    { type: 'init', rows: [] },
    { type: 'init', rows: [GOOD_ROW], extra: true },
    { type: 'rows', changed: [GOOD_ROW] },
    { type: 'notice', level: 'info', message: 'Saved the notes.' },
  ];
}

describe('precompiled protocol validators', function () {
  this.timeout(60_000);
  let validators: Validators;
  before(async () => {
    validators = await loadValidators();
  });

  it('has one validator per precompiled schema', () => {
    assert.deepEqual(Object.keys(validators).sort(), Object.keys(PRECOMPILED_SCHEMAS).sort());
  });

  it("accepts and refuses exactly the runs-table host messages zod's schema does", () => {
    const all = messages();
    let accepted = 0;
    for (const message of all) {
      const zod = tableHostToWebviewSchema.safeParse(message);
      assert.equal(
        validators.isTableHostToWebview(message),
        zod.success,
        `the two disagree on ${JSON.stringify(message, (_, v: unknown) => (typeof v === 'string' && v.length > 40 ? `${v.slice(0, 40)}…` : v))}`,
      );
      if (zod.success) accepted++;
    }
    // Both verdicts occur, and plenty of each.
    assert.ok(accepted > 50 && all.length - accepted > 500, `${accepted} of ${all.length} accepted`);
  });

  it('needs no transform: what zod accepts it returns unchanged, so the checked message is used as it came', () => {
    for (const message of messages()) {
      const zod = tableHostToWebviewSchema.safeParse(message);
      if (!zod.success || JSON.stringify(message).includes('unknownField') || JSON.stringify(message).includes('extra'))
        continue;
      assert.deepEqual(zod.data, message);
    }
  });

  it('refuses at build time what it could not check: a refinement, a transform, a default', () => {
    const refined = z.object({ type: z.literal('a'), n: z.number().refine((n) => n % 2 === 0) });
    assert.throws(
      () => precompiledValidatorsSource({ isRefined: refined }),
      /isRefined: a refinement cannot be precompiled/,
    );
    const transformed = z.object({ at: z.string().transform((s) => new Date(s)) });
    assert.throws(() => precompiledValidatorsSource({ isTransformed: transformed }), /a pipe cannot be precompiled/);
    const defaulted = z.object({ n: z.number().default(1) });
    assert.throws(() => precompiledValidatorsSource({ isDefaulted: defaulted }), /a default cannot be precompiled/);
  });

  it('checks a tagged union by its type alone: only the branch the message names runs, each a function of its own', async () => {
    const union = z.discriminatedUnion('type', [
      z.object({ type: z.literal('a'), n: z.number() }),
      z.object({ type: z.literal('b'), s: z.string() }),
      z.object({ type: z.literal('c'), flag: z.boolean() }),
    ]);
    const source = precompiledValidatorsSource({ isTagged: union });
    // The root and one function per branch: a page compiles only the checks of what it receives.
    assert.equal(source.match(/function validate\d+\(/g)?.length, 4, 'the root and one function per branch');
    const built = await esbuild.build({
      stdin: { contents: source, loader: 'js', resolveDir: repoRoot },
      bundle: true,
      format: 'cjs',
      platform: 'browser',
      write: false,
      absWorkingDir: repoRoot,
    });
    const module = { exports: {} as { isTagged: (raw: unknown) => boolean } };
    runInNewContext(built.outputFiles[0]!.text, { module, exports: module.exports });
    const { isTagged } = module.exports;
    for (const m of [
      { type: 'a', n: 1 },
      { type: 'b', s: '' },
      { type: 'c', flag: true },
    ]) {
      assert.equal(isTagged(m), union.safeParse(m).success, JSON.stringify(m));
      assert.equal(isTagged(m), true);
    }
    for (const m of [{ type: 'a', n: 'x' }, { type: 'b' }, { type: 'd' }, { n: 1 }, null, [], { type: 1 }])
      assert.equal(isTagged(m), false, JSON.stringify(m));
    // What the check reads of an `a` message: nothing of the other branches' fields.
    const read = new Set<string>();
    const watched = new Proxy({ type: 'a', n: 1 }, { get: (t, k) => (read.add(String(k)), Reflect.get(t, k)) });
    assert.equal(isTagged(watched), true);
    assert.deepEqual(
      [...read].filter((k) => k === 's' || k === 'flag'),
      [],
    );
  });
});
