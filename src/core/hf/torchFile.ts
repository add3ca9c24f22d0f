/**
 * Reading `torch.save` files (optimizer.pt, scheduler.pt, rng_state_<rank>.pth) without Python.
 * Since PyTorch 1.6 they are zip archives: `<prefix>/data.pkl` (the pickled object, protocol 2) and
 * `<prefix>/data/<key>` (raw little-endian tensor storages the pickle refers to by key). We read the
 * pickle with the safe reader (nothing executes) and, when asked, a tiny storage such as a scalar
 * `step` tensor. The legacy pre-1.6 format (a bare pickle stream) is reported as unreadable.
 */
import { open } from 'node:fs/promises';
import { readPickle, PickleGlobal, PickleObject, PickleStorageRef, PickleTuple, type PickleValue } from './pickle';
import { ZipArchive, type ZipEntry } from './zipArchive';

/** data.pkl of an optimizer holds one small record per tensor; beyond this something is wrong. */
const MAX_PICKLE_BYTES = 64 * 1024 * 1024;
const MAX_SCALAR_STORAGE_BYTES = 64;
const MAX_PARAMETER_WRAPPERS = 4;

export interface TensorDescription {
  dtype: string;
  shape: number[];
  /** Key of the storage entry `<prefix>/data/<key>`. */
  storageKey: string;
  /** Offset in elements into the storage. */
  storageOffset: number;
}

const STORAGE_DTYPES: Record<string, { dtype: string; bytes: number }> = {
  FloatStorage: { dtype: 'float32', bytes: 4 },
  DoubleStorage: { dtype: 'float64', bytes: 8 },
  HalfStorage: { dtype: 'float16', bytes: 2 },
  BFloat16Storage: { dtype: 'bfloat16', bytes: 2 },
  LongStorage: { dtype: 'int64', bytes: 8 },
  IntStorage: { dtype: 'int32', bytes: 4 },
  ShortStorage: { dtype: 'int16', bytes: 2 },
  CharStorage: { dtype: 'int8', bytes: 1 },
  ByteStorage: { dtype: 'uint8', bytes: 1 },
  BoolStorage: { dtype: 'bool', bytes: 1 },
};

export class TorchFile {
  private constructor(
    private readonly archive: ZipArchive,
    private readonly prefix: string,
    readonly root: PickleValue,
  ) {}

  /** Opens and parses `path`. Throws with the file name on anything unreadable. */
  static async open(path: string): Promise<TorchFile> {
    if (!(await startsWithZipSignature(path))) {
      throw new Error(
        `${path}: not a zip archive; written by torch.save with _use_new_zipfile_serialization=False (legacy format, not read here)`,
      );
    }
    const archive = await ZipArchive.open(path);
    try {
      const entry = archive.find((name) => name === 'data.pkl' || name.endsWith('/data.pkl'));
      if (!entry) throw new Error(`${path}: no data.pkl inside; not a torch.save archive`);
      const root = readPickle(await archive.read(entry, MAX_PICKLE_BYTES), `${path}:${entry.name}`);
      return new TorchFile(archive, entry.name.slice(0, -'data.pkl'.length), root);
    } catch (error) {
      await archive.close();
      throw error;
    }
  }

  get path(): string {
    return this.archive.path;
  }

  /** The value of a 0-d or 1-element tensor (e.g. Adam's `step`), read from its storage; null if not such a tensor. */
  async readScalar(value: PickleValue): Promise<number | null> {
    const tensor = describeTensor(value);
    const layout = tensor && storageLayout(tensor);
    if (!tensor || !layout || tensor.shape.reduce((a, b) => a * b, 1) !== 1) return null;
    const entry: ZipEntry | undefined = this.archive.find((name) => name === `${this.prefix}data/${tensor.storageKey}`);
    if (!entry) return null;
    const bytes = await this.archive.read(entry, MAX_SCALAR_STORAGE_BYTES);
    const at = tensor.storageOffset * layout.bytes;
    if (at + layout.bytes > bytes.length) return null;
    switch (layout.dtype) {
      case 'float32':
        return bytes.readFloatLE(at);
      case 'float64':
        return bytes.readDoubleLE(at);
      case 'int64':
        return Number(bytes.readBigInt64LE(at));
      case 'int32':
        return bytes.readInt32LE(at);
      default:
        return null;
    }
  }

  async close(): Promise<void> {
    await this.archive.close();
  }
}

async function startsWithZipSignature(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return bytesRead === 4 && head.readUInt32LE(0) === 0x04034b50;
  } finally {
    await handle.close();
  }
}

/** Opens, runs `use`, closes. */
export async function withTorchFile<T>(path: string, use: (file: TorchFile) => Promise<T>): Promise<T> {
  const file = await TorchFile.open(path);
  try {
    return await use(file);
  } finally {
    await file.close();
  }
}

export function isGlobal(value: PickleValue | undefined, qualifiedName: string): value is PickleGlobal {
  return value instanceof PickleGlobal && value.qualifiedName === qualifiedName;
}

/**
 * A tensor as torch pickles it: REDUCE(torch._utils._rebuild_tensor_v2,
 * (storage_ref, storage_offset, size, stride, requires_grad, hooks)); nn.Parameter wraps one in
 * torch._utils._rebuild_parameter. Anything else → null.
 */
export function describeTensor(value: PickleValue | undefined, depth = 0): TensorDescription | null {
  if (!(value instanceof PickleObject) || !(value.args instanceof PickleTuple)) return null;
  // A Parameter wraps one tensor; a hostile pickle may nest (or loop) wrappers without end.
  if (isGlobal(value.callable, 'torch._utils._rebuild_parameter'))
    return depth < MAX_PARAMETER_WRAPPERS ? describeTensor(value.args.items[0], depth + 1) : null;
  if (
    !isGlobal(value.callable, 'torch._utils._rebuild_tensor_v2') &&
    !isGlobal(value.callable, 'torch._utils._rebuild_tensor')
  )
    return null;
  const [storage, offset, size] = value.args.items;
  if (!(storage instanceof PickleStorageRef) || !(storage.persistentId instanceof PickleTuple)) return null;
  const [, storageType, key] = storage.persistentId.items;
  const shape = size instanceof PickleTuple ? size.items.map(Number) : [];
  const typeName = storageType instanceof PickleGlobal ? storageType.name : String(storageType);
  return {
    dtype: STORAGE_DTYPES[typeName]?.dtype ?? typeName,
    shape,
    storageKey: String(key),
    storageOffset: typeof offset === 'number' ? offset : 0,
  };
}

function storageLayout(tensor: TensorDescription): { dtype: string; bytes: number } | null {
  return Object.values(STORAGE_DTYPES).find((layout) => layout.dtype === tensor.dtype) ?? null;
}
