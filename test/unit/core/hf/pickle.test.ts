import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PickleDict,
  PickleError,
  PickleGlobal,
  PickleObject,
  PickleSet,
  PickleTuple,
  readPickle,
  type PickleValue,
} from '../../../../src/core/hf/pickle';
import { binunicode, pickleBytes as bytes } from './zipWriter';

function dict(value: PickleValue): PickleDict {
  assert.ok(value instanceof PickleDict, `expected a dict, got ${String(value)}`);
  return value;
}

// pickle.dumps(obj, protocol=N) by CPython 3.11, where
// obj = {'a': [1, -2, 300, 70000, -70000, 3.5, 2**70, -2**70, True, False, None, 'é', (1,2), (1,2,3), (), (1,2,3,4)],
//        5: {'nested': [[]]}, 'shared': (l, l)} with l = [1]
const PROTOCOL_2 =
  '80027d71002858010000006171015d7102284b014afeffffff4d2c014a701101004a90eefeff47400c0000000000008a090000000000000000408a090000000000000000c088894e5802000000c3a971034b014b028671044b014b024b0387710529284b014b024b034b04747106654b057d710758060000006e657374656471085d71095d710a61735806000000736861726564710b5d710c4b0161680c86710d752e';
const PROTOCOL_4 =
  '80049587000000000000007d94288c0161945d94284b014afeffffff4d2c014a701101004a90eefeff47400c0000000000008a090000000000000000408a090000000000000000c088894e8c02c3a9944b014b0286944b014b024b03879429284b014b024b034b047494654b057d948c066e6573746564945d945d9461738c06736861726564945d944b0161680c8694752e';

describe('safe pickle reader', () => {
  for (const [protocol, hex] of [
    ['2', PROTOCOL_2],
    ['4', PROTOCOL_4],
  ] as const) {
    it(`reads CPython's protocol ${protocol} output: numbers, strings, tuples, nested containers, shared references`, () => {
      const root = dict(readPickle(Buffer.from(hex, 'hex'), 'test.pkl'));
      const a = root.get('a');
      assert.ok(Array.isArray(a));
      assert.deepEqual(a.slice(0, 12), [
        1,
        -2,
        300,
        70000,
        -70000,
        3.5,
        2n ** 70n,
        -(2n ** 70n),
        true,
        false,
        null,
        'é',
      ]);
      assert.deepEqual(
        a.slice(12).map((t) => (t as PickleTuple).items),
        [[1, 2], [1, 2, 3], [], [1, 2, 3, 4]],
      );
      assert.deepEqual(dict(root.get(5) as PickleValue).get('nested'), [[]]);
      const shared = root.get('shared') as PickleTuple;
      assert.equal(shared.items[0], shared.items[1], 'a memoized object is one object');
    });
  }

  it('records an OrderedDict (REDUCE + SETITEMS), bytes and a set without building Python objects', () => {
    const hex =
      '80049547000000000000007d94288c026f64948c0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952948c0178944b01738c01629443020001948c0173948f94284b014b0290752e';
    const root = dict(readPickle(Buffer.from(hex, 'hex'), 'od.pkl'));
    const od = root.get('od') as PickleObject;
    assert.ok(od instanceof PickleObject);
    assert.equal((od.callable as PickleGlobal).qualifiedName, 'collections.OrderedDict');
    assert.deepEqual([...od.dictItems], [['x', 1]]);
    assert.deepEqual(root.get('b'), new Uint8Array([0, 1]));
    assert.deepEqual((root.get('s') as PickleSet).items, [1, 2]);
  });

  it('reads protocol 0 text opcodes', () => {
    const root = dict(readPickle(Buffer.from('(dp0\nVa\np1\n(lp2\nI1\naVx\np3\naF2.5\nas.', 'latin1'), 'p0.pkl'));
    assert.deepEqual(root.get('a'), [1, 'x', 2.5]);
  });

  it('never executes: GLOBAL os.system + REDUCE is an inert record and the command does not run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pickle-'));
    const marker = join(dir, 'pwned');
    try {
      // What pickle.loads would turn into os.system("touch <marker>"), for both GLOBAL and STACK_GLOBAL.
      const viaGlobal = bytes(0x80, 2, 'c', 'posix\nsystem\n', binunicode(`touch ${marker}`), 0x85, 'R', '.');
      const viaStackGlobal = bytes(
        0x80,
        4,
        binunicode('os'),
        binunicode('system'),
        0x93,
        binunicode(`touch ${marker}`),
        0x85,
        'R',
        '.',
      );
      for (const pickle of [viaGlobal, viaStackGlobal]) {
        const value = readPickle(pickle, 'evil.pkl');
        assert.ok(value instanceof PickleObject);
        assert.ok(value.callable instanceof PickleGlobal);
        assert.match(value.callable.qualifiedName, /^(posix|os)\.system$/);
        assert.deepEqual((value.args as PickleTuple).items, [`touch ${marker}`]);
      }
      // BUILD on the result (what __setstate__ would run) is recorded too.
      const withBuild = bytes(0x80, 2, 'c', 'builtins\neval\n', binunicode('1'), 0x85, 'R', 0x7d, 'b', '.');
      assert.ok((readPickle(withBuild, 'evil2.pkl') as PickleObject).state instanceof PickleDict);
      assert.equal(existsSync(marker), false, 'the command ran');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps MARK groups apart: a TUPLE closing a MARK lands on the enclosing stack', () => {
    // (1, (2, 3)) built with MARK ... TUPLE twice, as torch writes tensor arguments.
    const value = readPickle(
      bytes(0x80, 2, '(', 'K', 1, '(', 'K', 2, 'K', 3, 't', 't', '.'),
      'marks.pkl',
    ) as PickleTuple;
    assert.equal(value.items[0], 1);
    assert.deepEqual((value.items[1] as PickleTuple).items, [2, 3]);
  });

  it('refuses unsupported opcodes and truncated input with the file and offset', () => {
    assert.throws(
      () => readPickle(bytes(0x80, 2, 0x82, 1, '.'), 'ext.pkl'),
      (e: unknown) => e instanceof PickleError && /ext\.pkl: .*opcode 0x82.*offset 2/.test(e.message),
    );
    assert.throws(
      () => readPickle(bytes(0x80, 2, 'X', 10, 0, 0, 0, 'ab'), 'short.pkl'),
      /short\.pkl: pickle ends early/,
    );
    assert.throws(
      () => readPickle(bytes(0x80, 2, 'h', 7, '.'), 'memo.pkl'),
      /memo\.pkl: pickle refers to memo entry 7/,
    );
  });
});
