/**
 * A safe reader for Python pickles (protocols 0–5, the opcodes torch.save and the standard pickler
 * emit). It is a restricted interpreter that only builds data: `GLOBAL`/`STACK_GLOBAL` become inert
 * PickleGlobal descriptions (module and name, never imported), `REDUCE`/`NEWOBJ`/`BUILD` become
 * PickleObject records (what would have been called, with what), and `PERSID`/`BINPERSID` (how torch
 * refers to tensor storages) become PickleStorageRef records. Nothing is ever resolved to code, so a
 * malicious pickle is just odd-looking data. Opcodes with no data meaning here (extension registry,
 * out-of-band buffers) are refused with an error naming the file and offset.
 */
import {
  PickleDict,
  PickleError,
  PickleGlobal,
  PickleObject,
  PickleSet,
  PickleStorageRef,
  PickleTuple,
  littleEndianSigned,
  parseIntegerText,
  type PickleValue,
} from './pickleValues';
import { READ_LIMITS } from '../limits/readLimits';

export {
  PickleDict,
  PickleError,
  PickleGlobal,
  PickleObject,
  PickleSet,
  PickleStorageRef,
  PickleTuple,
  type PickleValue,
};

const textDecoder = new TextDecoder('utf-8', { fatal: false });

/** Parses one pickle from `bytes`; `source` names the file in errors. Never executes anything. */
export function readPickle(bytes: Uint8Array, source: string): PickleValue {
  return new PickleMachine(bytes, source).run();
}

class PickleMachine {
  private readonly view: DataView;
  private pos = 0;
  private stack: PickleValue[] = [];
  private readonly marks: PickleValue[][] = [];
  private readonly memo = new Map<number, PickleValue>();
  /** Values pushed so far: bounds both memory and time (READ_LIMITS.pickleValues). */
  private pushed = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly source: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private fail(message: string, at = this.pos): never {
    throw new PickleError(`${this.source}: pickle ${message} (offset ${at})`);
  }

  private need(n: number): number {
    if (this.pos + n > this.bytes.length) this.fail(`ends early: wanted ${n} more bytes`);
    const at = this.pos;
    this.pos += n;
    return at;
  }
  private u8(): number {
    return this.bytes[this.need(1)] as number;
  }
  private u16(): number {
    return this.view.getUint16(this.need(2), true);
  }
  private u32(): number {
    return this.view.getUint32(this.need(4), true);
  }
  private u64(): number {
    const value = this.view.getBigUint64(this.need(8), true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) this.fail('length too large');
    return Number(value);
  }
  private take(n: number): Uint8Array {
    const at = this.need(n);
    return this.bytes.subarray(at, at + n);
  }
  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) this.fail('text argument without newline');
    const text = textDecoder.decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return text;
  }
  /** A method, not `this.stack.push(...)`: that reads `this.stack` before a popMark() in its argument swaps it. */
  private push(value: PickleValue): void {
    if (++this.pushed > READ_LIMITS.pickleValues)
      this.fail(`builds more than ${READ_LIMITS.pickleValues} values (the limit)`);
    this.stack.push(value);
  }
  /** A LONG1/LONG4 integer's bytes, at most READ_LIMITS.pickleIntegerBytes. */
  private integerBytes(length: number, at: number): Uint8Array {
    if (length > READ_LIMITS.pickleIntegerBytes)
      this.fail(`integer of ${length} bytes is longer than the limit of ${READ_LIMITS.pickleIntegerBytes}`, at);
    return this.take(length);
  }
  /** Text INT/LONG digits, bounded like integerBytes (about 2.5 digits a byte). */
  private integerText(at: number): string {
    const text = this.line().trim();
    const maxDigits = READ_LIMITS.pickleIntegerBytes * 3;
    if (text.length > maxDigits)
      this.fail(`integer of ${text.length} digits is longer than the limit of ${maxDigits}`, at);
    return text;
  }
  private pop(): PickleValue {
    if (this.stack.length === 0) this.fail('pops an empty stack');
    return this.stack.pop() as PickleValue;
  }
  private top(): PickleValue {
    if (this.stack.length === 0) this.fail('reads an empty stack');
    return this.stack[this.stack.length - 1] as PickleValue;
  }
  private popMark(): PickleValue[] {
    const items = this.stack;
    const previous = this.marks.pop();
    if (previous === undefined) this.fail('has no MARK to pop to');
    this.stack = previous;
    return items;
  }
  private memoGet(index: number): PickleValue {
    if (!this.memo.has(index)) this.fail(`refers to memo entry ${index}, which was never stored`);
    return this.memo.get(index) as PickleValue;
  }

  private setItems(target: PickleValue, items: PickleValue[]): void {
    if (items.length % 2 !== 0) this.fail('SETITEMS with an odd number of items');
    const map =
      target instanceof PickleDict
        ? target.map
        : target instanceof PickleObject
          ? target.dictItems
          : this.fail('SETITEM on a value that is not a dict');
    for (let i = 0; i < items.length; i += 2) map.set(items[i] as PickleValue, items[i + 1] as PickleValue);
  }
  private appendItems(target: PickleValue, items: PickleValue[]): void {
    if (Array.isArray(target)) target.push(...items);
    else if (target instanceof PickleObject) target.listItems.push(...items);
    else if (target instanceof PickleSet) target.items.push(...items);
    else this.fail('APPEND on a value that is not a list');
  }

  run(): PickleValue {
    for (;;) {
      const at = this.pos;
      const op = this.u8();
      switch (op) {
        case 0x80: // PROTO
          this.u8();
          break;
        case 0x95: // FRAME: a length prefix only
          this.u64();
          break;
        case 0x2e: // STOP
          return this.pop();
        case 0x28: // MARK
          if (this.marks.length >= READ_LIMITS.pickleDepth)
            this.fail(`nests MARKs deeper than the limit of ${READ_LIMITS.pickleDepth}`, at);
          this.marks.push(this.stack);
          this.stack = [];
          break;
        case 0x30: // POP
          this.pop();
          break;
        case 0x31: // POP_MARK
          this.popMark();
          break;
        case 0x32: // DUP
          this.push(this.top());
          break;
        // ---- constants and numbers
        case 0x4e: // NONE
          this.push(null);
          break;
        case 0x88: // NEWTRUE
          this.push(true);
          break;
        case 0x89: // NEWFALSE
          this.push(false);
          break;
        case 0x4a: // BININT
          this.push(this.view.getInt32(this.need(4), true));
          break;
        case 0x4b: // BININT1
          this.push(this.u8());
          break;
        case 0x4d: // BININT2
          this.push(this.u16());
          break;
        case 0x8a: // LONG1
          this.push(littleEndianSigned(this.integerBytes(this.u8(), at)));
          break;
        case 0x8b: // LONG4
          this.push(littleEndianSigned(this.integerBytes(this.u32(), at)));
          break;
        case 0x49: {
          // INT (text); "00"/"01" are protocol 0's False/True
          const text = this.integerText(at);
          this.push(
            text === '00'
              ? false
              : text === '01'
                ? true
                : parseIntegerText(text, () => this.fail(`bad INT ${text}`, at)),
          );
          break;
        }
        case 0x4c: {
          // LONG (text, trailing L)
          const text = this.integerText(at).replace(/L$/, '');
          this.push(parseIntegerText(text, () => this.fail(`bad LONG ${text}`, at)));
          break;
        }
        case 0x46: // FLOAT (text)
          this.push(Number.parseFloat(this.line()));
          break;
        case 0x47: // BINFLOAT (big-endian double)
          this.push(this.view.getFloat64(this.need(8), false));
          break;
        // ---- strings and bytes
        case 0x58: // BINUNICODE
          this.push(textDecoder.decode(this.take(this.u32())));
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.push(textDecoder.decode(this.take(this.u8())));
          break;
        case 0x8d: // BINUNICODE8
          this.push(textDecoder.decode(this.take(this.u64())));
          break;
        case 0x56: // UNICODE (raw-unicode-escape text)
          this.push(this.line());
          break;
        case 0x53: // STRING (quoted repr)
          this.push(
            this.line()
              .trim()
              .replace(/^(['"])(.*)\1$/s, '$2'),
          );
          break;
        case 0x54: {
          // BINSTRING: Python 2 str, decoded as latin-1 like Python 3's default. Its length is signed:
          // a negative one would move the reader backwards, into a loop.
          const length = this.view.getInt32(this.need(4), true);
          if (length < 0) this.fail(`BINSTRING with a negative length (${length})`, at);
          this.push(Buffer.from(this.take(length)).toString('latin1'));
          break;
        }
        case 0x55: // SHORT_BINSTRING
          this.push(Buffer.from(this.take(this.u8())).toString('latin1'));
          break;
        case 0x42: // BINBYTES
          this.push(new Uint8Array(this.take(this.u32())));
          break;
        case 0x43: // SHORT_BINBYTES
          this.push(new Uint8Array(this.take(this.u8())));
          break;
        case 0x8e: // BINBYTES8
        case 0x96: // BYTEARRAY8
          this.push(new Uint8Array(this.take(this.u64())));
          break;
        // ---- containers
        case 0x5d: // EMPTY_LIST
          this.push([]);
          break;
        case 0x6c: // LIST
          this.push(this.popMark());
          break;
        case 0x29: // EMPTY_TUPLE
          this.push(new PickleTuple([]));
          break;
        case 0x74: // TUPLE
          this.push(new PickleTuple(this.popMark()));
          break;
        case 0x85: // TUPLE1
          this.push(new PickleTuple([this.pop()]));
          break;
        case 0x86: {
          // TUPLE2
          const b = this.pop();
          this.push(new PickleTuple([this.pop(), b]));
          break;
        }
        case 0x87: {
          // TUPLE3
          const c = this.pop();
          const b = this.pop();
          this.push(new PickleTuple([this.pop(), b, c]));
          break;
        }
        case 0x7d: // EMPTY_DICT
          this.push(new PickleDict());
          break;
        case 0x64: {
          // DICT
          const dict = new PickleDict();
          this.setItems(dict, this.popMark());
          this.push(dict);
          break;
        }
        case 0x8f: // EMPTY_SET
          this.push(new PickleSet([]));
          break;
        case 0x91: // FROZENSET
          this.push(new PickleSet(this.popMark()));
          break;
        case 0x90: {
          // ADDITEMS
          const items = this.popMark();
          this.appendItems(this.top(), items);
          break;
        }
        case 0x61: {
          // APPEND
          const item = this.pop();
          this.appendItems(this.top(), [item]);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = this.popMark();
          this.appendItems(this.top(), items);
          break;
        }
        case 0x73: {
          // SETITEM
          const value = this.pop();
          const key = this.pop();
          this.setItems(this.top(), [key, value]);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = this.popMark();
          this.setItems(this.top(), items);
          break;
        }
        // ---- memo
        case 0x70: // PUT
          this.memo.set(Number.parseInt(this.line(), 10), this.top());
          break;
        case 0x71: // BINPUT
          this.memo.set(this.u8(), this.top());
          break;
        case 0x72: // LONG_BINPUT
          this.memo.set(this.u32(), this.top());
          break;
        case 0x94: // MEMOIZE
          this.memo.set(this.memo.size, this.top());
          break;
        case 0x67: // GET
          this.push(this.memoGet(Number.parseInt(this.line(), 10)));
          break;
        case 0x68: // BINGET
          this.push(this.memoGet(this.u8()));
          break;
        case 0x6a: // LONG_BINGET
          this.push(this.memoGet(this.u32()));
          break;
        // ---- what would run code: recorded, never resolved
        case 0x63: {
          // GLOBAL "module\nname\n"
          const module = this.line();
          this.push(new PickleGlobal(module, this.line()));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string')
            this.fail('STACK_GLOBAL without string module and name', at);
          this.push(new PickleGlobal(module, name));
          break;
        }
        case 0x52: // REDUCE: callable, args
        case 0x81: {
          // NEWOBJ: class, args (recorded alike)
          const args = this.pop();
          this.push(new PickleObject(this.pop(), args));
          break;
        }
        case 0x92: {
          // NEWOBJ_EX
          const kwargs = this.pop();
          const args = this.pop();
          this.push(new PickleObject(this.pop(), new PickleTuple([args, kwargs])));
          break;
        }
        case 0x6f: {
          // OBJ: MARK callable args... OBJ
          const [callable = null, ...args] = this.popMark();
          this.push(new PickleObject(callable, new PickleTuple(args)));
          break;
        }
        case 0x69: {
          // INST "module\nname\n" with MARK args
          const module = this.line();
          const name = this.line();
          this.push(new PickleObject(new PickleGlobal(module, name), new PickleTuple(this.popMark())));
          break;
        }
        case 0x62: {
          // BUILD
          const state = this.pop();
          const target = this.top();
          if (target instanceof PickleObject) target.state = state;
          else this.fail('BUILD on a value that is not an object', at);
          break;
        }
        case 0x50: // PERSID
          this.push(new PickleStorageRef(this.line()));
          break;
        case 0x51: // BINPERSID
          this.push(new PickleStorageRef(this.pop()));
          break;
        default:
          this.fail(`opcode 0x${op.toString(16).padStart(2, '0')} is not supported by this reader`, at);
      }
    }
  }
}
