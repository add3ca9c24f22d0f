/**
 * Questions the extension asks the user (warnings with choices, input boxes), in one place so that
 * every decision flow (resume past the end, branch from an older checkpoint, train into a folder
 * that has checkpoints) asks through the same calls. Integration tests answer them through
 * `answerWith`, because a real host's dialogs cannot be clicked from inside the extension host;
 * the question itself (message, detail, choices) is still built by the product code under test.
 */
import * as vscode from 'vscode';

export interface Question {
  kind: 'warning' | 'information' | 'input' | 'save';
  message: string;
  detail?: string;
  modal?: boolean;
  /** Buttons of a warning or information message. */
  choices: string[];
  /** The input box's proposed value; a save dialog's proposed path. */
  value?: string;
}

/** Returns the chosen button (or the typed value), undefined for dismissed. */
export type Answerer = (question: Question) => Promise<string | undefined> | string | undefined;

export class Prompts {
  private answerer: Answerer | undefined;
  /** Every question asked since the last `answerWith` (newest last). */
  readonly asked: Question[] = [];

  /** Answer the next questions with `answerer` instead of showing them; undefined shows them again. */
  answerWith(answerer: Answerer | undefined): void {
    this.answerer = answerer;
    this.asked.length = 0;
  }

  async choose(kind: 'warning' | 'information', message: string, options: { modal?: boolean; detail?: string }, ...choices: string[]): Promise<string | undefined> {
    const question: Question = { kind, message, choices, ...options };
    const scripted = this.scripted(question);
    if (scripted) return scripted.then((a) => (a !== undefined && choices.includes(a) ? a : undefined));
    const show = kind === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    return show(message, options, ...choices);
  }

  async input(options: { title: string; prompt: string; value: string; validate(value: string): string | undefined }): Promise<string | undefined> {
    const question: Question = { kind: 'input', message: options.prompt, choices: [], value: options.value };
    const scripted = this.scripted(question);
    if (scripted) return scripted.then((a) => (a !== undefined && options.validate(a) === undefined ? a : undefined));
    return vscode.window.showInputBox({ title: options.title, prompt: options.prompt, value: options.value, validateInput: options.validate });
  }

  /** A save dialog; returns the chosen path (an answerer answers with a path), undefined for cancelled. */
  async saveLocation(options: { title: string; defaultPath: string; filters: Record<string, string[]> }): Promise<string | undefined> {
    const question: Question = { kind: 'save', message: options.title, choices: [], value: options.defaultPath };
    const scripted = this.scripted(question);
    if (scripted) return scripted;
    const uri = await vscode.window.showSaveDialog({ title: options.title, defaultUri: vscode.Uri.file(options.defaultPath), filters: options.filters });
    return uri?.fsPath;
  }

  private scripted(question: Question): Promise<string | undefined> | undefined {
    if (!this.answerer) return undefined;
    this.asked.push(question);
    return Promise.resolve(this.answerer(question));
  }
}
