import assert from 'node:assert/strict';
import { littleEndianSigned, parseIntegerText, PickleDict } from '../../../../src/core/hf/pickleValues';

describe('hf: pickle integer values', () => {
  it('reads two-complement little-endian integers of any length', () => {
    assert.equal(littleEndianSigned(Uint8Array.of()), 0);
    assert.equal(littleEndianSigned(Uint8Array.of(0x01, 0x02)), 0x0201);
    assert.equal(littleEndianSigned(Uint8Array.of(0x7f)), 127);
    assert.equal(littleEndianSigned(Uint8Array.of(0x80)), -128);
    assert.equal(littleEndianSigned(Uint8Array.of(0xff, 0xff)), -1);
    assert.equal(littleEndianSigned(Uint8Array.of(0x00, 0x80)), -32768);
    assert.equal(littleEndianSigned(Uint8Array.of(0xff, 0x00)), 255);
  });

  it('gives a number while exact, a bigint beyond 2^53', () => {
    const max = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00);
    assert.equal(littleEndianSigned(max), Number.MAX_SAFE_INTEGER);
    const over = Uint8Array.of(0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00);
    assert.equal(littleEndianSigned(over), 2n ** 53n);
    const min = Uint8Array.of(0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80);
    assert.equal(littleEndianSigned(min), -(2n ** 63n));
  });

  it('reads decimal integer text, refusing anything else', () => {
    const refuse = (): never => {
      throw new Error('refused');
    };
    assert.equal(parseIntegerText('42', refuse), 42);
    assert.equal(parseIntegerText('-7', refuse), -7);
    assert.equal(parseIntegerText('+7', refuse), 7);
    assert.equal(parseIntegerText('9007199254740993', refuse), 9007199254740993n);
    for (const text of ['', '1.5', '0x10', ' 1', '1 ', '1e3', '--1'])
      assert.throws(() => parseIntegerText(text, refuse), /refused/, text);
  });

  it('looks dict keys up by value for numbers and strings', () => {
    const dict = new PickleDict();
    dict.map.set('lr', 0.1);
    dict.map.set(3, 'three');
    assert.equal(dict.get('lr'), 0.1);
    assert.equal(dict.get(3), 'three');
    assert.deepEqual(dict.keys(), ['lr', 3]);
  });
});
