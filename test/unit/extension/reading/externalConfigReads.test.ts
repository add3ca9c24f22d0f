/**
 * External-trainer configs at launch and Resume are read in the reader workers too: the plan comes
 * back as plain data, a config problem as the ConfigError that names file and field (the failed
 * run's message), and a hostile config is refused within the time budget instead of parsing on the
 * host's thread.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../../../../src/core/config/errors';
import { loadExternalTrainerConfig } from '../../../../src/extension/external/externalConfig';
import { findExternalConfigFor } from '../../../../src/extension/external';
import { prepareLaunch } from '../../../../src/extension/process/prepareLaunch';
import type { TrainerLaunch } from '../../../../src/extension/process/trainerProcess';
import type { LaunchConfig } from '../../../../src/extension/reading/configReads';
import * as reading from '../../../../src/extension/reading';
import { ReaderPool, ReadRefusedError } from '../../../../src/extension/reading/readerPool';
import { billionLaughs } from '../../../support/hostileConfigs';
import { useTempDir } from '../../core/hostile/hostileFiles';
import { readerWorkerBundle } from './workerBundle';

const externalExample = join(__dirname, '../../../../examples/distributed/configs/torchrun.yaml');
const nativeExample = join(__dirname, '../../../../examples/checkpointing/configs/train.yaml');

describe('external-trainer configs in the reader workers', function () {
  this.timeout(120_000);
  const dir = useTempDir('external-config-reads');
  let installed: { dispose(): void } | undefined;
  /** The reads that went through the pool, by name. */
  let ops: string[] = [];
  const install = (budgetMs = 30_000) => {
    const pool = new ReaderPool({ workerScript: readerWorkerBundle(), budgetMs: () => budgetMs });
    const run = pool.run.bind(pool);
    pool.run = ((op, ...rest) => (ops.push(op), run(op, ...rest))) as typeof pool.run;
    ops = [];
    installed = reading.installReaderPool(pool);
  };
  afterEach(() => {
    installed?.dispose();
    installed = undefined;
  });

  /** A launch as services.ts makes it (only the project folder matters for reading the config). */
  const launchIn = (cwd: string): TrainerLaunch => ({ execPath: '', script: '', args: [], cwd, env: {} });

  it('answers the plan the loader gives in this thread; a launch reads its config once, and Resume searches in the pool', async () => {
    install();
    const cwd = dirname(dirname(externalExample));
    const answer = await reading.readLaunchConfig(externalExample, { cwd });
    assert.ok(answer.kind === 'external', JSON.stringify(answer));
    assert.deepEqual(answer.plan, await loadExternalTrainerConfig(externalExample));
    ops = [];
    const prepared = await prepareLaunch({ configPath: externalExample, sets: [], device: '' }, launchIn(cwd));
    assert.equal(prepared.runDir, answer.plan.outputDir);
    assert.ok(prepared.start, 'the launch found no external trainer');
    assert.equal(await findExternalConfigFor(answer.plan.outputDir, [externalExample]), externalExample);
    // The launch (the config once, then the output folder's checkpoints) and Resume's search.
    assert.deepEqual(ops, ['readLaunchConfig', 'listHfCheckpoints', 'readLaunchConfig']);
    // A built-in trainer's config: one read gives the run folder; the built-in trainer runs it.
    ops = [];
    const native = await prepareLaunch(
      { configPath: nativeExample, sets: [], device: '' },
      launchIn(dirname(dirname(nativeExample))),
    );
    assert.deepEqual(native, { runDir: join(dirname(dirname(nativeExample)), 'runs', 'checkpointing'), start: null });
    assert.deepEqual(ops, ['readLaunchConfig']);
  });

  it('a config problem comes back as the ConfigError naming file and field', async () => {
    install();
    const file = join(dir(), 'bad.yaml');
    writeFileSync(file, 'external_trainer:\n  command: [python, train.py]\n  output_dir: 5\n  stop_timout: 3\n');
    const local = await loadExternalTrainerConfig(file).catch((e: unknown) => e);
    const answer = await reading.readLaunchConfig(file, { cwd: dir() });
    assert.ok(answer.kind === 'invalidExternal', JSON.stringify(answer));
    const viaWorker = new ConfigError(answer.configError);
    assert.ok(local instanceof ConfigError, String(local));
    for (const key of ['message', 'file', 'line', 'column', 'field', 'expected', 'suggestion', 'kind'] as const)
      assert.deepEqual(viaWorker[key], local[key], key);
  });

  it('a hostile external config is refused within the time budget, not parsed on the host', async () => {
    install(500);
    const configs = join(dir(), 'configs');
    mkdirSync(configs, { recursive: true });
    const file = join(configs, 'laughs.yaml');
    writeFileSync(file, `external_trainer:\n  command: [python, train.py]\n  output_dir: out\n${billionLaughs(9)}`);
    const started = performance.now();
    const answer = await reading.readLaunchConfig(file, { cwd: dir() }).catch((e: unknown) => e);
    assert.ok(
      answer instanceof ReadRefusedError || (answer as LaunchConfig).kind === 'invalidExternal',
      String(answer),
    );
    assert.ok(performance.now() - started < 20_000);
  });
});
