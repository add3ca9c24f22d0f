import assert from 'node:assert/strict';
import { encodeContent } from '../../../../src/core/checkpoint/contents';
import { CheckpointError } from '../../../../src/core/checkpoint/errors';
import { decodeSafetensors } from '../../../../src/core/checkpoint/safetensors';
import { makeContent } from './helpers';

const bytes = (chunks: Uint8Array[]): Buffer => Buffer.concat(chunks);
const ALL = { saveOptimizer: true, saveScheduler: true };

describe('encodeContent: the files a save writes', () => {
  it('writes model, optimizer tensors and state, scheduler, trainer state and metadata, JSON as indented text with a newline', () => {
    const content = makeContent(7);
    const files = encodeContent(content, ALL);
    assert.deepEqual(
      files.map((f) => f.name),
      [
        'model.safetensors',
        'optimizer.safetensors',
        'optimizer.json',
        'scheduler.json',
        'trainer_state.json',
        'metadata.json',
      ],
    );
    const byName = Object.fromEntries(files.map((f) => [f.name, bytes(f.chunks)]));
    assert.equal(byName['optimizer.json']!.toString('utf8'), JSON.stringify(content.optimizer!.state, null, 2) + '\n');
    assert.equal(byName['scheduler.json']!.toString('utf8'), JSON.stringify(content.scheduler, null, 2) + '\n');
    assert.equal(byName['trainer_state.json']!.toString('utf8'), JSON.stringify(content.trainerState, null, 2) + '\n');
    assert.equal(byName['metadata.json']!.toString('utf8'), JSON.stringify({ run: 'test' }, null, 2) + '\n');
    const model = decodeSafetensors(byName['model.safetensors']!, 'model.safetensors');
    assert.deepEqual(Object.keys(model.tensors).sort(), ['counter', 'dense/bias', 'dense/kernel']);
    assert.deepEqual(model.metadata, { step: '7' });
    const optimizer = decodeSafetensors(byName['optimizer.safetensors']!, 'optimizer.safetensors');
    assert.deepEqual(Object.keys(optimizer.tensors).sort(), [
      'dense/bias/m',
      'dense/bias/v',
      'dense/kernel/m',
      'dense/kernel/v',
    ]);
    assert.deepEqual(optimizer.metadata, { step: '7' });
  });

  it('leaves out optimizer and scheduler files when told to or when there are none, and metadata when there is none', () => {
    const names = (content: ReturnType<typeof makeContent>, options = ALL) =>
      encodeContent(content, options).map((f) => f.name);
    assert.deepEqual(names(makeContent(1), { saveOptimizer: false, saveScheduler: true }), [
      'model.safetensors',
      'scheduler.json',
      'trainer_state.json',
      'metadata.json',
    ]);
    assert.deepEqual(names(makeContent(1), { saveOptimizer: true, saveScheduler: false }), [
      'model.safetensors',
      'optimizer.safetensors',
      'optimizer.json',
      'trainer_state.json',
      'metadata.json',
    ]);
    const bare = makeContent(1);
    delete bare.optimizer;
    delete bare.scheduler;
    delete bare.metadata;
    assert.deepEqual(names(bare), ['model.safetensors', 'trainer_state.json']);
  });

  it('refuses (exit 1) a content a resume would refuse, naming the checkpoint and the problems', () => {
    const content = makeContent(7);
    content.trainerState.global_step = 8;
    content.scheduler!.step = -1;
    const expected =
      "refusing to save checkpoint-7: trainer_state.json: global_step 8 disagrees with the checkpoint's step 7; scheduler.json: step -1 is not a whole number between 0 and 2^53 (JSON cannot hold it exactly)";
    assert.throws(
      () => encodeContent(content, ALL),
      (e: unknown) => e instanceof CheckpointError && e.exitCode === 1 && e.message === expected,
    );
    assert.throws(() => encodeContent(content, ALL, 'checkpoint-best'), {
      message: /^refusing to save checkpoint-best: /,
    });
  });

  it('refuses an optimizer tensor that no slot of the optimizer state names', () => {
    const content = makeContent(3);
    content.optimizer!.tensors['stray'] = { dtype: 'float32', shape: [1], data: Float32Array.from([1]) };
    assert.throws(() => encodeContent(content, ALL), {
      message: 'optimizer tensor "stray" is not listed in optimizer state slots',
    });
    // Not saving the optimizer does not look at it.
    assert.equal(encodeContent(content, { saveOptimizer: false, saveScheduler: true }).length, 4);
  });
});
