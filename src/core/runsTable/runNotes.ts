/**
 * A run's notes, tags and display name, kept in its folder (`run-notes.json`) so they travel with
 * the run and survive reloads. Small and bounded: the file is read whole, and whatever the user types
 * is checked against the same limits before it is written. A broken file is reported with its path,
 * field and fix; it is never overwritten by a read.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EMPTY_NOTES, NOTES_LIMITS, RUN_NOTES_FILE, validateNotes, type RunNotes } from './notesSchema';

export { EMPTY_NOTES, NOTES_LIMITS, RUN_NOTES_FILE, validateNotes, type RunNotes } from './notesSchema';

export type NotesRead = { notes: RunNotes; problem: null } | { notes: RunNotes; problem: string };

/** The run's notes; empty ones when there is no file, and empty ones with a problem when it is unreadable. */
export async function readRunNotes(runDir: string): Promise<NotesRead> {
  const file = join(runDir, RUN_NOTES_FILE);
  let text: string;
  try {
    const bytes = await readFile(file);
    if (bytes.length > NOTES_LIMITS.fileBytes)
      return { notes: EMPTY_NOTES, problem: `${file}: larger than ${NOTES_LIMITS.fileBytes} bytes; shorten its notes` };
    text = bytes.toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { notes: EMPTY_NOTES, problem: null };
    return { notes: EMPTY_NOTES, problem: `${file}: ${(err as Error).message}` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return {
      notes: EMPTY_NOTES,
      problem: `${file}: not valid JSON (${(err as Error).message}); fix or delete the file`,
    };
  }
  const checked = validateNotes(raw);
  if (!checked.ok)
    return { notes: EMPTY_NOTES, problem: `${file}: ${checked.error}; fix the field or delete the file` };
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
