/**
 * A run's notes, tags and display name, kept in its folder (`run-notes.json`) so they travel with
 * the run and survive reloads. Small and bounded: the file is read whole, and whatever the user types
 * is checked against the same limits before it is written. A broken file is reported with its path,
 * field and fix; it is never overwritten by a read.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';

export const RUN_NOTES_FILE = 'run-notes.json';
export const NOTES_LIMITS = { notesChars: 10_000, tags: 20, tagChars: 40, displayNameChars: 120, fileBytes: 64 * 1024 } as const;

const tag = z
  .string()
  .trim()
  .min(1, 'a tag may not be empty')
  .max(NOTES_LIMITS.tagChars, `a tag has at most ${NOTES_LIMITS.tagChars} characters`)
  .regex(/^[^,\n]+$/, 'a tag may not contain a comma or a line break');

export const runNotesSchema = z.strictObject({
  /** Shown instead of the folder name; the folder itself is never moved. */
  displayName: z.string().trim().max(NOTES_LIMITS.displayNameChars, `displayName has at most ${NOTES_LIMITS.displayNameChars} characters`).nullable().default(null),
  notes: z.string().max(NOTES_LIMITS.notesChars, `notes have at most ${NOTES_LIMITS.notesChars} characters`).default(''),
  tags: z
    .array(tag)
    .max(NOTES_LIMITS.tags, `at most ${NOTES_LIMITS.tags} tags`)
    .default([])
    .transform((tags) => [...new Set(tags)]),
});
export type RunNotes = z.infer<typeof runNotesSchema>;

export const EMPTY_NOTES: RunNotes = { displayName: null, notes: '', tags: [] };

export type NotesRead = { notes: RunNotes; problem: null } | { notes: RunNotes; problem: string };

/** Checks notes the user entered; the error names the field and the limit. */
export function validateNotes(raw: unknown): { ok: true; value: RunNotes } | { ok: false; error: string } {
  const parsed = runNotesSchema.safeParse(raw);
  if (parsed.success) return { ok: true, value: { ...parsed.data, displayName: parsed.data.displayName || null } };
  return { ok: false, error: parsed.error.issues.map((i) => `${i.path.join('.') || 'notes'}: ${i.message}`).join('; ') };
}

/** The run's notes; empty ones when there is no file, and empty ones with a problem when it is unreadable. */
export async function readRunNotes(runDir: string): Promise<NotesRead> {
  const file = join(runDir, RUN_NOTES_FILE);
  let text: string;
  try {
    const bytes = await readFile(file);
    if (bytes.length > NOTES_LIMITS.fileBytes) return { notes: EMPTY_NOTES, problem: `${file}: larger than ${NOTES_LIMITS.fileBytes} bytes; shorten its notes` };
    text = bytes.toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { notes: EMPTY_NOTES, problem: null };
    return { notes: EMPTY_NOTES, problem: `${file}: ${(err as Error).message}` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { notes: EMPTY_NOTES, problem: `${file}: not valid JSON (${(err as Error).message}); fix or delete the file` };
  }
  const checked = validateNotes(raw);
  if (!checked.ok) return { notes: EMPTY_NOTES, problem: `${file}: ${checked.error}; fix the field or delete the file` };
  return { notes: checked.value, problem: null };
}

/** Writes validated notes atomically (temporary file, then rename), so a reader never sees half of it. */
export async function writeRunNotes(runDir: string, notes: RunNotes): Promise<void> {
  const checked = validateNotes(notes);
  if (!checked.ok) throw new Error(`${join(runDir, RUN_NOTES_FILE)}: ${checked.error}`);
  const file = join(runDir, RUN_NOTES_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(checked.value, null, 2)}\n`);
  await rename(tmp, file);
}
