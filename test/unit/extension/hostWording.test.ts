import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { TrainerEvent } from '../../../src/core/protocol/trainerEvents';
import { describeTrainFacts, extendsOf, readConfigFacts } from '../../../src/extension/commands/configFacts';
import { stopTracebackNote } from '../../../src/extension/external/externalTrainerProcess';
import type { TrainerExit } from '../../../src/extension/process/trainerProcess';
import { suggestedReplacement, tokenRange } from '../../../src/extension/ui/configDiagnosticText';
import { describeEvent, endedMessage, failureLine } from '../../../src/extension/ui/eventLines';
import { RateWindow } from '../../../src/trainer/loop/rateWindow';
import { formatEvent } from '../../../src/trainer/output/humanLog';
import { buildTrainer, copyWasmFilesNextToBundle, trainerBundle, writeTinyConfig } from '../reliability/helpers';

const saved = (
  extra: Partial<TrainerEvent & { type: 'checkpoint_saved' }> = {},
): TrainerEvent & { type: 'checkpoint_saved' } => ({
  type: 'checkpoint_saved',
  step: 80,
  path: '/r/checkpoint-80',
  name: 'checkpoint-80',
  bytes: 74_752,
  blockingMs: 3.2,
  durationMs: 12.4,
  deleted: [],
  ...extra,
});
const exit = (status: TrainerExit['status']): TrainerExit => ({
  status,
  exitCode: 0,
  signal: null,
  forcedKill: false,
  failure: null,
  message: null,
});

describe('output channel and notification wording', () => {
  it('logs a save once, in the KB convention, and without timings an external trainer cannot know', () => {
    assert.equal(describeEvent(saved()), 'saved checkpoint-80 (73 KB, 12 ms, training paused 3 ms)');
    assert.equal(describeEvent(saved({ blockingMs: 0, durationMs: 0 })), 'saved checkpoint-80 (73 KB)');
  });

  it('logs an evaluation with its metrics, accuracy only where there is one', () => {
    const evaluated = (metrics: { eval_loss: number | null; eval_accuracy?: number }): TrainerEvent => ({
      type: 'evaluated',
      step: 40,
      epoch: 1,
      metrics,
      examples: 1_250,
      durationMs: 8,
      time: 1,
    });
    assert.equal(
      describeEvent(evaluated({ eval_loss: 0.4321, eval_accuracy: 0.875 })),
      'eval at step 40 · eval_loss 0.4321 · eval_accuracy 0.875 · 1,250 examples',
    );
    assert.equal(describeEvent(evaluated({ eval_loss: 2.5 })), 'eval at step 40 · eval_loss 2.5 · 1,250 examples');
    assert.equal(
      formatEvent(evaluated({ eval_loss: null, eval_accuracy: 0.5 })),
      'eval at step 40: eval_loss not finite eval_accuracy 0.5000 (1250 examples, 8 ms)',
      'the terminal line of the trainer CLI',
    );
  });

  it("states a config error's location once", () => {
    const failed = {
      file: '/w/configs/broken.yaml',
      line: 5,
      column: 1,
      message: 'configs/broken.yaml:5:1: optimizer.learnin_rate: unknown key',
    };
    assert.equal(failureLine(failed), 'configs/broken.yaml:5:1: optimizer.learnin_rate: unknown key');
    assert.equal(failureLine({ file: '/w/data.csv', line: 3, message: 'bad number' }), '/w/data.csv:3: bad number');
  });

  it('the Stop notification names the checkpoint that was saved', () => {
    assert.equal(endedMessage('a', exit('stopped'), saved()), 'Training a: stopped; saved checkpoint-80 (step 80).');
    assert.equal(
      endedMessage('a', exit('stopped'), undefined),
      'Training a: stopped; no checkpoint was saved in this session.',
    );
    assert.equal(endedMessage('a', exit('finished'), saved()), 'Training a: finished.');
  });

  it("says that torchrun's traceback after Stop is expected", () => {
    assert.match(
      stopTracebackNote(['torchrun', '--nproc_per_node', '2', 'train.py']),
      /Expected: torchrun prints a SignalException traceback/,
    );
    assert.match(stopTracebackNote(['python3', 'train.py']), /Expected: python3 may print a traceback/);
  });
});

describe('config diagnostics text', () => {
  const yaml = 'extends: ../project.yaml\noptimizer:\n  learnin_rate: 0.1\nname: "my run"\n';
  it('covers the key or value token at the reported line and column', () => {
    assert.deepEqual(tokenRange(yaml, 3, 3), { line: 2, start: 2, end: 14 });
    assert.deepEqual(tokenRange(yaml, 4, 7), { line: 3, start: 6, end: 14 });
    assert.deepEqual(tokenRange(yaml, null, null), { line: 0, start: 0, end: 7 });
    assert.equal(tokenRange(yaml, 99, 1).line, 4);
  });

  it('turns "did you mean" into the text a quick fix writes, keeping quotes', () => {
    assert.equal(
      suggestedReplacement('optimizer.learnin_rate: unknown key; did you mean "learning_rate"?', 'learnin_rate'),
      'learning_rate',
    );
    assert.equal(
      suggestedReplacement('scheduler.type: unknown type "cosin"; did you mean "cosine"?', '"cosin"'),
      '"cosine"',
    );
    assert.equal(
      suggestedReplacement('unknown top-level key; did you mean optimizer.lr? move it under "optimizer:"', 'lr'),
      undefined,
    );
  });
});

describe('first ETA from warm steps', () => {
  it('leaves the cold first step out of the speed', () => {
    const w = new RateWindow(0);
    w.step(5000); // a 5 s first step (compilation)
    for (let i = 1; i <= 9; i++) w.step(5000 + i * 100);
    assert.equal(w.report(5900), 10);
    w.step(6000);
    assert.equal(w.report(6000), 10);
    const cold = new RateWindow(0);
    cold.step(5000);
    assert.equal(cold.report(5000), 0, 'no warm step timed yet');
  });
});

describe('trainer under IPC', function () {
  this.timeout(120_000);
  before(async () => {
    await buildTrainer();
    copyWasmFilesNextToBundle();
  });

  it('sends its events to the parent and does not print them on stdout too (the log would say everything twice)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tr-ipc-log-'));
    try {
      const config = writeTinyConfig(dir);
      const child = fork(trainerBundle, ['train', '-t', config, '-d', 'cpu'], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      let stdout = '';
      const events: TrainerEvent[] = [];
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('message', (m) => events.push(m as TrainerEvent));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      assert.equal(code, 0);
      assert.ok(events.some((e) => e.type === 'checkpoint_saved'));
      assert.ok(events.some((e) => e.type === 'step'));
      assert.doesNotMatch(stdout, /^(saved checkpoint-|step \d+\/)/m, stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Train quick pick facts', () => {
  it('shows model, optimizer, max_steps and what the config extends', async () => {
    assert.equal(
      describeTrainFacts(
        { model: { type: 'mlp' }, optimizer: { type: 'adam', learning_rate: 0.001 }, max_steps: 1500 },
        '../project.yaml',
      ),
      'mlp · adam lr 0.001 · max_steps 1,500 · extends ../project.yaml',
    );
    assert.equal(extendsOf('# c\nextends: "../project.yaml"  # base\nmax_steps: 3\n'), '../project.yaml');
    assert.equal(extendsOf('max_steps: 3\n'), null);
  });

  it("reads an example config through the trainer's loader, and says the device choice applies", async () => {
    const facts = await readConfigFacts(path.join(__dirname, '../../../examples/checkpointing/configs/train.yaml'));
    assert.equal(facts.builtIn, true);
    assert.match(facts.text, /^mlp · adam lr 0\.001 · max_steps 500 · extends /);
    const external = await readConfigFacts(path.join(__dirname, '../../../examples/distributed/configs/torchrun.yaml'));
    assert.equal(external.builtIn, false, 'no Device choice for an external command');
    assert.match(external.text, /^external: .*torch/);
  });
});
