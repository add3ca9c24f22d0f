import assert from 'node:assert/strict';
import { flattenConfig } from '../../../../src/core/runsTable/flattenConfig';
import { row } from '../../../support/runRows';
import {
  cellText,
  columnsById,
  configColumns,
  filterRows,
  sortRows,
  tableColumns,
  toCsv,
} from '../../../../src/core/runsTable/tableColumns';

describe('runs table columns', () => {
  it('flattens a nested config to dotted keys, arrays as JSON', () => {
    assert.deepEqual(
      flattenConfig({
        a: 1,
        optimizer: { type: 'adam', learning_rate: 0.01 },
        model: { hidden: [64, 64] },
        none: null,
      }),
      {
        a: 1,
        'optimizer.type': 'adam',
        'optimizer.learning_rate': 0.01,
        'model.hidden': '[64,64]',
        none: null,
      },
    );
  });

  it('shows only config columns whose values differ between the runs shown, or all on request', () => {
    const rows = [
      row('/r/a', { config: { 'optimizer.learning_rate': 0.001, seed: 42, only_a: true } }),
      row('/r/b', { config: { 'optimizer.learning_rate': 0.01, seed: 42 } }),
    ];
    assert.deepEqual(
      configColumns(rows, false).map((c) => c.id),
      ['config.only_a', 'config.optimizer.learning_rate'],
    );
    assert.deepEqual(
      configColumns(rows, true).map((c) => c.id),
      ['config.only_a', 'config.optimizer.learning_rate', 'config.seed'],
    );
    // One run alone differs from nothing: all its keys show.
    assert.deepEqual(
      configColumns([rows[1]!], false).map((c) => c.label),
      ['optimizer.learning_rate', 'seed'],
    );
  });

  it('leaves out of the differing columns the keys that only say where a run is (all of them on request)', () => {
    const where = (dir: string) => ({
      config_path: `/w/${dir}/train.yaml`,
      sources: `["/w/${dir}/train.yaml"]`,
      output_dir: `/w/runs/${dir}`,
      name: dir,
      logging_dir: `/w/runs/${dir}/logs`,
      run_name: dir,
    });
    const rows = [
      row('/r/a', { config: { ...where('a'), 'optimizer.type': 'adam' } }),
      row('/r/b', { config: { ...where('b'), 'optimizer.type': 'sgd' } }),
    ];
    assert.deepEqual(
      configColumns(rows, false).map((c) => c.label),
      ['optimizer.type'],
    );
    assert.equal(configColumns(rows, true).length, 7);
  });

  it('puts the differing config columns right after the run and the figures that decide between runs', () => {
    const rows = [
      row('/r/a', { config: { 'optimizer.learning_rate': 0.001, seed: 42 } }),
      row('/r/b', { config: { 'optimizer.learning_rate': 0.01, seed: 42 } }),
    ];
    assert.deepEqual(
      tableColumns(rows, false).map((c) => c.id),
      [
        'name',
        'status',
        'finalLoss',
        'bestMetric',
        'config.optimizer.learning_rate',
        'started',
        'duration',
        'steps',
        'backend',
        'bestCheckpoint',
        'checkpoints',
        'disk',
        'tags',
      ],
    );
    assert.deepEqual(
      tableColumns(rows, true)
        .map((c) => c.id)
        .slice(4, 6),
      ['config.optimizer.learning_rate', 'config.seed'],
    );
  });

  it('sorts numbers numerically, text naturally, empty cells last both ways, ties by folder', () => {
    const rows = [
      row('/r/a', { finalLoss: 0.5 }),
      row('/r/b', { finalLoss: null }),
      row('/r/c', { finalLoss: 0.05 }),
      row('/r/d', { finalLoss: 0.5 }),
    ];
    assert.deepEqual(
      sortRows(rows, 'finalLoss', false).map((r) => r.runDir),
      ['/r/c', '/r/a', '/r/d', '/r/b'],
    );
    assert.deepEqual(
      sortRows(rows, 'finalLoss', true).map((r) => r.runDir),
      ['/r/a', '/r/d', '/r/c', '/r/b'],
    );
    const named = [row('/r/run-10'), row('/r/run-9')];
    assert.deepEqual(
      sortRows(named, 'name', false).map((r) => r.name),
      ['run-9', 'run-10'],
    );
  });

  it('filters by name, tag, notes and key=value, case-insensitively', () => {
    const rows = [
      row('/r/a', { tags: ['Baseline'], config: { 'optimizer.learning_rate': 0.01 } }),
      row('/r/b', { notes: 'diverged at step 300' }),
    ];
    assert.deepEqual(
      filterRows(rows, 'baseline').map((r) => r.runDir),
      ['/r/a'],
    );
    assert.deepEqual(
      filterRows(rows, 'DIVERGED').map((r) => r.runDir),
      ['/r/b'],
    );
    assert.deepEqual(
      filterRows(rows, 'learning_rate=0.01').map((r) => r.runDir),
      ['/r/a'],
    );
    assert.equal(filterRows(rows, '  ').length, 2);
  });

  it('writes RFC 4180 CSV of the columns shown, quoting commas, quotes and line breaks', () => {
    const rows = [
      row('/r/a', {
        name: 'a, "quoted"',
        startedAt: Date.UTC(2026, 11, 7),
        finalLoss: 0.25,
        notes: 'x',
        config: { lr: 0.01 },
      }),
    ];
    const csv = toCsv(rows, columnsById(rows, ['name', 'started', 'finalLoss', 'config.lr', 'no-such-column']));
    assert.equal(csv, 'Name,Started,Final loss,lr\r\n"a, ""quoted""",2026-12-07T00:00:00.000Z,0.25,0.01\r\n');
  });

  it('says a partial disk count is a lower bound and the best metric by name', () => {
    const r = row('/r/a', {
      diskBytes: 2048,
      diskBytesPartial: true,
      bestMetric: { name: 'eval_loss', value: 0.123456, checkpoint: 'checkpoint-20' },
    });
    assert.equal(cellText(r, 'disk'), '≥ 2.0 KB');
    assert.equal(cellText(r, 'bestMetric'), 'eval_loss 0.1235');
    assert.equal(cellText(r, 'bestCheckpoint'), 'checkpoint-20');
  });
});
