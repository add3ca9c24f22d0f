import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { findProjectConfigs, resolveConfigPath, yamlFilesIn } from '../../../../src/core/config/locate';
import { configError } from './helpers';

describe('config: locating config files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'config-locate-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const put = async (relative: string) => {
    const file = path.join(dir, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, 'max_steps: 1\n');
    return file;
  };

  describe('resolveConfigPath', () => {
    it('finds a bare name in configs/ before the project folder, with or without its extension', async () => {
      const inConfigs = await put('configs/train.yaml');
      await put('train.yaml');
      assert.equal(await resolveConfigPath('train.yaml', dir), inConfigs);
      assert.equal(await resolveConfigPath('train', dir), inConfigs);
    });

    it('tries .yaml before .yml, and the name as given before either', async () => {
      const yml = await put('configs/small.yml');
      assert.equal(await resolveConfigPath('small', dir), yml);
      const yaml = await put('configs/small.yaml');
      assert.equal(await resolveConfigPath('small', dir), yaml);
      const plain = await put('configs/small');
      assert.equal(await resolveConfigPath('small', dir), plain);
    });

    it('falls back to the project folder for a bare name', async () => {
      const inProject = await put('only-here.yml');
      assert.equal(await resolveConfigPath('only-here', dir), inProject);
    });

    it('takes a path with a folder relative to cwd only, never from configs/', async () => {
      await put('configs/sub/a.yaml');
      const direct = await put('sub/a.yaml');
      assert.equal(await resolveConfigPath('sub/a.yaml', dir), direct);
      assert.equal(await resolveConfigPath(direct, '/elsewhere'), direct);
      const error = await configError(resolveConfigPath('sub/b', dir));
      assert.equal(error.kind, 'not_found');
      assert.match(error.message, /\(looked for sub\/b, sub\/b\.yaml, sub\/b\.yml\)$/);
    });

    it('lists every place it looked, relative to cwd, and suggests the nearest project config', async () => {
      await put('configs/train.yaml');
      await put('configs/eval.yaml');
      const error = await configError(resolveConfigPath('trian.yaml', dir));
      assert.equal(error.kind, 'not_found');
      assert.equal(error.file, path.join(dir, 'trian.yaml'));
      assert.equal(error.line, null);
      assert.equal(error.field, '');
      assert.equal(error.message, 'config not found (looked for configs/trian.yaml, trian.yaml)');
      assert.equal(error.suggestion, 'did you mean "train.yaml"?');
      assert.equal(error.expected, "a YAML file path, or a file name in the project's configs/ folder");
    });

    it('lists the available configs when none is near, and suggests nothing without any', async () => {
      await put('configs/b.yaml');
      await put('configs/a.yml');
      await put('configs/notes.txt');
      const far = await configError(resolveConfigPath('completely-different', dir));
      assert.equal(far.suggestion, 'available: a.yml, b.yaml');
      await rm(path.join(dir, 'configs'), { recursive: true });
      const none = await configError(resolveConfigPath('completely-different', dir));
      assert.equal(none.suggestion, undefined);
    });

    it('refuses a folder or FIFO under a YAML name instead of reading it', async () => {
      await mkdir(path.join(dir, 'configs', 'folder.yaml'), { recursive: true });
      const folder = await configError(resolveConfigPath('folder', dir));
      assert.equal(folder.kind, 'unreadable');
      assert.equal(folder.file, path.join(dir, 'configs', 'folder.yaml'));
      assert.equal(folder.message, 'cannot read config file: not a regular file (a folder, FIFO, socket or device)');
      assert.equal(folder.expected, 'a regular YAML file');
      execFileSync('mkfifo', [path.join(dir, 'pipe.yml')]);
      assert.equal((await configError(resolveConfigPath('pipe.yml', dir))).kind, 'unreadable');
    });

    it('refuses a folder or device given as a path, whatever its name (train -t /tmp, -t /dev/null)', async () => {
      await mkdir(path.join(dir, 'sub', 'folder'), { recursive: true });
      for (const given of [path.join(dir, 'sub', 'folder'), './sub/folder', '/dev/null']) {
        const error = await configError(resolveConfigPath(given, dir));
        assert.equal(error.kind, 'unreadable', given);
        assert.equal(error.file, path.resolve(dir, given));
      }
      // A bare name is still looked up in configs/ first: a folder of that name is not the config.
      await mkdir(path.join(dir, 'plain'), { recursive: true });
      assert.equal((await configError(resolveConfigPath('plain', dir))).kind, 'not_found');
    });

    it('passes over a folder whose name has no YAML extension', async () => {
      await mkdir(path.join(dir, 'configs', 'run'), { recursive: true });
      const file = await put('configs/run.yaml');
      assert.equal(await resolveConfigPath('run', dir), file);
    });
  });

  describe('findProjectConfigs and yamlFilesIn', () => {
    it('list only .yaml and .yml files: sorted absolute paths in configs/, plain names in a folder', async () => {
      await put('configs/z.yaml');
      await put('configs/a.yml');
      await put('configs/readme.md');
      await put('configs/yaml');
      assert.deepEqual(await findProjectConfigs(dir), [
        path.join(dir, 'configs/a.yml'),
        path.join(dir, 'configs/z.yaml'),
      ]);
      assert.deepEqual((await yamlFilesIn(path.join(dir, 'configs'))).sort(), ['a.yml', 'z.yaml']);
    });

    it('are empty where the folder is missing', async () => {
      assert.deepEqual(await findProjectConfigs(dir), []);
      assert.deepEqual(await yamlFilesIn(path.join(dir, 'missing')), []);
    });
  });
});
