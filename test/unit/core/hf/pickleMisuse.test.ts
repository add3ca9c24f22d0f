/**
 * Pickles that misuse the machine (empty stack, missing MARK, wrong targets, lengths past the end
 * or beyond exact integers): each is refused with a PickleError naming the file, what is wrong and
 * the offset, never a TypeError from deep inside the reader.
 */
import assert from 'node:assert/strict';
import { PickleError, readPickle } from '../../../../src/core/hf/pickle';
import { binunicode, pickleBytes, pickleLength as length } from './zipWriter';

/** The message readPickle refuses PROTO 2 + `parts` with (no STOP added). */
function refusal(...parts: Array<number | string | Buffer>): string {
  try {
    readPickle(pickleBytes(0x80, 2, ...parts), 'bad.pkl');
  } catch (error) {
    assert.ok(error instanceof PickleError, `not a PickleError: ${String(error)}`);
    return error.message;
  }
  return assert.fail('the pickle was read');
}

describe('safe pickle reader: misuse', () => {
  it('names the empty stack, the missing MARK and a GET of an unstored memo entry', () => {
    assert.equal(refusal('.'), 'bad.pkl: pickle pops an empty stack (offset 3)');
    assert.equal(refusal('2', '.'), 'bad.pkl: pickle reads an empty stack (offset 3)');
    assert.equal(refusal('K', 1, 't', '.'), 'bad.pkl: pickle has no MARK to pop to (offset 5)');
    assert.equal(refusal('1', '.'), 'bad.pkl: pickle has no MARK to pop to (offset 3)');
    assert.equal(refusal('g9\n', '.'), 'bad.pkl: pickle refers to memo entry 9, which was never stored (offset 5)');
    assert.equal(
      refusal('j', length(70_000, 4)),
      'bad.pkl: pickle refers to memo entry 70000, which was never stored (offset 7)',
    );
  });

  it('refuses items added to the wrong kind of value', () => {
    assert.equal(
      refusal('}', '(', 'K', 1, 'u', '.'),
      'bad.pkl: pickle SETITEMS with an odd number of items (offset 7)',
    );
    assert.equal(
      refusal(']', 'K', 1, 'K', 2, 's', '.'),
      'bad.pkl: pickle SETITEM on a value that is not a dict (offset 8)',
    );
    assert.equal(refusal('}', 'K', 1, 'a', '.'), 'bad.pkl: pickle APPEND on a value that is not a list (offset 6)');
    assert.equal(refusal('}', '}', 'b', '.'), 'bad.pkl: pickle BUILD on a value that is not an object (offset 4)');
  });

  it('refuses STACK_GLOBAL unless both module and name are strings', () => {
    const message = (at: number) => `bad.pkl: pickle STACK_GLOBAL without string module and name (offset ${at})`;
    assert.equal(refusal('K', 1, binunicode('name'), 0x93, '.'), message(13));
    assert.equal(refusal(binunicode('m'), 'K', 1, 0x93, '.'), message(10));
    assert.equal(refusal('K', 1, 'K', 2, 0x93, '.'), message(6));
  });

  it('refuses text integers that are not integers, and a LONG whose L is not at the end', () => {
    assert.equal(refusal('Iabc\n', '.'), 'bad.pkl: pickle bad INT abc (offset 2)');
    assert.equal(refusal('I1.5\n', '.'), 'bad.pkl: pickle bad INT 1.5 (offset 2)');
    assert.equal(refusal('L1L2\n', '.'), 'bad.pkl: pickle bad LONG 1L2 (offset 2)');
    assert.equal(refusal('L12x\n', '.'), 'bad.pkl: pickle bad LONG 12x (offset 2)');
    const tooLong = '9'.repeat(1024 * 3 + 1);
    assert.equal(
      refusal('I', tooLong, '\n', '.'),
      'bad.pkl: pickle integer of 3073 digits is longer than the limit of 3072 (offset 2)',
    );
  });

  it('refuses a text argument with no newline before the end', () => {
    assert.equal(refusal('I12'), 'bad.pkl: pickle text argument without newline (offset 3)');
  });

  it('names how many bytes were wanted where the pickle ends early', () => {
    assert.equal(refusal('X', length(10, 4), 'ab'), 'bad.pkl: pickle ends early: wanted 10 more bytes (offset 7)');
    assert.equal(refusal('K'), 'bad.pkl: pickle ends early: wanted 1 more bytes (offset 3)');
    assert.equal(refusal(), 'bad.pkl: pickle ends early: wanted 1 more bytes (offset 2)');
  });

  it('refuses 64-bit lengths beyond exact integers; the largest exact one is simply past the end', () => {
    for (const op of [0x95, 0x8d, 0x8e, 0x96]) {
      assert.equal(refusal(op, length(2n ** 53n, 8)), 'bad.pkl: pickle length too large (offset 11)');
      assert.equal(refusal(op, length(2n ** 64n - 1n, 8)), 'bad.pkl: pickle length too large (offset 11)');
    }
    assert.equal(
      refusal(0x8d, length(2n ** 53n - 1n, 8)),
      'bad.pkl: pickle ends early: wanted 9007199254740991 more bytes (offset 11)',
    );
  });

  it('refuses a BINSTRING with a negative length at once, instead of reading backwards over the pickle', () => {
    // Unchecked, -5 moved the reader back onto the BINSTRING itself: a loop that only the value limit
    // ended, and one over a long stretch of MARK / POP_MARK pairs could run for hours.
    assert.equal(refusal('T', length(-5, 4), '.'), 'bad.pkl: pickle BINSTRING with a negative length (-5) (offset 2)');
  });

  it('names an unsupported opcode in two hex digits', () => {
    assert.equal(refusal(0x01), 'bad.pkl: pickle opcode 0x01 is not supported by this reader (offset 2)');
    assert.equal(refusal(0x97), 'bad.pkl: pickle opcode 0x97 is not supported by this reader (offset 2)');
  });
});
