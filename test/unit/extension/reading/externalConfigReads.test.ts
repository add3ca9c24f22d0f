/**
 * External-trainer configs at launch and Resume are read in the reader workers too: the plan comes
 * back as plain data, a config problem as the ConfigError that names file and field (the failed
 * run's message), and a hostile config is refused within the time budget instead of parsing on the
 * host's thread.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../../../src/core/config/errors';
import { loadExternalTrainerConfig } from '../../../../src/extension/external/externalConfig';
import { externalTrainerFor, findExternalConfigFor } from '../../../../src/extension/external';
import * as reading from '../../../../src/extension/reading';
import { ReaderPool, ReadRefusedError } from '../../../../src/extension/reading/readerPool';
import { billionLaughs } from '../../../support/hostileConfigs';
import { useTempDir } from '../../core/hostile/hostileFiles';
import { readerWorkerBundle } from './workerBundle';

const externalExample = join(__dirname, '../../../../examples/distributed/configs/torchrun.yaml');

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

  it('answers the plan the loader gives in this thread, and Resume finds the config of its run folder', async () => {
    install();
    assert.equal(await reading.isExternalTrainerConfig(externalExample), true);
    const plan = await reading.loadExternalTrainerPlan(externalExample);
    assert.deepEqual(plan, await loadExternalTrainerConfig(externalExample));
    ops = [];
    assert.ok(
      await externalTrainerFor({ configPath: externalExample, sets: [], device: '' }),
      'the launch found no external trainer',
    );
    assert.equal(await findExternalConfigFor(plan.outputDir, [externalExample]), externalExample);
    // The launch (the config, then the output folder's checkpoints) and Resume's search: all in the pool.
    assert.deepEqual(ops, [
      'isExternalTrainerConfig',
      'loadExternalTrainerPlan',
      'listHfCheckpoints',
      'isExternalTrainerConfig',
      'loadExternalTrainerPlan',
    ]);
  });

  it('a config problem comes back as the ConfigError naming file and field', async () => {
    install();
    const file = join(dir(), 'bad.yaml');
    writeFileSync(file, 'external_trainer:\n  command: [python, train.py]\n  output_dir: 5\n  stop_timout: 3\n');
    const local = await loadExternalTrainerConfig(file).catch((e: unknown) => e);
    const viaWorker = await reading.loadExternalTrainerPlan(file).catch((e: unknown) => e);
    assert.ok(local instanceof ConfigError, String(local));
    assert.ok(viaWorker instanceof ConfigError, String(viaWorker));
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
    const answer = await reading.loadExternalTrainerPlan(file).catch((e: unknown) => e);
    assert.ok(answer instanceof ConfigError || answer instanceof ReadRefusedError, String(answer));
    assert.ok(performance.now() - started < 20_000);
  });
});
