/**
 * Config problems in the Problems panel and as squiggles: every YAML file under a `configs/` folder
 * is loaded as the trainer would load it when it is opened or saved, and each problem of the pass
 * (ConfigError.issues) is published at its own file, line and column, in the file that holds it
 * (a parent in the `extends` chain included). The location is the diagnostic's range, so the
 * message does not repeat it. The config is read in a reader worker, within the read time budget:
 * a refused one gets one problem at its top saying why and what to do. A "did you mean" suggestion becomes a quick fix that writes it.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ConfigProblem } from '../../core/protocol/configReads';
import type { ConfigReading } from '../services';
import { suggestedReplacement, tokenRange } from './configDiagnosticText';

export const DIAGNOSTIC_SOURCE = 'Training Runs';
const isConfig = (doc: vscode.TextDocument): boolean =>
  doc.uri.scheme === 'file' && /\.ya?ml$/i.test(doc.uri.fsPath) && doc.uri.fsPath.split(path.sep).includes('configs');

export class ConfigDiagnostics implements vscode.Disposable, vscode.CodeActionProvider {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.QuickFix];
  private readonly collection = vscode.languages.createDiagnosticCollection('trainingRuns.config');
  /** For each checked config, the files it published problems in (cleared on its next check). */
  private readonly published = new Map<string, Set<string>>();
  private readonly disposables: vscode.Disposable[] = [];

  /**
   * `reading` gives the services' reads (creating the services on first call): this class is part of
   * the activation bundle, the readers and their protocol (zod) are not.
   */
  constructor(private readonly reading: () => ConfigReading) {
    this.disposables.push(
      this.collection,
      vscode.workspace.onDidOpenTextDocument((doc) => void this.check(doc)),
      vscode.workspace.onDidSaveTextDocument((doc) => void this.check(doc)),
      vscode.workspace.onDidCloseTextDocument((doc) => this.forget(doc.uri.fsPath)),
      vscode.languages.registerCodeActionsProvider({ language: 'yaml', scheme: 'file' }, this, {
        providedCodeActionKinds: ConfigDiagnostics.providedCodeActionKinds,
      }),
    );
    // After construction: a check creates the services, which take this object.
    queueMicrotask(() => {
      for (const doc of vscode.workspace.textDocuments) void this.check(doc);
    });
  }

  /** Loads the config of `doc` (in a reader worker) and publishes its problems; returns them (for callers that wait). */
  async check(doc: vscode.TextDocument): Promise<readonly vscode.Diagnostic[]> {
    if (!isConfig(doc)) return [];
    const file = doc.uri.fsPath;
    let problems: ConfigProblem[];
    try {
      problems = await this.reading().configProblems(file);
    } catch (err) {
      // Refused by the reader workers (over the time budget, out of memory): say so at the file's top.
      problems = [
        {
          kind: 'unreadable',
          file,
          text: this.reading().isRefusal(err)
            ? this.reading().refusedConfigText(file, err.reason, err.byLoad)
            : `${path.basename(file)} could not be checked: ${(err as Error).message}`,
          range: tokenRange(doc.lineCount > 0 ? doc.lineAt(0).text : '', null, null),
        },
      ];
    }
    this.forget(file);
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const problem of problems) {
      const { line, start, end } = problem.range;
      const diagnostic = new vscode.Diagnostic(
        new vscode.Range(line, start, line, end),
        problem.text,
        vscode.DiagnosticSeverity.Error,
      );
      diagnostic.source = DIAGNOSTIC_SOURCE;
      diagnostic.code = problem.kind;
      if (problem.file !== file)
        diagnostic.relatedInformation = [
          new vscode.DiagnosticRelatedInformation(
            new vscode.Location(doc.uri, new vscode.Position(0, 0)),
            `while loading ${path.basename(file)}`,
          ),
        ];
      byFile.set(problem.file, [...(byFile.get(problem.file) ?? []), diagnostic]);
    }
    for (const [target, diagnostics] of byFile) this.collection.set(vscode.Uri.file(target), diagnostics);
    this.published.set(file, new Set(byFile.keys()));
    return byFile.get(file) ?? [];
  }

  provideCodeActions(
    doc: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    return context.diagnostics
      .filter((d) => d.source === DIAGNOSTIC_SOURCE)
      .flatMap((d) => {
        const replacement = suggestedReplacement(d.message, doc.getText(d.range));
        if (replacement === undefined) return [];
        const action = new vscode.CodeAction(`Change to "${replacement}"`, vscode.CodeActionKind.QuickFix);
        action.edit = new vscode.WorkspaceEdit();
        action.edit.replace(doc.uri, d.range, replacement);
        action.diagnostics = [d];
        action.isPreferred = true;
        return [action];
      });
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  private forget(file: string): void {
    for (const target of this.published.get(file) ?? []) this.collection.delete(vscode.Uri.file(target));
    this.published.delete(file);
  }
}
