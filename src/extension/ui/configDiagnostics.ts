/**
 * Config problems in the Problems panel and as squiggles: every YAML file under a `configs/` folder
 * is loaded as the trainer would load it when it is opened or saved, and each problem of the pass
 * (ConfigError.issues) is published at its own file, line and column, in the file that holds it
 * (a parent in the `extends` chain included). The location is the diagnostic's range, so the
 * message does not repeat it. A "did you mean" suggestion becomes a quick fix that writes it.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ConfigError } from '../../core/config/errors';
import { projectDirOf } from '../process/launch';
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

  constructor() {
    this.disposables.push(
      this.collection,
      vscode.workspace.onDidOpenTextDocument((doc) => void this.check(doc)),
      vscode.workspace.onDidSaveTextDocument((doc) => void this.check(doc)),
      vscode.workspace.onDidCloseTextDocument((doc) => this.forget(doc.uri.fsPath)),
      vscode.languages.registerCodeActionsProvider({ language: 'yaml', scheme: 'file' }, this, {
        providedCodeActionKinds: ConfigDiagnostics.providedCodeActionKinds,
      }),
    );
    for (const doc of vscode.workspace.textDocuments) void this.check(doc);
  }

  /** Loads the config of `doc` and publishes its problems; returns them (for callers that wait). */
  async check(doc: vscode.TextDocument): Promise<readonly vscode.Diagnostic[]> {
    if (!isConfig(doc)) return [];
    const file = doc.uri.fsPath;
    let issues: ConfigError[] = [];
    try {
      // Required lazily: the YAML parser and schema load when a config is first opened, not on activation.
      const config = require('../../core/config/index') as typeof import('../../core/config/index');
      const external = await isExternalConfig(file);
      if (!external) await config.loadConfig(file, { cwd: projectDirOf(file) });
    } catch (err) {
      const { ConfigError: ConfigErrorClass } =
        require('../../core/config/errors') as typeof import('../../core/config/errors');
      if (err instanceof ConfigErrorClass) issues = err.issues;
    }
    const { describeConfigProblem } = require('../../core/config/errors') as typeof import('../../core/config/errors');
    this.forget(file);
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const issue of issues) {
      // --set problems have no file; those of a file that cannot be read are shown at its top.
      const target = issue.file.startsWith('-') ? file : issue.file;
      const text = target === file ? doc.getText() : await readText(target);
      const range = tokenRange(text, issue.line, issue.column);
      const diagnostic = new vscode.Diagnostic(
        new vscode.Range(range.line, range.start, range.line, range.end),
        describeConfigProblem(issue),
        vscode.DiagnosticSeverity.Error,
      );
      diagnostic.source = DIAGNOSTIC_SOURCE;
      diagnostic.code = issue.kind;
      if (target !== file)
        diagnostic.relatedInformation = [
          new vscode.DiagnosticRelatedInformation(
            new vscode.Location(doc.uri, new vscode.Position(0, 0)),
            `while loading ${path.basename(file)}`,
          ),
        ];
      byFile.set(target, [...(byFile.get(target) ?? []), diagnostic]);
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

async function readText(file: string): Promise<string> {
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(file)));
  } catch {
    return '';
  }
}

/** An external_trainer config is checked by its own loader when trained; its schema differs. */
async function isExternalConfig(file: string): Promise<boolean> {
  const { isExternalTrainerConfig } =
    require('../external/externalConfig') as typeof import('../external/externalConfig');
  return isExternalTrainerConfig(file);
}
