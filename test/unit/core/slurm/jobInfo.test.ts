import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  isFinalState,
  parseKeyValues,
  parseScontrolJob,
  parseSqueue,
  toJobState,
} from '../../../../src/core/slurm/jobInfo';
import { parseSlurmTime } from '../../../../src/core/slurm/time';

const recorded = (name: string): string => readFileSync(join(__dirname, 'fixtures', name), 'utf8');

describe('slurm: job state from recorded scontrol and squeue output', () => {
  it('reads a running job', () => {
    const info = parseScontrolJob(recorded('scontrol-running.txt'));
    assert.deepEqual(info, {
      jobId: '1',
      name: 'j.sh',
      state: 'RUNNING',
      reason: 'None',
      restarts: 0,
      runTimeSeconds: 3,
      timeLimit: '00:05:00',
      stdOut: '/tmp/i20-slurmtry/j-1.out',
      exitCode: '0:0',
      nodeList: 'vm',
    });
  });

  it('reads a requeue: completing with one restart, then pending for its begin time', () => {
    const completing = parseScontrolJob(recorded('scontrol-requeue-completing.txt'));
    assert.equal(completing.state, 'COMPLETING');
    assert.equal(completing.restarts, 1);
    const pending = parseScontrolJob(recorded('scontrol-requeued-pending.txt'));
    assert.deepEqual(
      [pending.state, pending.reason, pending.restarts, pending.nodeList],
      ['PENDING', 'BeginTime', 1, null],
    );
  });

  it('reads a cancelled job as final', () => {
    const info = parseScontrolJob(recorded('scontrol-cancelled.txt'));
    assert.equal(info.state, 'CANCELLED');
    assert.equal(isFinalState(info.state), true);
    assert.equal(isFinalState('PENDING'), false);
    assert.equal(isFinalState('REQUEUED'), false);
  });

  it('keeps values with spaces whole and takes Key=Value keys with slashes and colons', () => {
    const fields = parseKeyValues('JobId=7 JobName=my run Command=/a b/job.sh CPUs/Task=1 AllocNode:Sid=h:1 Power=');
    assert.equal(fields.get('JobName'), 'my run');
    assert.equal(fields.get('Command'), '/a b/job.sh');
    assert.equal(fields.get('CPUs/Task'), '1');
    assert.equal(fields.get('AllocNode:Sid'), 'h:1');
    assert.equal(fields.get('Power'), '');
  });

  it('reads squeue lines and every state the issue names', () => {
    assert.deepEqual(parseSqueue(recorded('squeue.txt')), [
      { jobId: '1', state: 'RUNNING', reason: 'None', name: 'j.sh' },
      { jobId: '1', state: 'PENDING', reason: 'BeginTime', name: 'j.sh' },
    ]);
    for (const state of [
      'PENDING',
      'RUNNING',
      'COMPLETING',
      'COMPLETED',
      'FAILED',
      'TIMEOUT',
      'PREEMPTED',
      'CANCELLED',
      'REQUEUED',
    ])
      assert.equal(toJobState(state), state);
    assert.equal(toJobState('CANCELLED by 0'), 'CANCELLED');
    assert.throws(() => toJobState('WAITING'), /unknown Slurm job state "WAITING"/);
    assert.throws(
      () => parseScontrolJob('slurm_load_jobs error: Invalid job id specified\n'),
      /scontrol printed no job/,
    );
  });

  it('parses Slurm time limits', () => {
    assert.equal(parseSlurmTime('30'), 1800);
    assert.equal(parseSlurmTime('1:30'), 90);
    assert.equal(parseSlurmTime('2:00:00'), 7200);
    assert.equal(parseSlurmTime('1-12'), 129600);
    assert.equal(parseSlurmTime('1-0:01'), 86460);
    assert.equal(parseSlurmTime('0-0:0:45'), 45);
    assert.equal(parseSlurmTime('UNLIMITED'), null);
    assert.equal(parseSlurmTime('2h'), undefined);
    assert.equal(parseSlurmTime('1:2:3:4'), undefined);
  });
});
