import assert from 'node:assert/strict';
import { projectDirOf, resolveTrainerLaunch, type HostFacts } from '../../../src/extension/process/launch';

const request = {
  configPath: '/ws/proj/configs/train.yaml',
  sets: ['resume_from_checkpoint=true', 'max_steps=10'],
  device: '',
};
const settings = { nodePath: '', trainerScript: '/ext/dist/trainer.js' };
const nodeHost: HostFacts = { execPath: '/usr/bin/node', electronVersion: undefined, env: { PATH: '/bin' } };
const electronHost: HostFacts = { execPath: '/opt/code/code', electronVersion: '34.0.0', env: { PATH: '/bin' } };

describe('resolveTrainerLaunch', () => {
  it('runs the trainer with the host Node in code-server, without ELECTRON_RUN_AS_NODE', () => {
    const l = resolveTrainerLaunch(request, settings, nodeHost);
    assert.equal(l.execPath, '/usr/bin/node');
    assert.equal(l.env.ELECTRON_RUN_AS_NODE, undefined);
    assert.deepEqual(l.args, [
      'train',
      '-t',
      '/ws/proj/configs/train.yaml',
      '--set',
      'resume_from_checkpoint=true',
      '--set',
      'max_steps=10',
    ]);
    assert.equal(l.cwd, '/ws/proj');
  });

  it('runs Electron as Node in desktop VS Code', () => {
    const l = resolveTrainerLaunch(request, settings, electronHost);
    assert.equal(l.execPath, '/opt/code/code');
    assert.equal(l.env.ELECTRON_RUN_AS_NODE, '1');
  });

  it('prefers the configured Node executable and passes the device', () => {
    const l = resolveTrainerLaunch(
      { ...request, device: ' 1 ' },
      { ...settings, nodePath: '/opt/node22/bin/node' },
      { ...electronHost, env: { ELECTRON_RUN_AS_NODE: '1' } },
    );
    assert.equal(l.execPath, '/opt/node22/bin/node');
    assert.equal(l.env.ELECTRON_RUN_AS_NODE, undefined);
    assert.deepEqual(l.args.slice(-2), ['-d', '1']);
  });

  it('finds the project folder above configs/', () => {
    assert.equal(projectDirOf('/ws/proj/configs/train.yaml'), '/ws/proj');
    assert.equal(projectDirOf('/ws/other/my.yaml'), '/ws/other');
  });
});
