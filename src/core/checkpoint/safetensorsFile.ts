/** safetensors files on disk (see safetensors.ts for the format). */
import { defaultFs, openRegularFile, type CheckpointFs } from './fs';
import { readHashed, writeHashedSynced } from './hashedIo';
import type { FileHandle } from 'node:fs/promises';
import {
  checkHeaderLength,
  decodeSafetensors,
  encodeSafetensors,
  parseSafetensorsHeader,
  type SafetensorsHeader,
} from './safetensors';
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

export async function readSafetensors(
  path: string,
  fs: CheckpointFs = defaultFs,
): Promise<{ tensors: TensorMap; metadata: Record<string, string> }> {
  const { bytes } = await readHashed(fs, path, null);
  return decodeSafetensors(bytes, path);
}

/** Only the header: names, dtypes and shapes without reading the tensor data. */
export async function readSafetensorsHeader(path: string, fs: CheckpointFs = defaultFs): Promise<SafetensorsHeader> {
  const handle = await openRegularFile(fs, path);
  try {
    const { size } = await handle.stat();
    return parseSafetensorsHeader(await readHeaderBytes(handle, size, path), size, path);
  } finally {
    await handle.close();
  }
}

/** The 8-byte length and the JSON header, with the length checked before the header is allocated. */
export async function readHeaderBytes(handle: FileHandle, size: number, path: string): Promise<Buffer> {
  if (size < 8) throw new Error(`${path}: truncated (${size} bytes, shorter than the 8-byte header length)`);
  const lengthBytes = Buffer.alloc(8);
  await readFully(handle, lengthBytes, 0, path);
  const head = Buffer.alloc(8 + checkHeaderLength(lengthBytes.readBigUInt64LE(0), size, path));
  lengthBytes.copy(head);
  await readFully(handle, head.subarray(8), 8, path);
  return head;
}

async function readFully(handle: FileHandle, into: Buffer, position: number, path: string): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await handle.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) throw new Error(`${path}: truncated (ended at byte ${position + done})`);
    done += bytesRead;
  }
}
