/**
 * The schema and bounds of a run's notes file (`run-notes.json`): free of Node so the webview
 * contract can share the limits. Reading and writing the file: runNotes.ts.
 */
import * as z from 'zod';

export const RUN_NOTES_FILE = 'run-notes.json';
export const NOTES_LIMITS = {
  notesChars: 10_000,
  tags: 20,
  tagChars: 40,
  displayNameChars: 120,
  fileBytes: 64 * 1024,
} as const;

const tag = z
  .string()
  .trim()
  .min(1, 'a tag may not be empty')
  .max(NOTES_LIMITS.tagChars, `a tag has at most ${NOTES_LIMITS.tagChars} characters`)
  .regex(/^[^,\n]+$/, 'a tag may not contain a comma or a line break');

export const runNotesSchema = z.strictObject({
  /** Shown instead of the folder name; the folder itself is never moved. */
  displayName: z
    .string()
    .trim()
    .max(NOTES_LIMITS.displayNameChars, `displayName has at most ${NOTES_LIMITS.displayNameChars} characters`)
    .nullable()
    .default(null),
  notes: z
    .string()
    .max(NOTES_LIMITS.notesChars, `notes have at most ${NOTES_LIMITS.notesChars} characters`)
    .default(''),
  tags: z
    .array(tag)
    .max(NOTES_LIMITS.tags, `at most ${NOTES_LIMITS.tags} tags`)
    .default([])
    .transform((tags) => [...new Set(tags)]),
});
export type RunNotes = z.infer<typeof runNotesSchema>;

export const EMPTY_NOTES: RunNotes = { displayName: null, notes: '', tags: [] };

/** Checks notes the user entered; the error names the field and the limit. */
export function validateNotes(raw: unknown): { ok: true; value: RunNotes } | { ok: false; error: string } {
  const parsed = runNotesSchema.safeParse(raw);
  if (parsed.success) return { ok: true, value: { ...parsed.data, displayName: parsed.data.displayName || null } };
  return {
    ok: false,
    error: parsed.error.issues.map((i) => `${i.path.join('.') || 'notes'}: ${i.message}`).join('; '),
  };
}
