import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { slurmLauncher } from '../../../../src/core/config/launcherSchema';
import { renderBatchScript, sbatchDirectives, type BatchScriptSpec } from '../../../../src/core/slurm/batchScript';
import { shellQuote } from '../../../../src/core/slurm/shellQuote';

function spec(launcher: Record<string, unknown> = {}, more: Partial<BatchScriptSpec> = {}): BatchScriptSpec {
  return {
    jobName: 'my run',
    runDir: '/runs/my run',
    cwd: '/project/configs',
    launcher: slurmLauncher.parse({ type: 'slurm', ...launcher }) as BatchScriptSpec['launcher'],
    argv: ['/usr/bin/node', '/ext/dist/trainer.js', 'train', '-t', "/project/configs/it's.yaml"],
    restartArgs: ['--set', 'resume_from_checkpoint=true'],
    useSrun: false,
    ...more,
  };
}

describe('slurm: batch script', () => {
  it('asks for a signal before the end, requeue and appended output, and passes every launcher field', () => {
    const options = sbatchDirectives(
      spec({
        partition: 'gpu',
        gpus_per_node: 2,
        cpus_per_task: 8,
        mem: '16G',
        time: '2:00:00',
        account: 'lab',
        qos: 'high',
        extra_args: ['--exclusive'],
        signal_seconds_before_end: 300,
      }),
    );
    assert.deepEqual(options, [
      '--job-name=my_run',
      '--output="/runs/my run/slurm-%j.out"',
      '--open-mode=append',
      '--requeue',
      '--signal=B:USR1@300',
      '--nodes=1',
      '--ntasks-per-node=1',
      '--partition=gpu',
      '--gpus-per-node=2',
      '--cpus-per-task=8',
      '--mem=16G',
      '--time=2:00:00',
      '--account=lab',
      '--qos=high',
      '--exclusive',
    ]);
  });

  it('is valid bash that quotes the command and appends the restart arguments only on a restart', () => {
    const script = renderBatchScript(spec());
    execFileSync('bash', ['-n'], { input: script });
    assert.match(
      script,
      /^args=\(\/usr\/bin\/node \/ext\/dist\/trainer\.js train -t '\/project\/configs\/it'\\''s\.yaml'\)$/m,
    );
    assert.match(script, /^if \[ "\$restarts" -gt 0 \]; then args\+=\(--set resume_from_checkpoint=true\); fi$/m);
    assert.match(script, /^#SBATCH --signal=B:USR1@120$/m);
  });

  it('starts a multi-task trainer through srun with a torchrun rendezvous from the job', () => {
    const script = renderBatchScript(spec({ nodes: 2, ntasks_per_node: 1 }, { useSrun: true }));
    execFileSync('bash', ['-n'], { input: script });
    assert.match(script, /"srun" --kill-on-bad-exit=1 "\$\{args\[@\]\}" &/);
    assert.match(script, /PET_RDZV_ENDPOINT="\$MASTER_ADDR:\$MASTER_PORT"/);
    assert.match(script, /PET_NNODES="\$SLURM_NNODES"/);
  });

  it('quotes words for the shell', () => {
    assert.equal(shellQuote('plain/path-1.yaml'), 'plain/path-1.yaml');
    assert.equal(shellQuote('a b'), "'a b'");
    assert.equal(shellQuote("it's"), "'it'\\''s'");
    assert.equal(shellQuote('$HOME'), "'$HOME'");
  });
});

/**
 * The script's signal handling, run by bash with stand-ins for the trainer and scontrol: what it
 * does on the time-limit signal, on Stop's SIGTERM, and when the trainer ends by itself.
 */
describe('slurm: batch script signal handling (bash, stand-in trainer)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'batch-script-'));
    // The stand-in trainer records the signal it got and exits 0 like the real one after its save.
    writeFileSync(
      join(dir, 'trainer.sh'),
      `#!/bin/bash\ntrap 'echo TERM > "${dir}/got"; exit 0' TERM\necho "args: $*" > "${dir}/args"\nfor i in $(seq 1 \${SLEEP:-100}); do sleep 0.05; done\necho done > "${dir}/done"\n`,
      { mode: 0o755 },
    );
    writeFileSync(join(dir, 'scontrol'), `#!/bin/bash\necho "$*" > "${dir}/scontrol.log"\n`, { mode: 0o755 });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function runScript(
    env: Record<string, string>,
    signal?: NodeJS.Signals,
    when: 'trainer running' | 'first output' = 'trainer running',
  ): Promise<number | null> {
    const script = renderBatchScript(spec({}, { argv: [join(dir, 'trainer.sh'), 'train'], cwd: dir }));
    writeFileSync(join(dir, 'job.sh'), script);
    const child = spawn('bash', [join(dir, 'job.sh')], {
      env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, SLURM_JOB_ID: '42', ...env },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    child.stdout.resume();
    // The script's first line ("job N start K") comes before the trainer is launched.
    if (signal && when === 'first output') child.stdout.once('data', () => child.kill(signal));
    if (signal && when === 'trainer running') {
      // Once the trainer runs (it wrote its args), signal the shell as Slurm would.
      const poll = setInterval(() => {
        if (existsSync(join(dir, 'args'))) {
          clearInterval(poll);
          child.kill(signal);
        }
      }, 20);
    }
    return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  it('on the time-limit signal: the trainer gets SIGTERM, then the job requeues itself', async () => {
    assert.equal(await runScript({}, 'SIGUSR1'), 0);
    assert.equal(readFileSync(join(dir, 'got'), 'utf8').trim(), 'TERM');
    assert.equal(readFileSync(join(dir, 'scontrol.log'), 'utf8').trim(), 'requeue 42');
  });

  // A SIGTERM that reaches the stand-in before its own trap is set ends it with 143, as it would end
  // the real trainer before its handler is installed (nothing trained, nothing to save): either way
  // it must not run to its end.
  it('a time-limit signal that comes before the trainer has started still stops it and requeues the job', async () => {
    assert.ok([0, 143].includes((await runScript({}, 'SIGUSR1', 'first output')) ?? -1));
    assert.equal(existsSync(join(dir, 'done')), false, 'the trainer was stopped');
    assert.equal(readFileSync(join(dir, 'scontrol.log'), 'utf8').trim(), 'requeue 42');
  });

  it('a Stop that comes before the trainer has started still stops it, without a requeue', async () => {
    assert.ok([0, 143].includes((await runScript({}, 'SIGTERM', 'first output')) ?? -1));
    assert.equal(existsSync(join(dir, 'done')), false, 'the trainer was stopped');
    assert.equal(existsSync(join(dir, 'scontrol.log')), false);
  });

  it("on Stop's SIGTERM: the trainer gets SIGTERM and the job is not requeued", async () => {
    assert.equal(await runScript({}, 'SIGTERM'), 0);
    assert.equal(readFileSync(join(dir, 'got'), 'utf8').trim(), 'TERM');
    assert.equal(existsSync(join(dir, 'scontrol.log')), false);
  });

  it('resumes on a restart and passes the trainer exit status through', async () => {
    assert.equal(await runScript({ SLURM_RESTART_COUNT: '2', SLEEP: '1' }), 0);
    assert.equal(readFileSync(join(dir, 'args'), 'utf8').trim(), 'args: train --set resume_from_checkpoint=true');
    assert.equal(existsSync(join(dir, 'scontrol.log')), false);
  });
});
