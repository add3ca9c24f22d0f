/** manifest.json: written last, it is what makes a checkpoint folder a committed checkpoint. */
import * as z from 'zod';
import { parseBoundedJson } from '../limits/boundedFile';
import { READ_LIMITS, ReadLimitError } from '../limits/readLimits';
import type { Manifest } from './types';

const manifestSchema = z.object({
  format: z.literal('training-runs-checkpoint'),
  version: z.literal(1),
  step: z.number().int().nonnegative(),
  save_counter: z.number().int().nonnegative(),
  created: z.string(),
  checksum_algorithm: z.string(),
  files: z
    .array(z.object({ path: z.string().min(1), size: z.number().int().nonnegative(), checksum: z.string().min(1) }))
    .min(1),
  removed_on_purpose: z.array(z.string()).optional(),
});

/** Parses manifest text; throws an Error naming the file and the first bad field. */
export function parseManifest(text: string, label: string): Manifest {
  const raw = parseBoundedJson(text, label);
  const files = (raw as { files?: unknown } | null)?.files;
  // Before the schema walks them: a million entries would take minutes and gigabytes.
  if (Array.isArray(files) && files.length > READ_LIMITS.manifestEntries) {
    throw new ReadLimitError(label, 'field "files"', READ_LIMITS.manifestEntries, `has ${files.length} entries`);
  }
  const result = manifestSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join('.') || '(root)';
    throw new Error(`${label}: field "${field}": ${issue?.message ?? 'invalid'}`);
  }
  const listed = new Set<string>();
  for (const file of result.data.files) {
    if (file.path.includes('/') || file.path.includes('\\') || file.path.startsWith('.')) {
      throw new Error(`${label}: file entry "${file.path}" must be a plain file name inside the checkpoint folder`);
    }
    // Each entry is checked (and hashed) on its own: one file listed thousands of times would be read as often.
    if (listed.has(file.path)) {
      throw new Error(
        `${label}: file entry "${file.path}" is listed more than once; a manifest lists each file once (this one was edited or damaged)`,
      );
    }
    listed.add(file.path);
  }
  return result.data;
}
