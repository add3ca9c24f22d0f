import assert from 'node:assert/strict';

// The runner is plain ESM (it runs on bare node); this test file is CommonJS, hence import().
const loadOutcome = () => import('../../integration/runner/outcome.mjs');
type Outcome = Awaited<ReturnType<typeof loadOutcome>>;
let decideOutcome: Outcome['decideOutcome'];
let parseCounts: Outcome['parseCounts'];
let summarize: Outcome['summarize'];

describe('integration runner outcome', () => {
  before(async () => {
    ({ decideOutcome, parseCounts, summarize } = await loadOutcome());
  });

  it('passes only when the host exited 0 and at least one test passed with none failing', () => {
    assert.equal(decideOutcome({ hostExitCode: 0, counts: { passes: 3, failures: 0, pending: 1 } }).exitCode, 0);
  });

  it('fails with 1 when a test failed, whatever the host said', () => {
    assert.equal(decideOutcome({ hostExitCode: 1, counts: { passes: 2, failures: 1, pending: 0 } }).exitCode, 1);
    assert.equal(decideOutcome({ hostExitCode: 0, counts: { passes: 0, failures: 4, pending: 0 } }).exitCode, 1);
  });

  it('fails with 2 when no test ran, also when every test was skipped', () => {
    const none = decideOutcome({ hostExitCode: 0, counts: { passes: 0, failures: 0, pending: 0 } });
    assert.equal(none.exitCode, 2);
    assert.match(none.reason, /no test ran/);
    assert.equal(decideOutcome({ hostExitCode: 0, counts: { passes: 0, failures: 0, pending: 5 } }).exitCode, 2);
  });

  it('fails with 2 when the host never wrote counts or exited non-zero without a failing test', () => {
    const silent = decideOutcome({ hostExitCode: null, counts: null, error: 'no result within 5 ms' });
    assert.equal(silent.exitCode, 2);
    assert.match(silent.reason, /no result within 5 ms/);
    assert.equal(decideOutcome({ hostExitCode: 0, counts: null }).exitCode, 2);
    assert.equal(decideOutcome({ hostExitCode: 3, counts: { passes: 1, failures: 0, pending: 0 } }).exitCode, 2);
  });

  it('parses well-formed counts and rejects anything else', () => {
    assert.deepEqual(parseCounts('{"passes":2,"failures":1,"pending":0}\n'), { passes: 2, failures: 1, pending: 0 });
    assert.equal(parseCounts('{"passes":2}'), null);
    assert.equal(parseCounts('{"passes":-1,"failures":0,"pending":0}'), null);
    assert.equal(parseCounts('not json'), null);
  });

  it('summarizes as "N passed, N failed" with skipped only when some were', () => {
    assert.equal(summarize({ passes: 2, failures: 1, pending: 0 }), '2 passed, 1 failed');
    assert.equal(summarize({ passes: 2, failures: 0, pending: 3 }), '2 passed, 0 failed, 3 skipped');
  });
});
