/**
 * Hand-made Hugging Face checkpoint folders (no PyTorch needed): a real layout with tiny files, to
 * damage one piece at a time.
 */
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pickleOf, torchArchive } from './zipWriter';

/** A safetensors file whose header is `header` (JSON-encoded unless already text), then `dataBytes` zero bytes. */
export function safetensorsBytes(header: unknown, dataBytes = 0): Buffer {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, Buffer.alloc(dataBytes)]);
}

/** A header of F32 tensors laid end to end, `sizes` bytes each, with the metadata the Trainer writes. */
export function tensorsHeader(sizes: number[]): Record<string, unknown> {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  sizes.forEach((size, i) => {
    header[`layer${i}.weight`] = { dtype: 'F32', shape: [size / 4], data_offsets: [offset, offset + size] };
    offset += size;
  });
  return header;
}

/** A complete safetensors file holding tensors of `sizes` bytes. */
export function weightsFile(sizes: number[] = [16]): Buffer {
  return safetensorsBytes(
    tensorsHeader(sizes),
    sizes.reduce((a, b) => a + b, 0),
  );
}

/** A torch.save archive with an intact zip directory (its pickle: an empty dict). */
export function torchFile(): Buffer {
  return torchArchive(pickleOf([0x7d]));
}

export function trainerStateText(step: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ global_step: step, epoch: step / 10, log_history: [], ...extra });
}

export type FolderFiles = Record<string, Buffer | string>;

/** What the Trainer saves in one process with single-file safetensors weights. */
export function validFiles(step: number, state: Record<string, unknown> = {}): FolderFiles {
  return {
    'trainer_state.json': trainerStateText(step, state),
    'model.safetensors': weightsFile(),
    'optimizer.pt': torchFile(),
    'scheduler.pt': torchFile(),
    'rng_state.pth': torchFile(),
  };
}

/**
 * Writes `outputDir/name` with `files`. `savedAt` (seconds since the epoch) becomes the modification
 * time of every file, which orders checkpoints.
 */
export function writeCheckpoint(outputDir: string, name: string, files: FolderFiles, savedAt?: number): string {
  const path = join(outputDir, name);
  mkdirSync(path, { recursive: true });
  for (const [file, content] of Object.entries(files)) {
    writeFileSync(join(path, file), content);
    if (savedAt !== undefined) utimesSync(join(path, file), savedAt, savedAt);
  }
  return path;
}
