/** The evaluation fields: Hugging Face's defaults, and errors that name file, line, field and fix. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { formatConfigError, loadConfig } from '../../../../src/core/config';
import { configError } from './helpers';

const BASE = 'model: {type: mlp}\ndata: {type: synthetic_classification}\nlog_steps: 7\n';

describe('config: evaluation and the best checkpoint', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'config-eval-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const load = async (extra: string, sets: string[] = []) => {
    const file = path.join(dir, 'c.yaml');
    await writeFile(file, BASE + extra);
    return loadConfig(file, { cwd: dir, sets });
  };
  const pick = (c: Awaited<ReturnType<typeof load>>) => ({
    eval_split: c.eval_split,
    eval_strategy: c.eval_strategy,
    eval_steps: c.eval_steps,
    metric_for_best_model: c.metric_for_best_model,
    greater_is_better: c.greater_is_better,
    preserve_n_best: c.preserve_n_best,
  });

  it('without eval_split: no evaluation, no best metric', async () => {
    assert.deepEqual(pick(await load('')), {
      eval_split: null,
      eval_strategy: 'no',
      eval_steps: 7,
      metric_for_best_model: null,
      greater_is_better: false,
      preserve_n_best: 1,
    });
  });

  it('eval_split turns evaluation on every log_steps, with eval_loss (lower is better) deciding the best', async () => {
    assert.deepEqual(pick(await load('eval_split: 0.1\n')), {
      eval_split: 0.1,
      eval_strategy: 'steps',
      eval_steps: 7,
      metric_for_best_model: 'eval_loss',
      greater_is_better: false,
      preserve_n_best: 1,
    });
  });

  it('greater_is_better defaults by metric as Hugging Face does; explicit values win', async () => {
    assert.equal((await load('eval_split: 0.1\nmetric_for_best_model: eval_accuracy\n')).greater_is_better, true);
    assert.equal((await load('eval_split: 0.1\nmetric_for_best_model: loss\n')).greater_is_better, false);
    assert.equal(
      (await load('eval_split: 0.1\nmetric_for_best_model: eval_accuracy\ngreater_is_better: false\n'))
        .greater_is_better,
      false,
    );
    assert.equal((await load('eval_split: 0.1\nmetric_for_best_model: null\n')).metric_for_best_model, null);
    const c = await load('eval_split: 0.2\neval_strategy: "no"\neval_steps: 3\npreserve_n_best: 2\n');
    assert.deepEqual(pick(c), {
      eval_split: 0.2,
      eval_strategy: 'no',
      eval_steps: 3,
      metric_for_best_model: null,
      greater_is_better: false,
      preserve_n_best: 2,
    });
  });

  it('refuses evaluation without held-out data, at the line that asks for it', async () => {
    const error = await configError(load('eval_strategy: steps\n'));
    assert.equal(error.line, 4);
    assert.equal(error.field, 'eval_strategy');
    assert.match(
      formatConfigError(error, { cwd: dir }),
      /^c\.yaml:4:\d+: eval_strategy: .*set eval_split \(e\.g\. 0\.1\)/,
    );
  });

  it('refuses an eval metric without evaluation, accuracy for regression, an unknown metric and a bad fraction', async () => {
    const noEval = await configError(load('metric_for_best_model: eval_loss\n'));
    assert.equal(noEval.field, 'metric_for_best_model');
    assert.match(noEval.message, /only logged when evaluating: set eval_split/);
    const regression = await configError(
      load('eval_split: 0.1\nmetric_for_best_model: eval_accuracy\n', ['data.type=synthetic_regression']),
    );
    assert.match(regression.message, /classification only.*use eval_loss/);
    const unknown = await configError(load('eval_split: 0.1\nmetric_for_best_model: eval_f1\n'));
    assert.equal(unknown.line, 5);
    assert.match(formatConfigError(unknown), /eval_loss/);
    const fraction = await configError(load('eval_split: 1.5\n'));
    assert.equal(fraction.field, 'eval_split');
  });

  it("eval_data: a held-out file of the data's type, resolved against its config, evaluated by default; refused beside eval_split or of another type", async () => {
    await writeFile(path.join(dir, 'train.txt'), 'abcabcabcabc abc abc');
    await writeFile(path.join(dir, 'held.txt'), 'cab cab cab cab');
    const text = 'model: {type: char_lm}\ndata: {type: text, path: train.txt, seq_len: 4}\n';
    const file = path.join(dir, 't.yaml');
    await writeFile(file, `${text}eval_data: {type: text, path: held.txt, seq_len: 4}\n`);
    const c = await loadConfig(file, { cwd: '/' });
    assert.deepEqual(c.eval_data, { type: 'text', path: path.join(dir, 'held.txt'), seq_len: 4 });
    assert.deepEqual([c.eval_strategy, c.metric_for_best_model], ['steps', 'eval_loss']);
    await writeFile(file, `${text}eval_data: {type: text, path: missing.txt, seq_len: 4}\n`);
    const missing = await configError(loadConfig(file, { cwd: dir }));
    assert.deepEqual([missing.field, missing.line], ['eval_data.path', 3]);
    await writeFile(file, `${text}eval_split: 0.1\neval_data: {type: text, path: held.txt, seq_len: 4}\n`);
    assert.match((await configError(loadConfig(file, { cwd: dir }))).message, /keep one/);
    await writeFile(file, `${text}eval_data: {type: text, path: held.txt, seq_len: 8}\n`);
    assert.equal((await configError(loadConfig(file, { cwd: dir }))).field, 'eval_data.seq_len');
    const other = await configError(load('eval_data: {type: text, path: held.txt}\n'));
    assert.equal(other.field, 'eval_data.type');
  });

  it('refuses preserve_n_best that leaves no place for the newest under save_total_limit', async () => {
    const error = await configError(load('eval_split: 0.1\nsave_total_limit: 3\npreserve_n_best: 3\n'));
    assert.equal(error.field, 'preserve_n_best');
    assert.equal(error.line, 6);
    assert.match(error.message, /raise save_total_limit to 4 or more/);
    assert.equal((await load('eval_split: 0.1\nsave_total_limit: 3\npreserve_n_best: 2\n')).preserve_n_best, 2);
  });
});
