import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..', '..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const commandsSource = readFileSync(path.join(root, 'src/extension/commands.ts'), 'utf8');
const idsSource = readFileSync(path.join(root, 'src/extension/commands/ids.ts'), 'utf8');
const contributed: Array<{ command: string; category?: string }> = manifest.contributes.commands;
const menus: Record<string, Array<{ command: string; when?: string }>> = manifest.contributes.menus;

describe('extension manifest', () => {
  it('runs where the workspace is (a cluster login node under Remote-SSH), not beside the UI', () => {
    assert.deepEqual(manifest.extensionKind, ['workspace']);
  });

  it('registers every contributed command in commands.ts, all in category "Training"', () => {
    const ids = new Map([...idsSource.matchAll(/(\w+): '([\w.]+)'/g)].map((m) => [m[1], m[2]]));
    const registered = new Set([...commandsSource.matchAll(/register\(COMMANDS\.(\w+)/g)].map((m) => ids.get(m[1]!)));
    for (const c of contributed) {
      assert.ok(registered.has(c.command), `${c.command} is contributed but not registered in commands.ts`);
      assert.equal(c.category, 'Training', c.command);
    }
    for (const id of registered)
      assert.ok(
        contributed.some((c) => c.command === id),
        `${id} is registered but not contributed`,
      );
  });

  it('menus name only contributed commands, and hides view-scoped ones from the palette', () => {
    const ids = new Set(contributed.map((c) => c.command));
    for (const [menu, items] of Object.entries(menus))
      for (const item of items) assert.ok(ids.has(item.command), `${menu}: ${item.command}`);
    const hidden = new Set(menus.commandPalette?.filter((i) => i.when === 'false').map((i) => i.command));
    const onCheckpoints = new Set(
      menus['view/item/context']
        ?.filter((i) => /viewItem =[=~] ?\/?\^?checkpoint/.test(i.when ?? ''))
        .map((i) => i.command),
    );
    for (const id of onCheckpoints)
      assert.ok(hidden.has(id), `${id} acts on a tree item and should be hidden from the palette`);
  });

  it('uses only the viewItem values the tree sets', () => {
    const known = [
      'run.training',
      'run.idle',
      'run.idle.resumable',
      'checkpoint.valid.training',
      'checkpoint.valid.idle',
      'checkpoint.invalid.training',
      'checkpoint.invalid.idle',
    ];
    for (const item of menus['view/item/context'] ?? []) {
      const when = item.when ?? '';
      const equal = /viewItem == ([\w.]+)/.exec(when);
      if (equal) assert.ok(known.includes(equal[1]!), `${item.command}: unknown viewItem ${equal[1]}`);
      const regex = /viewItem =~ \/(.+)\/$/.exec(when);
      if (regex)
        assert.ok(
          known.some((k) => new RegExp(regex[1]!).test(k)),
          `${item.command}: ${regex[1]} matches no viewItem`,
        );
    }
    // A run in progress offers Stop, never Resume; an invalid checkpoint never offers Resume From Here.
    const resume = (menus['view/item/context'] ?? []).filter(
      (i) => i.command === 'trainingRuns.resume' || i.command === 'trainingRuns.resumeFromCheckpoint',
    );
    for (const item of resume) assert.doesNotMatch(/viewItem .*/.exec(item.when ?? '')?.[0] ?? '', /training|invalid/);
  });

  it('documents every setting', () => {
    const props: Record<string, { description?: string; markdownDescription?: string; default?: unknown }> =
      manifest.contributes.configuration.properties;
    for (const key of ['runsGlobs', 'nodePath', 'device', 'stopTimeoutSeconds', 'openLossCurvesOnStart']) {
      const p = props[`trainingRuns.${key}`];
      assert.ok(p, key);
      assert.ok((p.markdownDescription ?? p.description ?? '').length > 30, `${key} needs a description`);
      assert.ok('default' in p, `${key} needs a default`);
    }
  });
});
