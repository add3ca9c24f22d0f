import assert from 'node:assert/strict';
import {
  dotted,
  isPlainMap,
  isUnderPath,
  originOf,
  pathKey,
  valueAt,
  type Layer,
  type Origin,
  type OriginMap,
} from '../../../../src/core/config/layer';
import { mergeLayers } from '../../../../src/core/config/merge';

/** An origin pointing at `file` line `line`. */
const at = (file: string, line: number): Origin => ({ value: { file, line, column: 1 } });
const layer = (value: Record<string, unknown>, origins: Array<[Array<string | number>, Origin]>): Layer => ({
  value,
  origins: new Map(origins.map(([p, o]) => [pathKey(p), o])) as OriginMap,
});
const originsOf = (l: Layer) =>
  Object.fromEntries([...l.origins].map(([k, o]) => [k.split('\u0000').join('.'), `${o.value.file}:${o.value.line}`]));

describe('config layers: merging values and where each came from', () => {
  it('maps merge key by key (the child wins), lists and scalars replace, and the parent is left as it was', () => {
    const base = layer({ optimizer: { type: 'adam', learning_rate: 0.1, beta1: 0.9 }, layers: [1, 2, 3], seed: 1 }, [
      [['optimizer'], at('base', 1)],
      [['optimizer', 'learning_rate'], at('base', 2)],
      [['optimizer', 'beta1'], at('base', 3)],
      [['layers'], at('base', 4)],
      [['layers', 0], at('base', 5)],
      [['seed'], at('base', 6)],
    ]);
    const child = layer({ optimizer: { learning_rate: 0.01 }, layers: [8], seed: 2 }, [
      [['optimizer', 'learning_rate'], at('child', 1)],
      [['layers'], at('child', 2)],
      [['seed'], at('child', 3)],
    ]);
    const merged = mergeLayers(base, child);
    assert.deepEqual(merged.value, {
      optimizer: { type: 'adam', learning_rate: 0.01, beta1: 0.9 },
      layers: [8],
      seed: 2,
    });
    assert.deepEqual(originsOf(merged), {
      optimizer: 'base:1',
      'optimizer.learning_rate': 'child:1',
      'optimizer.beta1': 'base:3',
      layers: 'child:2',
      seed: 'child:3',
    });
    assert.deepEqual(base.value.optimizer, { type: 'adam', learning_rate: 0.1, beta1: 0.9 });
    assert.equal(base.origins.get(pathKey(['seed']))?.value.file, 'base');
  });

  it("a map written in the child takes the child's origin; one whose type changes is replaced whole", () => {
    const base = layer({ optimizer: { type: 'adam', beta1: 0.9 }, scheduler: { type: 'cosine', warmup: 5 } }, [
      [['optimizer'], at('base', 1)],
      [['optimizer', 'beta1'], at('base', 2)],
      [['scheduler'], at('base', 3)],
      [['scheduler', 'warmup'], at('base', 4)],
    ]);
    const child = layer({ optimizer: { type: 'sgd', momentum: 0.5 }, scheduler: { type: 'cosine' } }, [
      [['optimizer'], at('child', 1)],
      [['optimizer', 'momentum'], at('child', 2)],
      [['scheduler'], at('child', 3)],
    ]);
    const merged = mergeLayers(base, child);
    assert.deepEqual(merged.value, {
      optimizer: { type: 'sgd', momentum: 0.5 },
      scheduler: { type: 'cosine', warmup: 5 },
    });
    assert.deepEqual(originsOf(merged), {
      optimizer: 'child:1',
      'optimizer.momentum': 'child:2',
      scheduler: 'child:3',
      'scheduler.warmup': 'base:4',
    });
  });

  it('a map without type in either side merges; a scalar over a map replaces it', () => {
    const merged = mergeLayers(layer({ a: { type: 'x', k: 1 }, b: { k: 1 } }, []), layer({ a: { k: 2 }, b: 5 }, []));
    assert.deepEqual(merged.value, { a: { type: 'x', k: 2 }, b: 5 });
    assert.deepEqual(mergeLayers(layer({ a: { k: 1 } }, []), layer({ a: { type: 'y' } }, [])).value, {
      a: { k: 1, type: 'y' },
    });
  });

  it('paths: keys, prefixes, dotted names, values and the nearest written origin', () => {
    assert.equal(isUnderPath(pathKey(['a', 'b']), pathKey(['a'])), true);
    assert.equal(isUnderPath(pathKey(['a']), pathKey(['a'])), true);
    assert.equal(isUnderPath(pathKey(['ab']), pathKey(['a'])), false);
    assert.equal(dotted(['data', 'files', 2]), 'data.files.2');
    assert.deepEqual([isPlainMap({}), isPlainMap([]), isPlainMap(null), isPlainMap('x')], [true, false, false, false]);
    const root = { data: { files: ['a.txt', 'b.txt'] } };
    assert.equal(valueAt(root, ['data', 'files', 1]), 'b.txt');
    assert.equal(valueAt(root, ['data', 'files', 'x']), undefined);
    assert.equal(valueAt(root, ['data', 'files', 1, 'deeper']), undefined);
    const origins: OriginMap = new Map([[pathKey(['data']), at('f', 1)]]);
    assert.equal(originOf(origins, ['data', 'files', 1])?.value.line, 1);
    assert.equal(originOf(origins, ['other']), undefined);
  });
});
