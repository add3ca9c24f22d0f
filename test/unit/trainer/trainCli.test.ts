/**
 * `train` end to end: the real bundle (built into a temp folder, so a concurrent `npm run build`
 * is not disturbed), spawned as the extension and a terminal would.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TrainerEvent, parseTrainerEvent } from '../../../src/core/protocol/trainerEvents';
import {
  TINY_RUN,
  buildTrainer,
  cli,
  copyWasmFilesNextToBundle,
  events,
  trainerBundle as bundle,
} from '../reliability/helpers';

const work = mkdtempSync(join(tmpdir(), 'trainer-cli-'));

/** Saves every 10 steps, keeps the default 3. */
const TINY = `${TINY_RUN}save_steps: 10
`;

const run = (args: string[], onStdout?: (all: string, child: ChildProcess) => void) =>
  cli(['train', ...args], { cwd: work, onStdout });

describe('train command (spawned bundle)', function () {
  this.timeout(60000);

  before(async () => {
    await buildTrainer();
    writeFileSync(join(work, 'tiny.yaml'), TINY);
    copyWasmFilesNextToBundle();
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  for (const device of ['cpu', 'wasm']) {
    it(`-d ${device}: 8 steps, then a resume in a new process to 16, gives files bit-identical to 16 straight`, async () => {
      const common = [
        '-t',
        'tiny.yaml',
        '-d',
        device,
        '--set',
        'scheduler.type=linear_warmup',
        '--set',
        'scheduler.warmup_steps=5',
        '--set',
        'save_steps=8',
        '--set',
        'optimizer.type=adamw',
      ];
      const straight = await run([...common, '--set', `output_dir=x-${device}-straight`, '--set', 'max_steps=16']);
      assert.equal(straight.code, 0, straight.stderr);
      const first = await run([...common, '--set', `output_dir=x-${device}-resumed`, '--set', 'max_steps=8', '--json']);
      assert.equal(first.code, 0, first.stderr);
      assert.equal((events(first.stdout)[0] as Extract<TrainerEvent, { type: 'started' }>).backend.name, device);
      const second = await run([
        ...common,
        '--set',
        `output_dir=x-${device}-resumed`,
        '--set',
        'max_steps=16',
        '--set',
        'resume_from_checkpoint=true',
        '--json',
      ]);
      assert.equal(second.code, 0, second.stderr);
      assert.ok(events(second.stdout).some((e) => e.type === 'resumed' && e.step === 8));
      for (const file of ['model.safetensors', 'optimizer.safetensors', 'optimizer.json', 'scheduler.json']) {
        const a = readFileSync(join(work, `x-${device}-straight/checkpoints/checkpoint-16`, file));
        const b = readFileSync(join(work, `x-${device}-resumed/checkpoints/checkpoint-16`, file));
        assert.ok(a.equals(b), `${file} differs after resume on ${device}`);
      }
    });
  }

  it('--json: exit 0, every line a valid event from started to finished', async () => {
    const r = await run(['-t', 'tiny.yaml', '--json', '--set', 'output_dir=out-json']);
    assert.equal(r.code, 0, r.stderr);
    const evs = events(r.stdout);
    assert.equal(evs[0]!.type, 'started');
    assert.deepEqual(evs.at(-1), { ...evs.at(-1), type: 'finished', status: 'finished', step: 20 });
    assert.deepEqual(
      evs.filter((e) => e.type === 'checkpoint_saved').map((e) => (e as { step: number }).step),
      [10, 20],
    );
    assert.ok(existsSync(join(work, 'out-json/checkpoints/checkpoint-20/manifest.json')));
  });

  it('a bad config is exit 2 with one line on stderr naming file, line and field, no stack', async () => {
    writeFileSync(
      join(work, 'bad.yaml'),
      `${TINY}optimizer: { type: adam, learnin_rate: 0.1 }\n`.replace(
        /^optimizer: \{ type: adam, learning_rate: 0.01 \}\n/m,
        '',
      ),
    );
    const r = await run(['-t', 'bad.yaml', '--json']);
    assert.equal(r.code, 2);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /bad\.yaml:\d+:\d+: optimizer\.learnin_rate/);
    const failed = events(r.stdout).at(-1)!;
    assert.equal(failed.type, 'failed');
    assert.equal((failed as { kind: string }).kind, 'config');
  });

  it('bad usage (no config, bad device) is exit 2', async () => {
    const missing = await run([]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing the config/);
    const device = await run(['-t', 'tiny.yaml', '-d', 'tpu']);
    assert.equal(device.code, 2);
    assert.match(device.stderr, /-d\/--device must be a GPU index/);
  });

  it('a diverging run is exit 1 with the reason', async () => {
    const r = await run(['-t', 'tiny.yaml', '--set', 'output_dir=out-nan', '--set', 'optimizer.learning_rate=1e30']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: the loss became NaN/);
  });

  it('SIGINT finishes the step, saves a checkpoint, exits 0 with status stopped', async () => {
    let sent = false;
    const r = await run(
      [
        '-t',
        'tiny.yaml',
        '--json',
        '--set',
        'output_dir=out-sigint',
        '--set',
        'max_steps=1000000',
        '--set',
        'log_steps=1',
      ],
      (out, child) => {
        if (!sent && out.includes('"type":"step"')) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    );
    assert.equal(r.code, 0, r.stderr);
    const evs = events(r.stdout);
    const finished = evs.at(-1) as Extract<TrainerEvent, { type: 'finished' }>;
    assert.equal(finished.status, 'stopped');
    const saved = evs.filter((e) => e.type === 'checkpoint_saved') as Array<
      Extract<TrainerEvent, { type: 'checkpoint_saved' }>
    >;
    assert.equal(saved.at(-1)!.step, finished.step);
    assert.ok(readdirSync(join(work, 'out-sigint/checkpoints')).includes(`checkpoint-${finished.step}`));
    assert.equal(JSON.parse(readFileSync(join(work, 'out-sigint/run.json'), 'utf8')).status, 'stopped');
  });

  it('forked with IPC: events arrive as messages and {type:"stop"} stops it cleanly', async () => {
    const child = fork(
      bundle,
      ['train', '-t', 'tiny.yaml', '--set', 'output_dir=out-ipc', '--set', 'max_steps=1000000', '--set', 'log_steps=1'],
      { cwd: work, silent: true },
    );
    const received: TrainerEvent[] = [];
    child.on('message', (m) => {
      const parsed = parseTrainerEvent(m);
      assert.ok(parsed.ok, JSON.stringify(m));
      received.push(parsed.value);
      if (parsed.value.type === 'step' && parsed.value.step === 2) child.send({ type: 'stop' });
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0);
    assert.equal(received[0]!.type, 'started');
    const finished = received.at(-1) as Extract<TrainerEvent, { type: 'finished' }>;
    assert.equal(finished.type, 'finished');
    assert.equal(finished.status, 'stopped');
    assert.ok(received.some((e) => e.type === 'checkpoint_saved' && e.step === finished.step));
  });
});
