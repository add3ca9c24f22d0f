/**
 * torch.save archives as a user's checkpoints hold them: the pickled object in <prefix>/data.pkl,
 * tensors as rebuild records pointing at raw storages in <prefix>/data/<key>. A scalar tensor (an
 * optimizer's `step`) is read from its storage; anything odd reads as "not a scalar", never a crash.
 */
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  PickleDict,
  PickleGlobal,
  PickleObject,
  PickleStorageRef,
  PickleTuple,
  type PickleValue,
} from '../../../../src/core/hf/pickle';
import { describeTensor, TorchFile, withTorchFile } from '../../../../src/core/hf/torchFile';
import { useTempDir } from '../hostile/hostileFiles';
import { binunicode, makeZip, pickleBytes, type ZipInput } from './zipWriter';

/** torch._utils.<rebuild>(storage_ref, offset, size, stride, requires_grad, hooks) as the reader records it. */
function tensor(
  storageType: PickleValue,
  key: PickleValue,
  offset: PickleValue,
  size: PickleValue,
  rebuild = '_rebuild_tensor_v2',
): PickleObject {
  const storage = new PickleStorageRef(new PickleTuple(['storage', storageType, key, 'cpu', 1]));
  return new PickleObject(
    new PickleGlobal('torch._utils', rebuild),
    new PickleTuple([storage, offset, size, new PickleTuple([]), false, new PickleDict()]),
  );
}
const storageOf = (name: string) => new PickleGlobal('torch', name);
const scalar = (name: string, offset = 0, shape: number[] = []) =>
  tensor(storageOf(name), '0', offset, new PickleTuple(shape));
/** nn.Parameter around `inner`, `times` deep. */
function parameter(inner: PickleValue, times: number): PickleValue {
  let value = inner;
  for (let i = 0; i < times; i++)
    value = new PickleObject(new PickleGlobal('torch._utils', '_rebuild_parameter'), new PickleTuple([value]));
  return value;
}

/** The pickle torch.save writes for {'step': <0-d tensor of `storage`, storage key '0'>}. */
function stepPickle(storage: string): Buffer {
  // prettier-ignore
  return pickleBytes(
    0x80, 2, '}', binunicode('step'),
    'c', 'torch._utils\n_rebuild_tensor_v2\n',
    '(',
    '(', binunicode('storage'), 'c', `torch\n${storage}\n`, binunicode('0'), binunicode('cpu'), 'K', 1, 't', 'Q',
    'K', 0, ')', ')', 0x89, 'c', 'collections\nOrderedDict\n', ')', 'R',
    't', 'R', 's', '.',
  );
}
const openFiles = (): number => readdirSync('/proc/self/fd').length;

describe('torch.save archives', () => {
  const dir = useTempDir('torch-file');
  function write(entries: ZipInput[], name = 'optimizer.pt'): string {
    const path = join(dir(), name);
    writeFileSync(path, makeZip(entries));
    return path;
  }
  /** An archive `prefix`data.pkl holding {'step': tensor} and `prefix`data/0 holding `storage`. */
  const stepArchive = (storageType: string, storage: Buffer, prefix = 'archive/') =>
    write([
      { name: `${prefix}data.pkl`, data: stepPickle(storageType) },
      { name: `${prefix}data/0`, data: storage },
    ]);
  const stepOf = (path: string) =>
    withTorchFile(path, (file) => file.readScalar((file.root as PickleDict).get('step') as PickleValue));

  it("reads a scalar tensor's value from its storage in each element type read", async () => {
    const bytes = (write: (b: Buffer) => void, size: number) => {
      const b = Buffer.alloc(size);
      write(b);
      return b;
    };
    assert.equal(
      await stepOf(
        stepArchive(
          'FloatStorage',
          bytes((b) => b.writeFloatLE(1.5), 4),
        ),
      ),
      1.5,
    );
    assert.equal(
      await stepOf(
        stepArchive(
          'DoubleStorage',
          bytes((b) => b.writeDoubleLE(1e10 + 0.5), 8),
        ),
      ),
      1e10 + 0.5,
    );
    assert.equal(
      await stepOf(
        stepArchive(
          'LongStorage',
          bytes((b) => b.writeBigInt64LE(-(2n ** 40n)), 8),
        ),
      ),
      -(2 ** 40),
    );
    assert.equal(
      await stepOf(
        stepArchive(
          'IntStorage',
          bytes((b) => b.writeInt32LE(-7), 4),
        ),
      ),
      -7,
    );
    // Types with no scalar reading here are "not a scalar", not a wrong number.
    assert.equal(await stepOf(stepArchive('HalfStorage', Buffer.from([0x00, 0x3c]))), null);
    assert.equal(await stepOf(stepArchive('BoolStorage', Buffer.from([1]))), null);
  });

  it('finds data.pkl at the top of the archive too, and its storages under data/', async () => {
    const storage = Buffer.alloc(4);
    storage.writeFloatLE(3);
    const path = stepArchive('FloatStorage', storage, '');
    assert.equal(await stepOf(path), 3);
    await withTorchFile(path, async (file) => assert.equal(file.path, path));
  });

  it('refuses an archive with no data.pkl, naming the file', async () => {
    const path = write([{ name: 'archive/version', data: Buffer.from('3\n') }]);
    await assert.rejects(TorchFile.open(path), { message: `${path}: no data.pkl inside; not a torch.save archive` });
  });

  describe('readScalar', () => {
    const floats = Buffer.alloc(8);
    floats.writeFloatLE(1.5, 0);
    floats.writeFloatLE(2.5, 4);
    /** readScalar(value) on an archive whose storage '0' holds the two floats 1.5, 2.5. */
    const read = (value: PickleValue) =>
      withTorchFile(
        write([
          { name: 'archive/data.pkl', data: pickleBytes(0x80, 2, 'N', '.') },
          { name: 'archive/data/0', data: floats },
        ]),
        (file) => file.readScalar(value),
      );

    it('reads the element at the storage offset (in elements), of a 0-d or one-element tensor', async () => {
      assert.equal(await read(scalar('FloatStorage', 1)), 2.5);
      assert.equal(await read(scalar('FloatStorage', 0, [1, 1])), 1.5);
      assert.equal(await read(parameter(scalar('FloatStorage', 1), 1)), 2.5);
    });

    it('is null for what is not a one-element tensor with a readable storage', async () => {
      assert.equal(await read(5), null);
      assert.equal(await read(scalar('FloatStorage', 0, [2])), null);
      assert.equal(await read(scalar('FloatStorage', 0, [0])), null);
      assert.equal(await read(tensor(storageOf('FloatStorage'), 'missing', 0, new PickleTuple([]))), null);
      assert.equal(await read(scalar('FloatStorage', 2)), null, 'offset past the storage');
      assert.equal(await read(scalar('DoubleStorage', 1)), null, 'the 8 bytes at element 1 run past the storage');
      assert.equal(await read(scalar('ComplexFloatStorage')), null, 'an element type not known here');
      // Sizes that divide out to one (1 / a / b) but do not multiply to exactly one element.
      assert.equal(await read(scalar('FloatStorage', 0, [47.81557834403245, 0.020913686179951922])), null);
    });
  });

  describe('describeTensor', () => {
    it('maps each storage class to its element type', () => {
      const types = {
        FloatStorage: 'float32',
        DoubleStorage: 'float64',
        HalfStorage: 'float16',
        BFloat16Storage: 'bfloat16',
        LongStorage: 'int64',
        IntStorage: 'int32',
        ShortStorage: 'int16',
        CharStorage: 'int8',
        ByteStorage: 'uint8',
        BoolStorage: 'bool',
      };
      for (const [storage, dtype] of Object.entries(types))
        assert.equal(describeTensor(scalar(storage))?.dtype, dtype, storage);
      assert.equal(describeTensor(scalar('ComplexFloatStorage'))?.dtype, 'ComplexFloatStorage');
      assert.equal(describeTensor(tensor('FloatStorage', '0', 0, new PickleTuple([])))?.dtype, 'float32');
    });

    it('describes shape, storage key and offset, for _rebuild_tensor_v2 and the older _rebuild_tensor', () => {
      const expected = { dtype: 'int64', shape: [3, 4], storageKey: '7', storageOffset: 2 };
      for (const rebuild of ['_rebuild_tensor_v2', '_rebuild_tensor'])
        assert.deepEqual(
          describeTensor(tensor(storageOf('LongStorage'), 7, 2, new PickleTuple([3, 4]), rebuild)),
          expected,
        );
      // A size that is not a tuple is no shape; an offset that is not a number is 0.
      assert.deepEqual(describeTensor(tensor(storageOf('LongStorage'), '7', 'x', 12)), {
        ...expected,
        shape: [],
        storageOffset: 0,
      });
    });

    it('looks through up to four nn.Parameter wrappers', () => {
      const inner = scalar('FloatStorage');
      for (const times of [1, 4]) assert.deepEqual(describeTensor(parameter(inner, times)), describeTensor(inner));
      assert.equal(describeTensor(parameter(inner, 5)), null);
    });

    it('is null for values that are not tensor records', () => {
      const storage = new PickleStorageRef(new PickleTuple(['storage', storageOf('FloatStorage'), '0', 'cpu', 1]));
      const record = (callable: PickleValue, args: PickleValue) => new PickleObject(callable, args);
      const rebuild = new PickleGlobal('torch._utils', '_rebuild_tensor_v2');
      for (const value of [
        null,
        3,
        'tensor',
        new PickleDict(),
        record(rebuild, [storage, 0, new PickleTuple([])]),
        record(new PickleGlobal('torch._utils', '_rebuild_qtensor'), new PickleTuple([storage, 0])),
        record(rebuild, new PickleTuple(['not a storage', 0])),
        record(rebuild, new PickleTuple([new PickleStorageRef('0'), 0])),
      ])
        assert.equal(describeTensor(value), null, String(value));
    });
  });

  describe('file handles', () => {
    it('close() releases the archive: a later storage read fails', async () => {
      const path = stepArchive('FloatStorage', Buffer.alloc(4));
      const file = await TorchFile.open(path);
      await file.close();
      await assert.rejects(file.readScalar(scalar('FloatStorage')), /closed|EBADF/);
    });

    it('leaves no file open after reading, after a failing reader, and after refusing a legacy file', async function () {
      if (process.platform !== 'linux') this.skip(); // open descriptors are counted in /proc/self/fd
      const path = stepArchive('FloatStorage', Buffer.alloc(4));
      const before = openFiles();
      assert.equal(await stepOf(path), 0);
      await assert.rejects(
        withTorchFile(path, () => Promise.reject(new Error('reader failed'))),
        /reader failed/,
      );
      const legacy = join(dir(), 'legacy.pt');
      writeFileSync(legacy, stepPickle('FloatStorage'));
      await assert.rejects(TorchFile.open(legacy), /legacy format/);
      assert.equal(openFiles(), before);
    });
  });
});
