import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  NOTES_LIMITS,
  readRunNotes,
  RUN_NOTES_FILE,
  validateNotes,
  writeRunNotes,
} from '../../../../src/core/runsTable/runNotes';
import { readRunFacts, FACT_LIMITS } from '../../../../src/core/runsTable/runFacts';

describe('run notes and facts', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'run-notes-'))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('round-trips notes, tags (trimmed, deduplicated) and a display name', async () => {
    await writeRunNotes(dir, { displayName: ' lr sweep ', notes: 'line 1\nline 2', tags: ['a', ' b ', 'a'] });
    const read = await readRunNotes(dir);
    assert.equal(read.problem, null);
    assert.deepEqual(read.notes, { displayName: 'lr sweep', notes: 'line 1\nline 2', tags: ['a', 'b'] });
  });

  it('refuses notes over their bounds, naming the field', () => {
    const long = validateNotes({ notes: 'x'.repeat(NOTES_LIMITS.notesChars + 1), tags: [] });
    assert.ok(!long.ok && /notes: .*10000/.test(long.error), JSON.stringify(long));
    const comma = validateNotes({ notes: '', tags: ['a,b'] });
    assert.ok(!comma.ok && /tags\.0: .*comma/.test(comma.error));
  });

  it('reports a broken notes file with its path and the fix, and leaves it untouched', async () => {
    const file = join(dir, RUN_NOTES_FILE);
    await writeFile(file, '{"notes": 3}');
    const read = await readRunNotes(dir);
    assert.match(read.problem ?? '', new RegExp(`${RUN_NOTES_FILE}: notes: .*fix the field or delete the file`));
    assert.deepEqual(read.notes.tags, []);
    assert.equal(await readFile(file, 'utf8'), '{"notes": 3}');
  });

  it('reads the config, the last loss and eval rows from the tail of metrics.jsonl, and the folder size', async () => {
    await writeFile(
      join(dir, 'run.json'),
      JSON.stringify({ status: 'finished', config: { optimizer: { learning_rate: 0.01 } } }),
    );
    const filler = [
      JSON.stringify({ step: 0, eval_loss: 0.001 }),
      ...Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ step: i + 1, loss: 9 })),
    ].join('\n');
    const tail = [
      JSON.stringify({ step: 9001, loss: 0.5, eval_loss: 0.4 }),
      JSON.stringify({ step: 9002, eval_loss: 0.3 }),
      JSON.stringify({ step: 9003, loss: 0.25 }),
      '{"step": 9004, "lo',
    ];
    await writeFile(join(dir, 'metrics.jsonl'), `${filler}\n${tail.join('\n')}`);
    const facts = await readRunFacts(dir, null);
    assert.deepEqual(facts.config, { 'optimizer.learning_rate': 0.01 });
    assert.equal(facts.finalLoss, 0.25, 'the last complete row with a loss');
    assert.equal(facts.bestMetric?.name, 'eval_loss');
    // The first row's 0.001 lies before the tail that is read: the read is bounded.
    assert.ok(filler.length > FACT_LIMITS.metricsTailBytes);
    assert.equal(facts.bestMetric?.value, 0.3, 'the lowest eval_loss within the tail');
    assert.ok(facts.diskBytes > filler.length);
    assert.equal(facts.diskBytesPartial, false);
  });

  it('takes the best metric and its checkpoint from a Hugging Face trainer state', async () => {
    const checkpoint = join(dir, 'checkpoint-20');
    await import('node:fs/promises').then((fs) => fs.mkdir(checkpoint));
    await writeFile(
      join(checkpoint, 'trainer_state.json'),
      JSON.stringify({
        global_step: 20,
        train_batch_size: 8,
        best_metric: 0.42,
        best_model_checkpoint: '/out/checkpoint-10',
        log_history: [
          { step: 10, loss: 1.5 },
          { step: 20, loss: 1.2 },
        ],
      }),
    );
    const facts = await readRunFacts(dir, checkpoint);
    assert.deepEqual(facts.bestMetric, { name: null, value: 0.42, checkpoint: 'checkpoint-10' });
    assert.equal(facts.finalLoss, 1.2);
    assert.deepEqual(facts.config, { train_batch_size: 8 });
  });
});
