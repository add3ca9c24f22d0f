import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BUNDLES, ensureDist, staleBundles } from '../../../bench/distBuild';

function touch(root: string, file: string, secondsAgo: number): void {
  const path = join(root, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, '');
  const when = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(path, when, when);
}

describe('bench dist/ freshness', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'bench-dist-'));
    touch(root, 'package.json', 100);
    for (const dir of ['src/extension', 'src/core', 'src/trainer', 'webview/src']) touch(root, `${dir}/a.ts`, 100);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('finds every bundle missing, then none once all are newer than their sources', () => {
    assert.deepEqual(staleBundles(root), Object.keys(BUNDLES));
    for (const bundle of Object.keys(BUNDLES)) touch(root, bundle, 10);
    assert.deepEqual(staleBundles(root), []);
    assert.equal(ensureDist(root, false), null);
  });

  it('finds the bundle whose sources changed after it was built', () => {
    for (const bundle of Object.keys(BUNDLES)) touch(root, bundle, 10);
    touch(root, 'src/trainer/deep/b.ts', 1);
    assert.deepEqual(staleBundles(root), ['dist/trainer.js']);
    assert.match(ensureDist(root, false) ?? '', /dist\/trainer\.js .*--no-build/);
  });
});
