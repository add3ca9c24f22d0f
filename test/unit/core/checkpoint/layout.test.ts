import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkpointName,
  checkpointsDirOf,
  leftoverKind,
  ownTempName,
  replacedName,
  stepFromName,
} from '../../../../src/core/checkpoint/layout';
import { DEFAULT_CHECKPOINT_OPTIONS } from '../../../../src/core/checkpoint/types';

describe('checkpoint layout: names on disk and what cleanup may touch', () => {
  it('temporary and moved-aside names carry the program mark; only marked names are cleaned up', () => {
    assert.equal(ownTempName('save-3'), '.tmp-save-3.training-runs');
    assert.equal(replacedName('checkpoint-7'), '.replaced-checkpoint-7.training-runs');
    assert.deepEqual(leftoverKind(ownTempName('save-3')), { remove: true });
    assert.deepEqual(leftoverKind(replacedName('checkpoint-7')), { restoreAs: 'checkpoint-7' });
    // A user's own folders (no mark) and marked names of no known kind are left alone.
    for (const entry of [
      '.tmp-mine',
      '.replaced-checkpoint-7',
      'checkpoint-7',
      'notes.training-runs',
      'x.tmp-a.training-runs',
    ]) {
      assert.equal(leftoverKind(entry), null, entry);
    }
  });

  it('checkpoint-<step> names: made from a step, and the step read back only from exact names', () => {
    assert.equal(checkpointName(40), 'checkpoint-40');
    assert.equal(stepFromName('checkpoint-40'), 40);
    assert.equal(stepFromName('checkpoint-0'), 0);
    for (const name of [
      'checkpoint-',
      'checkpoint-4a',
      'xcheckpoint-4',
      'checkpoint-4 ',
      'checkpoint--4',
      'Checkpoint-4',
    ]) {
      assert.equal(stepFromName(name), null, name);
    }
  });

  it('a run folder or its checkpoints/ folder both lead to checkpoints/', () => {
    assert.equal(checkpointsDirOf(join('/runs', 'a')), join('/runs', 'a', 'checkpoints'));
    assert.equal(checkpointsDirOf(join('/runs', 'a', 'checkpoints')), join('/runs', 'a', 'checkpoints'));
  });

  it('the default checkpoint options are the ones the README documents', () => {
    const readme = readFileSync(join(__dirname, '../../../../README.md'), 'utf8');
    // Other option tables (evaluation) may document defaults that are not JSON values (`log_steps`).
    const documented: Record<string, string> = {};
    for (const [, option, value] of readme.matchAll(/^\| `(\w+)` \| [^|]+ \| `([^`]+)` \|$/gm))
      documented[option!] = value!;
    const options = [
      'save_steps',
      'save_optimizer_state',
      'save_scheduler_state',
      'restore_optimizer_state',
      'restore_scheduler_state',
      'resume_from_checkpoint',
      'save_total_limit',
      'keep_every_steps',
    ];
    assert.deepEqual(Object.keys(DEFAULT_CHECKPOINT_OPTIONS).sort(), [...options].sort());
    for (const option of options)
      assert.deepEqual(
        DEFAULT_CHECKPOINT_OPTIONS[option as keyof typeof DEFAULT_CHECKPOINT_OPTIONS],
        documented[option] === undefined ? undefined : JSON.parse(documented[option]),
        option,
      );
  });
});
