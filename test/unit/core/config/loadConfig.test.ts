import assert from 'node:assert/strict';
import * as path from 'node:path';
import { DEFAULT_CHECKPOINT_OPTIONS } from '../../../../src/core/checkpoint/types';
import { loadConfig } from '../../../../src/core/config';
import { configError, fixtures } from './helpers';

const chain = path.join(fixtures, 'chain');

describe('config: extends and merge', () => {
  it('follows a chain and the child wins key by key', async () => {
    const config = await loadConfig(path.join(chain, 'sub', 'leaf.yaml'), { cwd: fixtures });
    assert.equal(config.max_steps, 700, 'leaf max_steps beats mid (300) and base (100)');
    assert.equal(config.save_total_limit, 5, 'inherited from base');
    assert.equal(config.name, 'chain');
    assert.deepEqual(config.sources, [
      path.join(chain, 'sub', 'leaf.yaml'),
      path.join(chain, 'sub', 'mid.yaml'),
      path.join(chain, 'base.yaml'),
    ]);
    assert.equal(config.config_path, path.join(chain, 'sub', 'leaf.yaml'));
  });

  it('merges maps deeply: a child sets one optimizer field, the rest is inherited', async () => {
    const config = await loadConfig(path.join(chain, 'sub', 'leaf.yaml'), { cwd: fixtures });
    assert.equal(config.optimizer.type, 'adam');
    assert.equal(config.optimizer.learning_rate, 0.002, 'from mid');
    assert.equal(config.optimizer.beta1, 0.8, 'from base');
  });

  it('replaces a section whose type changes instead of merging foreign fields into it', async () => {
    const config = await loadConfig(path.join(chain, 'sub', 'leaf.yaml'), { cwd: fixtures });
    assert.deepEqual(config.model, {
      type: 'char_lm',
      cell: 'gru',
      embedding_dim: 32,
      units: 32,
      layers: 1,
      dropout: 0,
    });
  });

  it('replaces lists instead of merging them', async () => {
    const config = await loadConfig(path.join(chain, 'hidden.yaml'), { cwd: fixtures });
    assert.equal(config.model.type, 'mlp');
    assert.deepEqual(config.model.type === 'mlp' && config.model.hidden, [8]);
    assert.equal(config.model.type === 'mlp' && config.model.activation, 'tanh');
  });

  it('refuses cycles and names the chain', async () => {
    const error = await configError(loadConfig(path.join(fixtures, 'cycle', 'a.yaml'), { cwd: fixtures }));
    assert.equal(error.kind, 'extends_cycle');
    assert.equal(error.file, path.join(fixtures, 'cycle', 'b.yaml'));
    assert.equal(error.line, 2);
    assert.match(error.message, /a\.yaml -> b\.yaml -> a\.yaml/);
    const self = await configError(loadConfig(path.join(fixtures, 'cycle', 'self.yaml'), { cwd: fixtures }));
    assert.match(self.message, /self\.yaml -> self\.yaml/);
  });
});

describe('config: paths', () => {
  it('resolves output_dir and data.path against the file that set them', async () => {
    const config = await loadConfig(path.join(chain, 'sub', 'leaf.yaml'), { cwd: '/somewhere/else' });
    assert.equal(config.output_dir, path.join(chain, 'sub', 'out', 'mid'));
    assert.deepEqual(config.data, { type: 'text', path: path.join(chain, 'corpus.txt'), seq_len: 64 });
  });

  it('resolves --set paths against cwd and keeps resume_from_checkpoint strings as given', async () => {
    const config = await loadConfig(path.join(chain, 'sub', 'leaf.yaml'), {
      cwd: '/tmp/work',
      sets: ['output_dir=runs/other', 'resume_from_checkpoint=runs/a/checkpoints/checkpoint-300'],
    });
    assert.equal(config.output_dir, path.join('/tmp/work', 'runs', 'other'));
    assert.equal(config.resume_from_checkpoint, 'runs/a/checkpoints/checkpoint-300');
  });

  it('resolves a blas path with a folder against its file, keeps auto/off and bare library names', async () => {
    const leafFile = path.join(chain, 'sub', 'leaf.yaml');
    const auto = await loadConfig(leafFile, { cwd: '/tmp/work' });
    assert.equal(auto.blas, 'auto');
    assert.equal(auto.cpu_threads, null);
    const relative = await loadConfig(leafFile, {
      cwd: '/tmp/work',
      sets: ['blas=lib/libopenblas.so.0', 'cpu_threads=2'],
    });
    assert.equal(relative.blas, path.join('/tmp/work', 'lib', 'libopenblas.so.0'));
    assert.equal(relative.cpu_threads, 2);
    const bare = await loadConfig(leafFile, { cwd: '/tmp/work', sets: ['blas=libmkl_rt.so.2'] });
    assert.equal(bare.blas, 'libmkl_rt.so.2');
    const off = await loadConfig(leafFile, { cwd: '/tmp/work', sets: ['blas=off'] });
    assert.equal(off.blas, 'off');
  });

  it('rejects cpu_threads below 1 naming the field and the fix', async () => {
    const error = await configError(
      loadConfig(path.join(chain, 'sub', 'leaf.yaml'), { cwd: '/tmp/work', sets: ['cpu_threads=0'] }),
    );
    assert.equal(error.field, 'cpu_threads');
    assert.match(error.suggestion ?? '', /null \(cores - 1, between 1 and 4\)/);
  });

  it('defaults output_dir to runs/<name> beside the base of the chain, name to the file name', async () => {
    const config = await loadConfig(path.join(chain, 'minimal.yaml'), { cwd: fixtures });
    assert.equal(config.name, 'minimal');
    assert.equal(config.output_dir, path.join(chain, 'runs', 'minimal'));
  });

  it('finds a bare name in the project configs/ folder, then in the folder itself', async () => {
    const project = path.join(fixtures, 'project');
    assert.equal((await loadConfig('train.yaml', { cwd: project })).max_steps, 5);
    assert.equal((await loadConfig('train', { cwd: project })).max_steps, 5, 'extension is optional');
    assert.equal((await loadConfig('other', { cwd: project })).config_path, path.join(project, 'configs', 'other.yml'));
    assert.equal((await loadConfig('root-level.yaml', { cwd: project })).max_steps, 7);
    const missing = await configError(loadConfig('trian.yaml', { cwd: project }));
    assert.equal(missing.kind, 'not_found');
    assert.equal(missing.suggestion, 'did you mean "train.yaml"?');
  });
});

describe('config: --set', () => {
  const leaf = path.join(chain, 'sub', 'leaf.yaml');

  it('reads values as YAML: null, true, numbers, nested paths', async () => {
    const config = await loadConfig(leaf, {
      cwd: fixtures,
      sets: [
        'save_total_limit=null',
        'resume_from_checkpoint=true',
        'optimizer.learning_rate=3e-4',
        'model.units=16',
        'max_steps=900',
      ],
    });
    assert.equal(config.save_total_limit, null);
    assert.equal(config.resume_from_checkpoint, true);
    assert.equal(config.optimizer.learning_rate, 0.0003);
    assert.equal(config.optimizer.beta1, 0.8, 'a nested --set merges, it does not wipe the section');
    assert.equal(config.model.type === 'char_lm' && config.model.units, 16);
    assert.equal(config.max_steps, 900);
  });

  it("switching a section type drops the old type's fields", async () => {
    const config = await loadConfig(leaf, { cwd: fixtures, sets: ['optimizer.type=sgd'] });
    assert.equal(config.optimizer.type, 'sgd');
    assert.equal(config.optimizer.learning_rate, 0.01, "sgd default, not adam's inherited value");
  });

  it('blames --set for bad overrides', async () => {
    const error = await configError(loadConfig(leaf, { cwd: fixtures, sets: ['save_steps=0'] }));
    assert.equal(error.file, '--set');
    assert.equal(error.setArg, 'save_steps=0');
    assert.equal(error.field, 'save_steps');
    const syntax = await configError(loadConfig(leaf, { cwd: fixtures, sets: ['save_steps'] }));
    assert.equal(syntax.kind, 'set_syntax');
  });
});

describe('config: defaults', () => {
  it('fills checkpoint defaults from DEFAULT_CHECKPOINT_OPTIONS and sensible defaults elsewhere', async () => {
    const config = await loadConfig(path.join(chain, 'minimal.yaml'), { cwd: fixtures });
    for (const [key, value] of Object.entries(DEFAULT_CHECKPOINT_OPTIONS)) {
      assert.deepEqual(config[key as keyof typeof DEFAULT_CHECKPOINT_OPTIONS], value, key);
    }
    assert.equal(config.seed, 42);
    assert.equal(config.max_steps, 1000);
    assert.equal(config.batch_size, 32);
    assert.equal(config.backend, 'auto');
    assert.equal(config.device, null);
    assert.equal(config.log_steps, 10);
    assert.equal(config.save_on_stop, true);
    assert.equal(config.on_save_error, 'stop');
    assert.deepEqual(config.data, { type: 'synthetic_regression', samples: 2048, features: 20, noise: 0.1, seed: 42 });
    assert.deepEqual(config.optimizer, {
      type: 'adam',
      learning_rate: 0.001,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
      momentum: 0,
      nesterov: false,
      weight_decay: 0,
      rho: 0.9,
      clip_norm: null,
    });
    assert.deepEqual(config.scheduler, {
      type: 'constant',
      warmup_steps: 0,
      decay_steps: null,
      step_size: 1,
      gamma: 1,
      min_lr: 0,
    });
  });

  it('the data seed follows the run seed unless set', async () => {
    const config = await loadConfig(path.join(chain, 'minimal.yaml'), { cwd: fixtures, sets: ['seed=7'] });
    assert.equal(config.data.type === 'synthetic_regression' && config.data.seed, 7);
  });
});
