/**
 * Every opcode the safe pickle reader builds data from, one by one, as CPython's pickler (any
 * protocol, Python 2 included) writes it.
 */
import assert from 'node:assert/strict';
import {
  PickleGlobal,
  PickleObject,
  PickleSet,
  PickleStorageRef,
  PickleTuple,
  readPickle,
  type PickleValue,
} from '../../../../src/core/hf/pickle';
import { binunicode, pickleBytes, pickleLength as length } from './zipWriter';

/** PROTO 2, the opcodes, STOP, read. */
const read = (...parts: Array<number | string | Buffer>): PickleValue =>
  readPickle(pickleBytes(0x80, 2, ...parts, '.'), 'ops.pkl');
const items = (value: PickleValue): PickleValue[] => {
  assert.ok(
    value instanceof PickleTuple || value instanceof PickleSet,
    `expected a tuple or set, got ${String(value)}`,
  );
  return value.items;
};
const object = (value: PickleValue): PickleObject => {
  assert.ok(value instanceof PickleObject, `expected an object record, got ${String(value)}`);
  return value;
};
const qualified = (value: PickleValue): string => {
  assert.ok(value instanceof PickleGlobal, `expected a global, got ${String(value)}`);
  return value.qualifiedName;
};

describe('safe pickle reader: opcodes', () => {
  describe('protocol 0 text', () => {
    it('INT: 00 and 01 are False and True, other digits numbers (spaces around them allowed)', () => {
      assert.deepEqual(read('(', 'I00\n', 'I01\n', 'I 42 \n', 'I-7\n', 'I1\n', 'l'), [false, true, 42, -7, 1]);
      assert.equal(read('I123456789012345678901\n'), 123456789012345678901n);
    });

    it('INT and LONG up to the digit limit (3 a byte of the integer limit) are read', () => {
      const digits = '7'.repeat(1024 * 3);
      assert.equal(read('I', digits, '\n'), BigInt(digits));
      assert.equal(read('L', digits, '\n'), BigInt(digits));
    });

    it('LONG: digits with a trailing L (or without), as Python 2 wrote them', () => {
      assert.deepEqual(read('(', 'L5L\n', 'L-3\n', 'L123456789012345678901L\n', 'l'), [5, -3, 123456789012345678901n]);
    });

    it('STRING: strips one pair of matching quotes (and line-end spaces), keeps anything else verbatim', () => {
      assert.deepEqual(read('(', "S'hello'\n", 'S"it\'s"\n', "S'cr'\r\n", "S'y'x\n", "Sx'y'\n", "S'\n", 'l'), [
        'hello',
        "it's",
        'cr',
        "'y'x",
        "x'y'",
        "'",
      ]);
    });

    it('UNICODE: the line as it is, quotes and spaces included', () => {
      assert.equal(read("V' padded '\n"), "' padded '");
    });

    it('FLOAT, PERSID, PUT and GET', () => {
      assert.equal(read('F-0.25\n'), -0.25);
      const ref = read('P0\n');
      assert.ok(ref instanceof PickleStorageRef);
      assert.equal(ref.persistentId, '0');
      const pair = items(read(']', 'p3\n', 'g3\n', 0x86));
      assert.ok(Array.isArray(pair[0]));
      assert.equal(pair[0], pair[1], 'GET gives the stored object itself');
    });
  });

  describe('strings and bytes', () => {
    it('BINSTRING and SHORT_BINSTRING are latin-1 (Python 2 str)', () => {
      assert.equal(read('T', length(4, 4), Buffer.from([0x63, 0x61, 0x66, 0xe9])), 'café');
      assert.equal(read('U', 2, Buffer.from([0xb5, 0x41])), 'µA');
      assert.equal(read('T', length(0, 4)), '');
    });

    it('BINUNICODE8 is UTF-8; undecodable bytes become U+FFFD instead of failing', () => {
      assert.equal(read(0x8d, length(3, 8), Buffer.from('hé')), 'hé');
      assert.equal(read('X', length(3, 4), Buffer.from([0x61, 0xff, 0x62])), 'a\ufffdb');
    });

    it('BINBYTES, SHORT_BINBYTES, BINBYTES8 and BYTEARRAY8 are byte arrays', () => {
      assert.deepEqual(
        read(
          '(',
          'B',
          length(2, 4),
          Buffer.from([1, 2]),
          'C',
          1,
          3,
          0x8e,
          length(1, 8),
          4,
          0x96,
          length(2, 8),
          5,
          6,
          'l',
        ),
        [new Uint8Array([1, 2]), new Uint8Array([3]), new Uint8Array([4]), new Uint8Array([5, 6])],
      );
    });
  });

  describe('stack, memo and containers', () => {
    it('POP_MARK drops everything since the MARK; DUP pushes the top again', () => {
      assert.equal(read('K', 7, '(', 'K', 1, 'K', 2, '1'), 7);
      assert.deepEqual(items(read('(', 'K', 5, '2', 't')), [5, 5]);
    });

    it('LONG_BINPUT and LONG_BINGET use 32-bit memo keys', () => {
      const pair = items(read(']', 'r', length(70_000, 4), 'j', length(70_000, 4), 0x86));
      assert.ok(Array.isArray(pair[0]));
      assert.equal(pair[0], pair[1]);
    });

    it('FROZENSET collects the items since the MARK', () => {
      assert.deepEqual(items(read('(', 'K', 1, 'K', 2, 0x91)), [1, 2]);
    });

    it('APPEND and APPENDS on an object record (a list subclass) fill its list items', () => {
      const deque = object(read('c', 'collections\ndeque\n', ')', 'R', 'K', 1, 'a', '(', 'K', 2, 'K', 3, 'e'));
      assert.equal(qualified(deque.callable), 'collections.deque');
      assert.deepEqual(deque.listItems, [1, 2, 3]);
    });
  });

  describe('what would call code: recorded only', () => {
    it('NEWOBJ records the class and its arguments', () => {
      const made = object(read('c', 'argparse\nNamespace\n', ')', 0x81));
      assert.equal(qualified(made.callable), 'argparse.Namespace');
      assert.deepEqual(items(made.args), []);
    });

    it('NEWOBJ_EX records the class with (args, kwargs)', () => {
      const made = object(read('c', 'argparse\nNamespace\n', 'K', 1, 0x85, '}', 0x92));
      const [args, kwargs] = items(made.args);
      assert.deepEqual(items(args as PickleValue), [1]);
      assert.ok(kwargs !== undefined && !(kwargs instanceof PickleTuple));
      assert.equal(qualified(made.callable), 'argparse.Namespace');
    });

    it('OBJ records the callable after the MARK with the rest as arguments; INST names its class inline', () => {
      const obj = object(read('(', 'c', 'mod\nCls\n', 'K', 1, 'K', 2, 'o'));
      assert.equal(qualified(obj.callable), 'mod.Cls');
      assert.deepEqual(items(obj.args), [1, 2]);
      assert.equal(object(read('(', 'o')).callable, null);
      const inst = object(read('(', 'K', 9, 'i', 'mod\nOld\n'));
      assert.equal(qualified(inst.callable), 'mod.Old');
      assert.deepEqual(items(inst.args), [9]);
    });

    it('STACK_GLOBAL takes module and name from the stack', () => {
      assert.equal(qualified(read(binunicode('torch'), binunicode('FloatStorage'), 0x93)), 'torch.FloatStorage');
    });
  });
});
