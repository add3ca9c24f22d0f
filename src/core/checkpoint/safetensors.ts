/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length, a JSON header { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__? },
 * then the raw little-endian tensor bytes. Readable by Python's `safetensors`.
 * Hand-written because no maintained Node library reads and writes it without a native build;
 * only F32 and I32 are needed here.
 */
import { endianness } from 'node:os';
import { parseBoundedJson } from '../limits/boundedFile';
import { READ_LIMITS, ReadLimitError } from '../limits/readLimits';
import type { DType, TensorEntry, TensorMap } from './types';

const DTYPE_CODES: Record<DType, 'F32' | 'I32'> = { float32: 'F32', int32: 'I32' };
const BYTES_PER_ELEMENT = 4;

export interface SafetensorsHeaderEntry {
  name: string;
  dtype: DType;
  shape: number[];
  /** Byte range relative to the start of the data section. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  tensors: SafetensorsHeaderEntry[];
  metadata: Record<string, string>;
  /** Byte offset where the data section starts. */
  dataStart: number;
}

function assertLittleEndianHost(): void {
  if (endianness() !== 'LE') throw new Error('safetensors: big-endian hosts are not supported');
}

function elementCount(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The serialised file as a list of buffers (header, then each tensor's bytes as a view, no copy). */
export function encodeSafetensors(tensors: TensorMap, metadata: Record<string, string> = {}): Buffer[] {
  assertLittleEndianHost();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    if (name === '__metadata__') throw new Error('safetensors: a tensor cannot be named "__metadata__"');
    const expected = elementCount(tensor.shape);
    if (tensor.data.length !== expected) {
      throw new Error(
        `safetensors: tensor "${name}" has ${tensor.data.length} values but shape [${tensor.shape.join(', ')}] needs ${expected}`,
      );
    }
    const bytes = Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
    header[name] = {
      dtype: DTYPE_CODES[tensor.dtype],
      shape: tensor.shape,
      data_offsets: [offset, offset + bytes.length],
    };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const jsonBytes = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(8 + jsonBytes.length);
  prefix.writeBigUInt64LE(BigInt(jsonBytes.length), 0);
  jsonBytes.copy(prefix, 8);
  return [prefix, ...chunks];
}

/**
 * Refuses a declared header length before anything is allocated for it: larger than the limit
 * (the Rust reader's) or than the file. Returns the length as a safe number.
 */
export function checkHeaderLength(declared: bigint, fileSize: number, label: string): number {
  if (declared > BigInt(READ_LIMITS.safetensorsHeaderBytes)) {
    throw new ReadLimitError(
      label,
      'safetensors header length',
      READ_LIMITS.safetensorsHeaderBytes,
      `is ${declared} bytes`,
    );
  }
  const length = Number(declared);
  if (8 + length > fileSize)
    throw new Error(
      `${label}: safetensors header length ${length} does not fit the file (${fileSize} bytes; truncated?)`,
    );
  return length;
}

/** Parses the header from the first bytes of a file (at least 8 + header length). `label` names the file in errors. */
export function parseSafetensorsHeader(bytes: Uint8Array, fileSize: number, label: string): SafetensorsHeader {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.length < 8) throw new Error(`${label}: too short for a safetensors file (${view.length} bytes)`);
  const headerLength = checkHeaderLength(view.readBigUInt64LE(0), fileSize, label);
  if (view.length < 8 + headerLength) throw new Error(`${label}: header truncated`);
  const raw = parseBoundedJson(view.subarray(8, 8 + headerLength).toString('utf8'), `${label} (safetensors header)`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error(`${label}: safetensors header is not an object`);
  const dataStart = 8 + headerLength;
  const dataSize = fileSize - dataStart;
  const tensors: SafetensorsHeaderEntry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = value as Record<string, string>;
      continue;
    }
    tensors.push(parseEntry(name, value, dataSize, label));
  }
  // Object key order is not reliable (integer-like names are hoisted): the data order is.
  tensors.sort((a, b) => a.begin - b.begin);
  let expectedBegin = 0;
  for (const t of tensors) {
    if (t.begin !== expectedBegin)
      throw new Error(`${label}: tensor "${t.name}" starts at ${t.begin}, expected ${expectedBegin} (overlap or hole)`);
    expectedBegin = t.end;
  }
  if (expectedBegin !== dataSize)
    throw new Error(`${label}: tensors cover ${expectedBegin} bytes but the data section has ${dataSize}`);
  return { tensors, metadata, dataStart };
}

function parseEntry(name: string, value: unknown, dataSize: number, label: string): SafetensorsHeaderEntry {
  const entry = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  const dtype = entry?.dtype === 'F32' ? 'float32' : entry?.dtype === 'I32' ? 'int32' : null;
  if (!dtype)
    throw new Error(
      `${label}: tensor "${name}" has dtype ${JSON.stringify(entry?.dtype)}; only F32 and I32 are supported`,
    );
  const shape = entry.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new Error(`${label}: tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
  }
  const offsets = entry.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) {
    throw new Error(`${label}: tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin || end > dataSize || end - begin !== elementCount(shape) * BYTES_PER_ELEMENT) {
    throw new Error(
      `${label}: tensor "${name}" data_offsets [${begin}, ${end}] do not match shape [${shape.join(', ')}] within ${dataSize} data bytes`,
    );
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/** Tensors of a whole file held in `bytes`; the typed arrays are views on it (no copy) when aligned. */
export function decodeSafetensors(
  bytes: Uint8Array,
  label: string,
): { tensors: TensorMap; metadata: Record<string, string> } {
  assertLittleEndianHost();
  const header = parseSafetensorsHeader(bytes, bytes.byteLength, label);
  const tensors: TensorMap = {};
  for (const t of header.tensors) {
    const byteOffset = bytes.byteOffset + header.dataStart + t.begin;
    const length = (t.end - t.begin) / BYTES_PER_ELEMENT;
    const Ctor = t.dtype === 'float32' ? Float32Array : Int32Array;
    // Unaligned data (a header length not padded to 8): copy into a fresh buffer of its own. Not
    // Buffer#slice, which is a view that may sit in Node's shared pool at any offset.
    const data =
      byteOffset % BYTES_PER_ELEMENT === 0
        ? new Ctor(bytes.buffer as ArrayBuffer, byteOffset, length)
        : new Ctor(Uint8Array.from(bytes.subarray(header.dataStart + t.begin, header.dataStart + t.end)).buffer);
    tensors[t.name] = { dtype: t.dtype, shape: t.shape, data } as TensorEntry;
  }
  return { tensors, metadata: header.metadata };
}
