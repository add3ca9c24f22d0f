import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { COMMANDS } from '../../../src/extension/commands/ids';

const extensionId = 'training-runs.training-runs';

describe('activation', () => {
  it('activates the extension from the development path', async () => {
    const extension = vscode.extensions.getExtension(extensionId);
    assert.ok(extension, `extension ${extensionId} is not loaded in this host`);
    await extension.activate();
    assert.equal(extension.isActive, true);
  });

  it('registers "Training: Train" and runs it', async () => {
    await vscode.extensions.getExtension(extensionId)?.activate();
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes(COMMANDS.train), 'command trainingRuns.train is not registered');
    // With no config chosen (no argument, nothing picked) the command must finish, not hang or throw.
    await Promise.race([
      vscode.commands.executeCommand(COMMANDS.train),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('trainingRuns.train did not resolve within 10 s')), 10_000),
      ),
    ]);
  });
});
