/**
 * Run folders built from the hostile files of issue 15, for the reader pool's unit tests and the
 * real host's "stays responsive" test: a Hugging Face checkpoint whose optimizer.pt is a pickle
 * bomb (slow to refuse), a trainer_state.json nested a million deep, a metrics.jsonl with a line of
 * several megabytes, a native manifest over the size limit, and a run.json that is a FIFO.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pickleOf, torchArchive } from '../unit/core/hf/zipWriter';
import { READ_LIMITS } from '../../src/core/limits/readLimits';

const EMPTY_DICT = 0x7d;

const smallTrainerState = (step: number): string =>
  JSON.stringify({
    global_step: step,
    max_steps: 100,
    log_history: [{ step, loss: 0.5, learning_rate: 1e-3 }],
    best_model_checkpoint: null,
  });

/** A Hugging Face output folder whose checkpoint-20/optimizer.pt inflates to 60 million empty dicts. */
export function writePickleBombRun(runDir: string): string {
  const checkpoint = join(runDir, 'checkpoint-20');
  mkdirSync(checkpoint, { recursive: true });
  writeFileSync(join(checkpoint, 'trainer_state.json'), smallTrainerState(20));
  writeFileSync(join(checkpoint, 'optimizer.pt'), torchArchive(pickleOf(Buffer.alloc(60_000_000, EMPTY_DICT)), true));
  return checkpoint;
}

/** A Hugging Face output folder whose trainer_state.json nests arrays a million deep. */
export function writeDeepStateRun(runDir: string): void {
  const checkpoint = join(runDir, 'checkpoint-10');
  mkdirSync(checkpoint, { recursive: true });
  const depth = 1_000_000;
  writeFileSync(
    join(checkpoint, 'trainer_state.json'),
    `{"global_step":10,"log_history":${'['.repeat(depth)}${']'.repeat(depth)}}`,
  );
}

/** A native run: metrics.jsonl with one line of 4 MB between good ones, and a manifest over the size limit. */
export function writeOversizedNativeRun(runDir: string): void {
  const checkpoint = join(runDir, 'checkpoints', 'checkpoint-100');
  mkdirSync(checkpoint, { recursive: true });
  writeFileSync(
    join(checkpoint, 'manifest.json'),
    `{"files":[${'"x",'.repeat(READ_LIMITS.manifestBytes / 4 + 1)}"x"]}`,
  );
  const line = (step: number) => JSON.stringify({ step, loss: 1 / step, lr: 1e-3 });
  writeFileSync(
    join(runDir, 'metrics.jsonl'),
    `${line(1)}\n{"step":2,"loss":"${'9'.repeat(4 * 1024 * 1024)}"}\n${line(3)}\n`,
  );
}

/**
 * A run folder whose run.json is a FIFO (a read of it would block forever). Discovery finds it by
 * its checkpoint's manifest: file searches list regular files only.
 */
export function writeFifoRecordRun(runDir: string): void {
  const checkpoint = join(runDir, 'checkpoints', 'checkpoint-5');
  mkdirSync(checkpoint, { recursive: true });
  writeFileSync(join(checkpoint, 'manifest.json'), '{}');
  execFileSync('mkfifo', [join(runDir, 'run.json')]);
}

/** An ordinary Hugging Face output folder with one checkpoint (trainer state and one-tensor weights). */
export function writeGoodHfRun(runDir: string): void {
  const checkpoint = join(runDir, 'checkpoint-10');
  mkdirSync(checkpoint, { recursive: true });
  writeFileSync(join(checkpoint, 'trainer_state.json'), smallTrainerState(10));
  const header = Buffer.from(JSON.stringify({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  writeFileSync(join(checkpoint, 'model.safetensors'), Buffer.concat([length, header, Buffer.alloc(4)]));
}
