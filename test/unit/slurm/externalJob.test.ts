/** The batch job of an external-trainer config (no cluster needed): srun for several tasks, resume_args on restarts. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadExternalTrainerConfig } from '../../../src/extension/external/externalConfig';
import { externalJobSpec } from '../../../src/extension/slurm/externalJob';

describe('external trainer as a Slurm job', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'external-job-'));
    mkdirSync(join(dir, 'configs'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function spec(launcher: string) {
    const file = join(dir, 'configs', 'ext.yaml');
    writeFileSync(
      file,
      `external_trainer:\n  command: [python3, train.py, --output_dir, "{output_dir}"]\n  output_dir: out dir\n  resume_args: [--resume_from_checkpoint, "{checkpoint}", "--tag={checkpoint}.x"]\nlauncher: ${launcher}\n`,
    );
    const plan = await loadExternalTrainerConfig(file);
    assert.equal(plan.launcher.type, 'slurm');
    return externalJobSpec(plan, plan.launcher as Extract<typeof plan.launcher, { type: 'slurm' }>);
  }

  it('runs the command through srun only with more than one task', async () => {
    assert.equal((await spec('{ type: slurm }')).useSrun, false);
    assert.equal((await spec('{ type: slurm, ntasks_per_node: 2 }')).useSrun, true);
    assert.equal((await spec('{ type: slurm, nodes: 2 }')).useSrun, true);
  });

  it('appends resume_args on a restart with the newest checkpoint folder then present, each as one word', async () => {
    const s = await spec('{ type: slurm }');
    assert.deepEqual(s.argv, ['python3', 'train.py', '--output_dir', join(dir, 'out dir')]);
    for (const step of [5, 10, 40]) mkdirSync(join(dir, 'out dir', `checkpoint-${step}`), { recursive: true });
    // The words as the batch script's shell reads them.
    const words = execFileSync('bash', ['-c', `args=(${s.restartArgs.join(' ')}); printf '%s\\n' "\${args[@]}"`], {
      encoding: 'utf8',
    })
      .trimEnd()
      .split('\n');
    const newest = join(dir, 'out dir', 'checkpoint-40');
    assert.deepEqual(words, ['--resume_from_checkpoint', newest, `--tag=${newest}.x`]);
  });

  it('rejects a launcher error in an external config with its field', async () => {
    await assert.rejects(
      spec('{ type: slurm, time: "2h" }'),
      (e: Error & { field?: string }) => e.field === 'launcher.time',
    );
  });
});
