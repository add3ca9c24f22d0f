/**
 * The Model node's tensors (name, shape, dtype) from a safetensors header. The list is capped so a
 * header naming millions of tensors cannot flood the tree; a header that cannot be read says why.
 * vscode-free so the wording is unit-tested.
 */
import { readSafetensorsHeader } from '../reading';
import type { SafetensorsHeaderEntry } from '../../core/checkpoint/safetensors';
import type { DetailNode } from './checkpointDetails';

/** How many tensors the tree lists before one "… N more" leaf. */
export const MAX_LISTED_TENSORS = 200;

type TensorEntry = Pick<SafetensorsHeaderEntry, 'name' | 'shape' | 'dtype'>;

/** Leaves for the first `max` tensors, then "… N more" when there are more. */
export function tensorNodes(tensors: readonly TensorEntry[], max = MAX_LISTED_TENSORS): DetailNode[] {
  const listed = tensors
    .slice(0, max)
    .map((t): DetailNode => ({ label: t.name, description: `[${t.shape.join(', ')}] ${t.dtype}`, children: [] }));
  const more = tensors.length - listed.length;
  if (more > 0) listed.push({ label: `… ${more} more`, description: `${tensors.length} tensors in all`, children: [] });
  return listed;
}

/** The tensors of one safetensors file as leaves, or a single "unreadable: <reason>" leaf. */
export async function readTensorNodes(
  file: string,
  max = MAX_LISTED_TENSORS,
  /** Told of the error behind an "unreadable" leaf (the tree's cache keeps it or not by its cause). */
  refused?: (err: unknown) => void,
): Promise<DetailNode[]> {
  try {
    return tensorNodes((await readSafetensorsHeader(file)).tensors, max);
  } catch (err) {
    refused?.(err);
    const reason = err instanceof Error ? err.message : String(err);
    return [
      {
        label: `unreadable: ${reason}`,
        description: '',
        tooltip: `${file} could not be read: ${reason}`,
        children: [],
      },
    ];
  }
}
