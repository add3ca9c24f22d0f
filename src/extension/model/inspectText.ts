/**
 * The Inspect document's text: a checkpoint's full state (manifest, optimizer, scheduler, trainer
 * state, model tensors) with every file's checksum verified, as JSON. Hashing reads every byte of
 * the checkpoint, so it runs in a reader worker (src/extension/reading: inspectCheckpointText) with
 * a budget that grows with the checkpoint's size (inspectBudgetMs); vscode-free.
 */
import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { inspectCheckpoint } from '../../core/checkpoint/inspect';
import { isHfCheckpointFolder } from '../../core/hf/checkpointFolder';
import { inspectHfCheckpoint } from '../../core/hf/checkpoints';

/** Hashing speed assumed for the budget: well under what one loaded core manages, so only a stall overruns. */
const HASH_BYTES_PER_SECOND = 20 * 1024 * 1024;

/** The time an Inspect of `bytes` may take: the read budget plus the hashing at a pessimistic speed. */
export function inspectBudgetMs(bytes: number, readBudgetMs: number): number {
  return readBudgetMs + Math.ceil((bytes / HASH_BYTES_PER_SECOND) * 1000);
}

/** Bytes of the regular files directly in a checkpoint folder (what --verify hashes); 0 when unreadable. */
export async function checkpointBytes(checkpointPath: string): Promise<number> {
  const names = await readdir(checkpointPath).catch(() => [] as string[]);
  const sizes = await Promise.all(
    names.map((name) =>
      stat(path.join(checkpointPath, name)).then(
        (s) => (s.isFile() ? s.size : 0),
        () => 0,
      ),
    ),
  );
  return sizes.reduce((a, b) => a + b, 0);
}

/** The JSON text of the Inspect document; a checkpoint that cannot be inspected says why in it. */
export async function inspectCheckpointText(checkpointPath: string): Promise<string> {
  let inspection: unknown;
  try {
    // Hugging Face checkpoint-<step> folders (no manifest) are described by src/core/hf.
    inspection = (await isHfCheckpointFolder(checkpointPath))
      ? await inspectHfCheckpoint(checkpointPath)
      : await inspectCheckpoint(checkpointPath, { verify: true });
  } catch (err) {
    inspection = { checkpoint: checkpointPath, error: (err as Error).message };
  }
  return JSON.stringify(
    inspection,
    (_key, value: unknown) => (ArrayBuffer.isView(value) ? `<${(value as Uint8Array).length} values>` : value),
    2,
  );
}
