/**
 * Hostile JSON files of a checkpoint: a manifest of a million entries, state files nested until the
 * stack gives out, and rng_state_<rank>.pth names that claim billions of ranks.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointManager } from '../../../../src/core/checkpoint/manager';
import { listCheckpoints } from '../../../../src/core/checkpoint/list';
import { parseManifest } from '../../../../src/core/checkpoint/manifest';
import { parseTrainerState } from '../../../../src/core/checkpoint/stateSchemas';
import { validateCheckpoint } from '../../../../src/core/checkpoint/validate';
import { checkRankFiles, examineFolder } from '../../../../src/core/hf/checkpointFolder';
import { parseTrainerState as parseHfTrainerState } from '../../../../src/core/hf/trainerState';
import { READ_LIMITS } from '../../../../src/core/limits/readLimits';
import { makeContent, managerOptions } from '../checkpoint/helpers';
import { useTempDir, writeSparse } from './hostileFiles';

/** A manifest listing `entries` files (all named alike: the count is what matters here). */
function manifestText(entries: number): string {
  // Distinct names: a file listed twice is refused for that alone.
  const others = Array.from({ length: entries - 1 }, (_, i) => `{"path":"f${i}","size":1,"checksum":"x"},`).join('');
  const files = `${others}{"path":"model.safetensors","size":1,"checksum":"x"}`;
  return `{"format":"training-runs-checkpoint","version":1,"step":1,"save_counter":1,"created":"now","checksum_algorithm":"sha256","files":[${files}]}`;
}

const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('hostile checkpoint JSON files', () => {
  const dir = useTempDir('hostile-json');

  it('refuses a 1.2-million-entry manifest by its size before reading it, and a smaller one by its entry count', async () => {
    const checkpoint = join(dir(), 'checkpoint-1');
    mkdirSync(checkpoint);
    writeFileSync(join(checkpoint, 'manifest.json'), manifestText(1_200_000));
    const result = await validateCheckpoint(checkpoint);
    assert.equal(result.valid, false);
    assert.match(
      result.problems[0]!,
      new RegExp(
        `manifest\\.json: size is ${statSync(join(checkpoint, 'manifest.json')).size} bytes \\(limit ${READ_LIMITS.manifestBytes}\\)`,
      ),
    );
    const over = READ_LIMITS.manifestEntries + 1;
    assert.throws(
      () => parseManifest(manifestText(over), 'm.json'),
      new RegExp(`m\\.json: field "files" has ${over} entries \\(limit ${READ_LIMITS.manifestEntries}\\)`),
    );
    assert.equal(
      parseManifest(manifestText(READ_LIMITS.manifestEntries), 'ok.json').files.length,
      READ_LIMITS.manifestEntries,
    );
  });

  it('refuses a manifest that is a FIFO or a folder instead of blocking on it', async () => {
    const checkpoint = join(dir(), 'checkpoint-2');
    mkdirSync(join(checkpoint, 'manifest.json'), { recursive: true });
    const result = await validateCheckpoint(checkpoint);
    assert.match(result.problems[0]!, /manifest\.json: is a folder, not a regular file/);
  });

  it('refuses state files nested 100000 deep with the file and limit, never "Maximum call stack size exceeded"', () => {
    const text = `{"global_step":1,"epoch":0,"data_position":{"a":${deep(100_000)}},"rng":{},"loss":null,"best_metric_name":null,"best_metric":null,"best_checkpoint":null,"greater_is_better":false}`;
    assert.throws(
      () => parseTrainerState(text, 'trainer_state.json'),
      new RegExp(`trainer_state\\.json: JSON nesting is deeper than allowed \\(limit ${READ_LIMITS.jsonDepth}\\)`),
    );
    assert.throws(
      () => parseHfTrainerState(`{"global_step":1,"x":${deep(100_000)}}`, 'hf/trainer_state.json'),
      /hf\/trainer_state\.json: JSON nesting is deeper than allowed/,
    );
    // Brackets inside strings do not count; nesting at the limit parses.
    assert.equal(
      parseHfTrainerState(`{"global_step":1,"s":"${'['.repeat(10_000)}","x":${deep(READ_LIMITS.jsonDepth - 1)}}`, 'ok')
        .global_step,
      1,
    );
  });

  it('lists a checkpoint whose trainer state is nested too deep as invalid, naming the file', async () => {
    const manager = new CheckpointManager(dir(), managerOptions());
    await (
      await manager.save(makeContent(1))
    ).done;
    const checkpoint = join(dir(), 'checkpoints', 'checkpoint-1');
    const state = join(checkpoint, 'trainer_state.json');
    const size = statSync(state).size;
    // Same size as committed, so only parsing can tell; opening brackets alone nest deep enough.
    assert.ok(size > READ_LIMITS.jsonDepth);
    writeFileSync(state, '['.repeat(size));
    const [row] = await listCheckpoints(dir());
    assert.equal(row?.valid, false);
    assert.match(row!.problems.join('\n'), /trainer_state\.json: JSON nesting is deeper than allowed/);
  });

  it('checks rng_state_3000000000.pth at once against the rank limit, and names gaps without counting to the largest rank', async () => {
    const checkpoint = join(dir(), 'checkpoint-5');
    mkdirSync(checkpoint);
    writeFileSync(join(checkpoint, 'trainer_state.json'), JSON.stringify({ global_step: 5, log_history: [] }));
    writeSparse(join(checkpoint, 'rng_state_3000000000.pth'), 10, Buffer.from('PK'));
    const report = await examineFolder(checkpoint);
    assert.match(
      report.problems.join('\n'),
      new RegExp(`rng_state_3000000000\\.pth: rank is 3000000000 \\(limit ${READ_LIMITS.rngRanks}\\)`),
    );
    const file = (rank: number) => ({ name: `rng_state_${rank}.pth`, size: 1, mtimeMs: 0 });
    assert.deepEqual(checkRankFiles('/c', [file(0), file(2)]), [
      '/c: rng_state_1.pth missing (RNG files for ranks 0..2 expected)',
    ]);
    assert.deepEqual(checkRankFiles('/c', [file(0), file(1)]), []);
    const [sparse] = checkRankFiles('/c', [file(0), file(999_999)]);
    assert.match(
      sparse!,
      /^\/c: rng_state_1\.pth, .*rng_state_10\.pth and 999988 more missing \(RNG files for ranks 0\.\.999999 expected\)$/,
    );
  });
});
