/**
 * The loss-curves webview's quick check of host messages (the precompiled validator of
 * hostToWebviewShapeSchema plus hostMessageLengthsAgree, as webview/src/hostMessages.ts makes it)
 * never accepts what zod's hostToWebviewSchema refuses or would change, and accepts every message as
 * the host sends it. Variants set every field of a run snapshot, a series and the settings to each
 * kind of wrong value; the fields come from the schemas, so a field added later is covered too.
 */
import assert from 'node:assert/strict';
import {
  hostMessageLengthsAgree,
  hostToWebviewSchema,
  panelStateSchema,
  runSnapshotSchema,
  type HostToWebview,
} from '../../../../src/core/protocol/webview';
import { loadValidators, type Validators } from './loadValidators';

const SERIES = { steps: [1, 2, 3], loss: [0.5, null, 0.25], lr: [1e-3, 1e-3, null], time: [1.7e9, null, 1.7e9 + 2] };
const SCALARS = { eval_loss: { steps: [2], values: [0.4], time: [null] } };
const SNAPSHOT = {
  runDir: '/w/runs/a',
  label: 'a',
  state: 'finished',
  series: SERIES,
  totalPoints: 1_000_000,
  checkpoints: [
    {
      name: 'checkpoint-2',
      path: '/w/runs/a/checkpoints/checkpoint-2',
      step: 2,
      valid: true,
      latest: true,
      best: false,
      problems: [],
      mtimeMs: 1.7e12,
    },
  ],
  resumes: [{ step: 2, from: 'checkpoint-2', time: null }],
  scalars: SCALARS,
  metricNames: ['eval_loss', 'examples_per_sec'],
};
const SETTINGS = panelStateSchema.parse({ runDirs: ['/w/runs/a'] });

/** Messages as the host posts them (every settings field given: the host sends a parsed PanelState). */
const GOOD = [
  { type: 'init', runs: [SNAPSHOT] },
  { type: 'init', runs: [], settings: SETTINGS },
  { type: 'points', runDir: '/w/runs/a', series: SERIES, scalars: SCALARS },
  { type: 'points', runDir: '/w/runs/a', series: { steps: [4], loss: [0.1], lr: [null] } },
  { type: 'range', requestId: 3, runDir: '/w/runs/a', fromStep: 1, toStep: 3, series: SERIES },
  { type: 'metrics', runDir: '/w/runs/a', scalars: SCALARS },
  { type: 'resumed', runDir: '/w/runs/a', marker: { step: 2, from: 'checkpoint-2', time: 5 } },
  { type: 'runState', runDir: '/w/runs/a', state: 'training' },
  { type: 'export', format: 'png' },
] as unknown as HostToWebview[];

const VALUES: unknown[] = [
  undefined,
  null,
  '',
  'x',
  0,
  -1,
  1.5,
  Number.NaN,
  true,
  [],
  [1],
  ['x'],
  [null],
  {},
  { a: 1 },
];

function variants(): unknown[] {
  const out: unknown[] = [...GOOD];
  const init = (snapshot: unknown, settings?: unknown) => ({
    type: 'init',
    runs: [snapshot],
    ...(settings === undefined ? {} : { settings }),
  });
  for (const key of Object.keys(runSnapshotSchema.shape)) {
    const { [key]: _, ...without } = SNAPSHOT as Record<string, unknown>;
    out.push(init(without));
    for (const value of VALUES) out.push(init({ ...SNAPSHOT, [key]: value }));
  }
  for (const key of Object.keys(SERIES)) {
    for (const value of VALUES) {
      const series = { ...SERIES, [key]: value };
      out.push(init({ ...SNAPSHOT, series }), { type: 'points', runDir: '/w/runs/a', series });
      out.push({ type: 'range', requestId: 1, runDir: '/w', fromStep: 0, toStep: 1, series });
    }
    // Columns of different lengths: what only hostMessageLengthsAgree sees.
    const short = { ...SERIES, [key]: (SERIES as Record<string, unknown[]>)[key]!.slice(1) };
    out.push(init({ ...SNAPSHOT, series: short }), { type: 'points', runDir: '/w/runs/a', series: short });
  }
  for (const key of ['steps', 'values', 'time']) {
    const bad = { eval_loss: { ...SCALARS.eval_loss, [key]: [1, 2] } };
    out.push(init({ ...SNAPSHOT, scalars: bad }), { type: 'metrics', runDir: '/w/runs/a', scalars: bad });
    out.push({ type: 'points', runDir: '/w/runs/a', series: SERIES, scalars: bad });
  }
  for (const key of Object.keys(SETTINGS)) {
    const { [key]: _, ...without } = SETTINGS as Record<string, unknown>;
    out.push(init(SNAPSHOT, without)); // zod fills the default in: the quick check leaves it to zod
    for (const value of VALUES) out.push(init(SNAPSHOT, { ...SETTINGS, [key]: value }));
  }
  out.push(...VALUES, ...VALUES.map((type) => ({ type, runs: [] })), { type: 'init', runs: [SNAPSHOT], extra: 1 });
  return out;
}

describe('precompiled loss-curves host messages', function () {
  this.timeout(60_000);
  let validators: Validators;
  before(async () => {
    validators = await loadValidators();
  });
  const quick = (m: unknown): boolean =>
    validators.isHostToWebviewShape(m) && hostMessageLengthsAgree(m as Parameters<typeof hostMessageLengthsAgree>[0]);

  it('accepts every message as the host sends it', () => {
    for (const message of GOOD) assert.equal(quick(message), true, JSON.stringify(message));
  });

  it('never accepts what zod refuses, and what it accepts zod returns unchanged (so it is used as it came)', () => {
    let accepted = 0;
    let refusedByBoth = 0;
    for (const message of variants()) {
      const zod = hostToWebviewSchema.safeParse(message);
      if (!zod.success) refusedByBoth++;
      if (!quick(message)) continue;
      accepted++;
      assert.ok(zod.success, `quick accepted what zod refuses: ${JSON.stringify(message)}`);
      // zod drops keys it does not know; the webview ignores them: the rest is the same.
      const { extra: _, ...known } = message as Record<string, unknown>;
      assert.deepEqual(zod.data, known);
    }
    assert.ok(accepted > 20 && refusedByBoth > 200, `${accepted} accepted, ${refusedByBoth} refused`);
  });

  it('refuses columns of different lengths, which JSON Schema cannot state', () => {
    const short = { ...SERIES, lr: [1e-3] };
    const message = { type: 'points', runDir: '/w/runs/a', series: short };
    assert.equal(validators.isHostToWebviewShape(message), true, 'the shape alone passes it');
    assert.equal(quick(message), false);
    assert.equal(hostToWebviewSchema.safeParse(message).success, false);
  });
});
