/** fileKind names every kind of non-regular file a checkpoint folder might hold, for its messages. */
import assert from 'node:assert/strict';
import { fileKind } from '../../../../src/core/checkpoint/fs';

const KINDS = [
  'isFile',
  'isDirectory',
  'isSymbolicLink',
  'isFIFO',
  'isSocket',
  'isCharacterDevice',
  'isBlockDevice',
] as const;

/** A stat that answers true only to `kind` (none: an unknown kind). */
const statOf = (kind?: (typeof KINDS)[number]) =>
  Object.fromEntries(KINDS.map((k) => [k, () => k === kind])) as Record<(typeof KINDS)[number], () => boolean>;

describe('fileKind', () => {
  it('names each kind, and says "not a regular file" for one it does not know', () => {
    assert.deepEqual(
      [...KINDS.map((k) => fileKind(statOf(k))), fileKind(statOf())],
      [
        'a regular file',
        'a folder',
        'a symbolic link',
        'a FIFO',
        'a socket',
        'a character device',
        'a block device',
        'not a regular file',
      ],
    );
  });
});
