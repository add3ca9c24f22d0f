/** safetensors files on disk (see safetensors.ts for the format). */
import { defaultFs, openRegularFile, type CheckpointFs } from './fs';
import { readHashed, writeHashedSynced } from './hashedIo';
import { decodeSafetensors, encodeSafetensors, parseSafetensorsHeader, type SafetensorsHeader } from './safetensors';
import type { TensorMap } from './types';

/** Writes and flushes a safetensors file; returns its size and checksum (CHECKSUM_ALGORITHM). */
export async function writeSafetensors(
  path: string,
  tensors: TensorMap,
  metadata: Record<string, string> = {},
  fs: CheckpointFs = defaultFs,
): Promise<{ size: number; checksum: string }> {
  return writeHashedSynced(fs, path, encodeSafetensors(tensors, metadata));
}

export async function readSafetensors(path: string, fs: CheckpointFs = defaultFs): Promise<{ tensors: TensorMap; metadata: Record<string, string> }> {
  const { bytes } = await readHashed(fs, path, null);
  return decodeSafetensors(bytes, path);
}

/** Only the header: names, dtypes and shapes without reading the tensor data. */
export async function readSafetensorsHeader(path: string, fs: CheckpointFs = defaultFs): Promise<SafetensorsHeader> {
  const handle = await openRegularFile(fs, path);
  try {
    const { size } = await handle.stat();
    const lengthBytes = Buffer.alloc(8);
    await handle.read(lengthBytes, 0, 8, 0);
    const headerLength = Number(lengthBytes.readBigUInt64LE(0));
    if (headerLength > size) throw new Error(`${path}: safetensors header length ${headerLength} exceeds the file size ${size}`);
    const head = Buffer.alloc(8 + headerLength);
    lengthBytes.copy(head);
    await handle.read(head, 8, headerLength, 8);
    return parseSafetensorsHeader(head, size, path);
  } finally {
    await handle.close();
  }
}
