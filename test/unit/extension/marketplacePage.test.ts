// The extension's face in the Extensions view: a user's README (with the "two commands" that CI and
// reviewers rely on, screenshots that exist and ship, developer material in CONTRIBUTING.md), a
// 128x128 PNG icon, categories and keywords, and a changelog, all in the package (vsce's own file list).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..', '..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): { width: number; height: number } {
  const bytes = readFileSync(file);
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG', `${file} is a PNG`);
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** What `vsce package` puts in the .vsix (paths relative to the root), without building anything. */
async function packagedFiles(): Promise<string[]> {
  const vsce = require(path.join(root, 'node_modules/@vscode/vsce/out/api.js')) as {
    listFiles(o: { cwd: string; packageManager: number }): Promise<string[]>;
    PackageManager: { None: number };
  };
  return (await vsce.listFiles({ cwd: root, packageManager: vsce.PackageManager.None })).map((f) =>
    f.split(path.sep).join('/'),
  );
}

const readmeImages = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1] as string);
const readmeLinks = [...readme.matchAll(/(?<!!)\[[^\]]*\]\(([^)\s#]+)\)/g)]
  .map((m) => m[1] as string)
  .filter((l) => !/^\w+:/.test(l));

describe('the Extensions view page', () => {
  let files: string[];
  before(async function () {
    this.timeout(30_000);
    files = await packagedFiles();
  });

  it('has a 128x128 PNG icon that ships', () => {
    assert.match(manifest.icon, /\.png$/);
    assert.deepEqual(pngSize(path.join(root, manifest.icon)), { width: 128, height: 128 });
    assert.ok(files.includes(manifest.icon), `${manifest.icon} is in the package`);
  });

  it('is found under Machine Learning and by TensorFlow.js, Hugging Face, PyTorch and checkpoint searches', () => {
    assert.ok(manifest.categories.includes('Machine Learning'));
    for (const word of ['tensorflow', 'hugging face', 'pytorch', 'torchrun', 'checkpoints'])
      assert.ok(manifest.keywords.includes(word), `keyword ${word}`);
    assert.ok(manifest.keywords.length <= 30, 'vsce allows 30 keywords');
  });

  it('shows a user README whose screenshots exist and ship, with the developer material moved to CONTRIBUTING.md', () => {
    assert.ok(readmeImages.length >= 3, `screenshots in the README: ${readmeImages.join(', ')}`);
    for (const image of readmeImages) {
      assert.ok(!/^\w+:/.test(image), `${image} is a path in the extension`);
      assert.ok(existsSync(path.join(root, image)), `${image} exists`);
      assert.ok(files.includes(image), `${image} is in the package`);
      const { width } = pngSize(path.join(root, image));
      assert.ok(width >= 300, `${image} is ${width} px wide`);
    }
    for (const section of ['## Quick start', '## Commands', '## Settings'])
      assert.ok(readme.includes(section), section);
    for (const runs of ['TensorFlow.js', 'Hugging Face', 'torchrun'])
      assert.ok(readme.includes(runs), `the README speaks of ${runs}`);
    assert.doesNotMatch(readme, /`src\//, 'no source paths in the user README');
    assert.match(readme, /\]\(CONTRIBUTING\.md\)/);
    assert.match(readFileSync(path.join(root, 'CONTRIBUTING.md'), 'utf8'), /src\/core\/checkpoint/);
    for (const setting of Object.keys(manifest.contributes.configuration.properties))
      assert.ok(readme.includes(setting), `the README lists ${setting}`);
  });

  it('links only to files that ship, so the links work in the installed extension', () => {
    assert.ok(readmeLinks.length > 0);
    for (const link of readmeLinks) assert.ok(files.includes(link), `${link} is in the package`);
  });

  it('keeps the README\'s "two commands" that CI runs', () => {
    const section = readme.slice(readme.indexOf('## The two commands'));
    assert.ok(readme.includes('## The two commands'));
    assert.ok(section.includes('npm ci && npm run example'));
    assert.ok(section.includes('npm ci && npm test'));
  });

  it('ships a changelog with the current version', () => {
    assert.ok(files.includes('CHANGELOG.md'));
    assert.match(
      readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8'),
      new RegExp(`^## \\[${manifest.version.replace(/\./g, '\\.')}\\]`, 'm'),
    );
  });
});
