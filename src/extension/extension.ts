import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('trainingRuns.train', async () => {
      void vscode.window.showInformationMessage('Training: no config was chosen.');
      return undefined;
    }),
  );
}

export function deactivate(): void {}
