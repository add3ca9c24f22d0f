import assert from 'node:assert/strict';
import * as path from 'node:path';
import { commandTargets, firstPath, optionsArg } from '../../../src/extension/commands/targets';

describe('command arguments (every shape VS Code passes from a menu)', () => {
  const uri = (p: string) => ({ scheme: 'file', fsPath: p, path: p, authority: '' });

  it('reads nothing from no argument, editor/title context objects and other schemes', () => {
    assert.deepEqual(commandTargets(), []);
    assert.deepEqual(commandTargets(undefined, null), []);
    assert.deepEqual(commandTargets({ groupId: 1, editorIndex: 0 }), []);
    assert.deepEqual(commandTargets({ scheme: 'untitled', fsPath: 'Untitled-1', path: 'Untitled-1' }), []);
  });

  it('takes tree elements as nodes, never as paths', () => {
    const node = {
      kind: 'detail',
      checkpointPath: '/r/checkpoints/checkpoint-5',
      node: { label: 'x', description: '', children: [] },
      id: 'detail:/r#0',
    };
    const targets = commandTargets(node);
    assert.equal(targets.length, 1);
    assert.equal(targets[0]!.kind, 'node');
    assert.equal(firstPath(targets), undefined);
  });

  it('takes Uris, strings and arrays of them (explorer multi-select: the Uri and the selection)', () => {
    const a = path.resolve('/w/configs/a.yaml');
    const b = path.resolve('/w/configs/b.yaml');
    assert.deepEqual(commandTargets(uri(a), [uri(a), uri(b)]), [
      { kind: 'path', path: a },
      { kind: 'path', path: b },
    ]);
    assert.deepEqual(commandTargets('relative/dir'), [{ kind: 'path', path: path.resolve('relative/dir') }]);
    assert.equal(firstPath(commandTargets([{ kind: 'run', runDir: '/r' }, a])), a);
  });

  it('reads options only from plain objects', () => {
    assert.deepEqual(optionsArg<{ sets: string[] }>({ sets: ['a=1'], other: 1 }, ['sets']), { sets: ['a=1'] });
    assert.deepEqual(optionsArg<{ sets: string[] }>([{ sets: ['a=1'] }], ['sets']), {});
    assert.deepEqual(optionsArg<{ confirm: boolean }>(uri('/x'), ['confirm']), {});
    assert.deepEqual(optionsArg<{ confirm: boolean }>(undefined, ['confirm']), {});
  });
});
