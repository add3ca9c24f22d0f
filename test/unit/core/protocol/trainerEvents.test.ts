import assert from 'node:assert/strict';
import {
  parseTrainerCommand,
  parseTrainerEvent,
  PROTOCOL_ENV,
  PROTOCOL_VERSION,
  startedProtocolMismatch,
} from '../../../../src/core/protocol/trainerEvents';
import { resolveTrainerLaunch } from '../../../../src/extension/process/launch';
import { checkLauncherProtocol } from '../../../../src/trainer/cli/trainCommand';

describe('trainer protocol', () => {
  it('accepts a well-formed step event', () => {
    const r = parseTrainerEvent({
      type: 'step',
      step: 3,
      maxSteps: 10,
      epoch: 0,
      loss: 0.5,
      lr: 0.001,
      examplesPerSec: 100,
      stepsPerSec: 2,
      etaSec: 3.5,
      time: Date.now(),
    });
    assert.equal(r.ok, true);
  });

  it('rejects an unknown type and a wrong field type, saying which field', () => {
    assert.equal(parseTrainerEvent({ type: 'nope' }).ok, false);
    const r = parseTrainerEvent({ type: 'step', step: 'three' });
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.error, /step/);
  });

  it('accepts the stop command and nothing else', () => {
    assert.equal(parseTrainerCommand({ type: 'stop' }).ok, true);
    assert.equal(parseTrainerCommand({ type: 'kill' }).ok, false);
    assert.equal(parseTrainerCommand('stop').ok, false);
  });
});

describe('protocol version', () => {
  it('a started message of this version passes; another version is named with ours', () => {
    assert.equal(startedProtocolMismatch({ type: 'started', protocol: PROTOCOL_VERSION }), null);
    assert.equal(startedProtocolMismatch({ type: 'step', protocol: 99 }), null);
    assert.match(
      startedProtocolMismatch({ type: 'started', protocol: 7 }) ?? '',
      new RegExp(`trainer speaks protocol version 7 but this extension speaks version ${PROTOCOL_VERSION}`),
    );
    assert.match(startedProtocolMismatch({ type: 'started' }) ?? '', /protocol version none/);
  });

  it('the trainer refuses a launcher of another version and accepts its own or none', () => {
    assert.doesNotThrow(() => checkLauncherProtocol(undefined));
    assert.doesNotThrow(() => checkLauncherProtocol(String(PROTOCOL_VERSION)));
    assert.throws(
      () => checkLauncherProtocol('2'),
      (e: Error) =>
        e.name === 'UsageError' &&
        new RegExp(`launcher speaks protocol version 2 but this trainer speaks version ${PROTOCOL_VERSION}`).test(
          e.message,
        ),
    );
  });

  it('the extension tells the trainer its version', () => {
    const launch = resolveTrainerLaunch(
      { configPath: '/p/configs/a.yaml', sets: [], device: '' },
      { nodePath: '', trainerScript: '/e/dist/trainer.js' },
      { execPath: '/bin/node', electronVersion: undefined, env: {} },
    );
    assert.equal(launch.env[PROTOCOL_ENV], String(PROTOCOL_VERSION));
  });
});
