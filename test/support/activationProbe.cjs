// Run in a fresh Node by test/unit/extension/activation.test.ts: loads an extension bundle under a
// fake vscode, activates it, and prints which of the given packages were loaded and how many
// workspace searches ran, at activation and after each first use that follows it.
// Usage: node activationProbe.cjs BUNDLE CONFIG_FILE PACKAGE...
'use strict';
const { createFakeVscode, installFakeVscode } = require('./fakeVscode.cjs');

const [bundle, configFile, ...packages] = process.argv.slice(2);
const { vscode, calls, treeViews } = createFakeVscode({ recorded: ['workspace.findFiles'] });
installFakeVscode(vscode);

const loaded = () => packages.filter((p) => Object.keys(require.cache).some((f) => f.includes(`/node_modules/${p}/`)));
const snapshot = () => ({ packages: loaded(), findFiles: calls['workspace.findFiles'] });
const memento = { get: (_key, fallback) => fallback, update: async () => undefined, keys: () => [] };

async function main() {
  const context = {
    subscriptions: [],
    extensionUri: vscode.Uri.file(__dirname),
    extensionPath: __dirname,
    asAbsolutePath: (p) => `${__dirname}/${p}`,
    workspaceState: memento,
    globalState: memento,
  };
  const api = require(bundle).activate(context);
  const report = { activation: snapshot() };
  // The Runs view shown: VS Code asks the view's provider for its rows.
  const runs = treeViews.find((t) => t.id === 'trainingRuns.runs');
  if (!runs) throw new Error('activation created no trainingRuns.runs tree view');
  await runs.provider.getChildren();
  await new Promise((resolve) => setTimeout(resolve, 100));
  report.runsViewShown = snapshot();
  // A config opened: its diagnostics load the config loader.
  const doc = { uri: vscode.Uri.file(configFile), getText: () => '' };
  await api.configDiagnostics.check(doc);
  report.configOpened = snapshot();
  process.stdout.write(JSON.stringify(report));
  process.exit(0);
}
main().catch((err) => {
  process.stderr.write(String(err?.stack ?? err));
  process.exit(1);
});
