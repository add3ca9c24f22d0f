/**
 * Config reads in the reader workers (issue 15): the Train quick pick's facts, the launch's
 * loadConfig and output folder, and the Problems panel's problems answer through the real bundle as
 * in this thread; hostile configs (billion laughs, nesting, size, a FIFO) come back as problems that
 * name the file and the fix; a config over the time budget is refused and its thread replaced; the
 * new requests are validated on both sides.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readConfigFacts, refusedConfigText } from '../../../../src/extension/commands/configFacts';
import { ReaderPool, ReadRefusedError, isLoadRefusal } from '../../../../src/extension/reading/readerPool';
import type { ConfigProblem } from '../../../../src/core/protocol/configReads';
import type { LaunchConfig } from '../../../../src/extension/reading/configReads';
import { useTempDir, writeSparse } from '../../core/hostile/hostileFiles';
import { readerWorkerBundle } from './workerBundle';
import { billionLaughs, slowConfig } from '../../../support/hostileConfigs';

const examples = join(__dirname, '../../../../examples');
const nativeExample = join(examples, 'checkpointing/configs/train.yaml');
const externalExample = join(examples, 'distributed/configs/torchrun.yaml');

describe('config reads in the reader workers', function () {
  this.timeout(120_000);
  const dir = useTempDir('config-reads');
  let pools: ReaderPool[] = [];
  const pool = (budgetMs = 30_000, script = readerWorkerBundle()): ReaderPool => {
    const p = new ReaderPool({ workerScript: script, budgetMs: () => budgetMs });
    pools.push(p);
    return p;
  };
  afterEach(() => {
    for (const p of pools) p.dispose();
    pools = [];
  });
  const configsDir = () => {
    const configs = join(dir(), 'configs');
    mkdirSync(configs, { recursive: true });
    return configs;
  };

  it("answers the quick pick's facts, the launch's config and output folder as the loaders do in this thread", async () => {
    const p = pool();
    assert.deepEqual(await p.run('configFacts', [nativeExample]), await readConfigFacts(nativeExample));
    assert.deepEqual(await p.run('configFacts', [externalExample]), await readConfigFacts(externalExample));
    const native = (await p.run('readLaunchConfig', [
      nativeExample,
      { cwd: join(examples, 'checkpointing') },
    ])) as LaunchConfig;
    assert.ok(native.kind === 'native' && native.config, JSON.stringify(native));
    assert.equal(native.config.output_dir, join(examples, 'checkpointing/runs/checkpointing'));
    assert.equal(native.config.max_steps, 500);
    const external = (await p.run('readLaunchConfig', [
      externalExample,
      { cwd: dirname(dirname(externalExample)) },
    ])) as LaunchConfig;
    assert.ok(external.kind === 'external', JSON.stringify(external));
    assert.match(external.plan.outputDir, /runs[\\/]/);
    // Resume's search skips loading native configs.
    assert.deepEqual(await p.run('readLaunchConfig', [nativeExample, { cwd: examples, externalOnly: true }]), {
      kind: 'native',
      config: null,
    });
    assert.deepEqual(await p.run('configProblems', [nativeExample]), []);
  });

  it('a config that does not load: its problems with file, range and fix; the launch leaves it to the trainer', async () => {
    const file = join(configsDir(), 'typo.yaml');
    writeFileSync(file, 'max_steps: 5\noptimizer:\n  type: adam\n  learnin_rate: 0.1\n');
    const p = pool();
    const problems = (await p.run('configProblems', [file])) as ConfigProblem[];
    const typo = problems.find((x) => x.kind === 'unknown_key');
    assert.ok(typo, JSON.stringify(problems));
    assert.equal(typo.file, file);
    assert.deepEqual(typo.range, { line: 3, start: 2, end: 14 });
    assert.match(typo.text, /did you mean "learning_rate"\?/);
    // The trainer reports it with file and line: the launch only learns that it does not load.
    assert.deepEqual(await p.run('readLaunchConfig', [file, { cwd: dir() }]), { kind: 'native', config: null });
  });

  it('hostile configs (aliases, nesting, size, a FIFO) come back as problems naming the file and the fix', async () => {
    const configs = configsDir();
    const cases: Array<[string, () => void, RegExp]> = [
      [
        'laughs.yaml',
        () => writeFileSync(join(configs, 'laughs.yaml'), billionLaughs(8)),
        /aliases expand too far.*write the values out/,
      ],
      [
        'deep.yaml',
        () => writeFileSync(join(configs, 'deep.yaml'), `a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`),
        /nested (deeper than 64 levels|too deeply)/,
      ],
      [
        'huge.yaml',
        () => writeSparse(join(configs, 'huge.yaml'), 3_000_000_000, Buffer.from('max_steps: 5\n')),
        /size is 3000000000 bytes \(limit 4194304\).*a regular file of at most 4194304 bytes/,
      ],
      ['fifo.yaml', () => execFileSync('mkfifo', [join(configs, 'fifo.yaml')]), /not a regular file/],
    ];
    const p = pool();
    for (const [name, write, reason] of cases) {
      write();
      const file = join(configs, name);
      const t0 = performance.now();
      const problems = (await p.run('configProblems', [file])) as ConfigProblem[];
      const ms = performance.now() - t0;
      assert.equal(problems.length, 1, `${name}: ${JSON.stringify(problems)}`);
      assert.equal(problems[0]!.file, file);
      assert.match(problems[0]!.text, reason, name);
      const facts = (await p.run('configFacts', [file])) as { text: string };
      assert.match(facts.text, /^config error: /, name);
      console.log(`      [measure] ${name} refused by the config reader in a worker in ${ms.toFixed(0)} ms`);
    }
  });

  it('refuses a config over the time budget as a load refusal, names file and setting, and replaces the thread', async () => {
    const file = join(configsDir(), 'slow.yaml');
    writeFileSync(file, slowConfig(400_000));
    const p = pool(50);
    for (const op of ['configFacts', 'configProblems'] as const) {
      const error = await p.run(op, [file]).then(
        () => assert.fail(`${op} answered within 50 ms`),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ReadRefusedError, String(error));
      assert.equal(error.reason, 'took longer than 50 ms');
      assert.equal(isLoadRefusal(error), true);
      assert.equal(
        refusedConfigText(file, error.reason, error.byLoad),
        'slow.yaml could not be read: took longer than 50 ms; make it smaller, or raise the "trainingRuns.readTimeBudgetSeconds" setting',
      );
    }
    // The same file reads under a budget of its own (a fresh thread took over).
    assert.deepEqual(await p.run('configProblems', [file], { budgetMs: 60_000 }), [
      ...((await pool().run('configProblems', [file])) as ConfigProblem[]),
    ]);
  });

  it('the worker refuses arguments that do not fit the request, and the host an answer that does not fit', async () => {
    const p = pool();
    await assert.rejects(
      p.run('configFacts', [42]),
      (e: Error) => e.name === 'ProtocolError' && /invalid arguments for configFacts/.test(e.message),
    );
    await assert.rejects(
      p.run('readLaunchConfig', [nativeExample]),
      (e: Error) => e.name === 'ProtocolError' && /readLaunchConfig/.test(e.message),
    );
    // A thread that answers configFacts with the wrong shape (a stand-in for a broken bundle).
    const liar = join(dir(), 'liar.js');
    writeFileSync(
      liar,
      `const { parentPort } = require('node:worker_threads');
       parentPort.on('message', (m) => parentPort.postMessage({ type: 'result', id: m.id, value: { builtIn: 'yes' } }));
       parentPort.postMessage({ type: 'ready' });`,
    );
    const error = await pool(30_000, liar)
      .run('configFacts', [nativeExample])
      .then(
        () => assert.fail('a wrong-shaped answer was accepted'),
        (e: unknown) => e,
      );
    assert.ok(error instanceof ReadRefusedError);
    assert.match(error.reason, /invalid answer/);
    assert.equal(error.byLoad, false, 'a broken answer is not retried as if the machine were busy');
  });
});
