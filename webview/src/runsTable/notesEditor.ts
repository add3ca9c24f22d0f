/** The notes, tags, rename and delete of one run, below the table. */
import type { RunRow } from '../../../src/core/protocol/runsTable';

export interface NotesCallbacks {
  onSave(runDir: string, notes: string, tags: string[]): void;
  onRename(runDir: string): void;
  onDelete(runDir: string): void;
}

/** "a, b ,c" → ["a", "b", "c"] (empty parts dropped). */
export const parseTags = (text: string): string[] =>
  text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');

export class NotesEditor {
  readonly element: HTMLElement;
  private readonly heading: HTMLElement;
  private readonly notes: HTMLTextAreaElement;
  private readonly tags: HTMLInputElement;
  private runDir: string | null = null;
  /** What the fields held when the run was shown: a live update does not overwrite typing. */
  private shown = { notes: '', tags: '' };

  constructor(parent: HTMLElement, callbacks: NotesCallbacks) {
    this.element = document.createElement('section');
    this.element.className = 'details';
    this.element.setAttribute('aria-label', 'Run notes');
    this.element.hidden = true;
    this.heading = document.createElement('h2');
    this.notes = document.createElement('textarea');
    this.notes.className = 'notes';
    this.notes.rows = 3;
    this.notes.setAttribute('aria-label', 'Notes');
    this.notes.placeholder = 'Notes about this run';
    this.tags = document.createElement('input');
    this.tags.className = 'tags';
    this.tags.setAttribute('aria-label', 'Tags, separated by commas');
    this.tags.placeholder = 'tags, separated by commas';
    const button = (label: string, cls: string, fn: (runDir: string) => void): HTMLButtonElement => {
      const b = document.createElement('button');
      b.textContent = label;
      b.className = cls;
      b.addEventListener('click', () => this.runDir && fn(this.runDir));
      return b;
    };
    const actions = document.createElement('div');
    actions.className = 'actions';
    actions.append(
      button('Save notes', 'save primary', (d) => callbacks.onSave(d, this.notes.value, parseTags(this.tags.value))),
      button('Rename…', 'rename', callbacks.onRename),
      button('Delete…', 'delete', callbacks.onDelete),
    );
    this.element.append(this.heading, this.notes, this.tags, actions);
    parent.append(this.element);
  }

  get currentRun(): string | null {
    return this.runDir;
  }

  show(row: RunRow | undefined): void {
    if (!row) {
      this.runDir = null;
      this.element.hidden = true;
      return;
    }
    const tags = row.tags.join(', ');
    const sameRun = this.runDir === row.runDir;
    this.runDir = row.runDir;
    this.element.hidden = false;
    this.heading.textContent = row.name === row.folder ? row.name : `${row.name} (${row.folder})`;
    // Keep what the user is typing; take the saved values where the field was not edited.
    if (!sameRun || this.notes.value === this.shown.notes) this.notes.value = row.notes;
    if (!sameRun || this.tags.value === this.shown.tags) this.tags.value = tags;
    this.shown = { notes: row.notes, tags };
  }

  focus(): void {
    this.notes.focus();
  }
}
