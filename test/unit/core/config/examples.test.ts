/** The example project promises: train = 500 steps, resume = same run folder continued to 800. */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { findProjectConfigs, loadConfig } from '../../../../src/core/config';

const project = path.resolve(__dirname, '..', '..', '..', '..', 'examples', 'checkpointing');

describe('config: examples/checkpointing', () => {
  it('lists its configs for the quick pick', async () => {
    assert.deepEqual(await findProjectConfigs(project), [
      path.join(project, 'configs', 'resume.yaml'),
      path.join(project, 'configs', 'train.yaml'),
    ]);
  });

  it('train.yaml: 500 steps, a checkpoint every 100, 3 kept, fresh start', async () => {
    const config = await loadConfig('train.yaml', { cwd: project });
    assert.equal(config.max_steps, 500);
    assert.equal(config.save_steps, 100);
    assert.equal(config.save_total_limit, 3);
    assert.equal(config.resume_from_checkpoint, false);
    assert.equal(config.output_dir, path.join(project, 'runs', 'checkpointing'));
    assert.equal(config.model.type, 'mlp');
    assert.deepEqual(config.model.type === 'mlp' && config.model.hidden, [64, 64]);
    assert.equal(config.data.type === 'synthetic_classification' && config.data.features, 20);
    assert.equal(config.batch_size, 32);
    assert.equal(config.optimizer.type, 'adam');
    assert.equal(config.scheduler.type, 'cosine');
    assert.ok(config.scheduler.warmup_steps > 0);
  });

  it('resume.yaml: the same run continued to 800 from the latest checkpoint', async () => {
    const train = await loadConfig('train.yaml', { cwd: project });
    const resume = await loadConfig('resume.yaml', { cwd: project });
    assert.equal(resume.max_steps, 800, "the child's max_steps wins over train.yaml's 500");
    assert.equal(resume.resume_from_checkpoint, true);
    const strip = (c: typeof train) => ({
      ...c,
      max_steps: 0,
      resume_from_checkpoint: false,
      config_path: '',
      sources: [],
    });
    assert.deepEqual(strip(resume), strip(train), 'everything else, output_dir included, is identical');
    assert.equal(resume.sources.length, 3);
  });
});
