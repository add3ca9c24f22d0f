/**
 * Seeded mutation fuzzing of every reader of workspace files: safetensors, zip, pickle, Hugging
 * Face checkpoint folders, metrics.jsonl, manifests, the listing index, YAML configs and TensorBoard
 * event files. A few seconds per reader in a child process with a 512 MB heap; any crash-class
 * error, exit, or case that runs past its time fails with the seed and case to reproduce it:
 *   FUZZ_SEED=<seed> FUZZ_TARGET=<reader> FUZZ_FROM_CASE=<case> (FUZZ_MS_PER_READER sets the time).
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { FuzzMessage } from './fuzz/fuzzChild';

const SEED = Number(process.env['FUZZ_SEED'] ?? 1);
const MS_PER_READER = Number(process.env['FUZZ_MS_PER_READER'] ?? 2000);
/** One case may take this long (a loaded CI machine included); longer is a hang. */
const CASE_TIMEOUT_MS = 60_000;
const READERS = 9;

describe('fuzzing the readers with seeded mutations', function () {
  this.timeout(READERS * (MS_PER_READER + CASE_TIMEOUT_MS) + 60_000);

  it(`no crash, hang or out-of-memory (seed ${SEED}, ${MS_PER_READER} ms per reader)`, async () => {
    const child = fork(join(__dirname, 'fuzz', 'fuzzChild.ts'), [], {
      execArgv: ['--require', require.resolve('tsx/cjs'), '--max-old-space-size=512'],
      env: { ...process.env, FUZZ_SEED: String(SEED), FUZZ_MS_PER_READER: String(MS_PER_READER) },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    const crashes: string[] = [];
    const done: string[] = [];
    let current: { target: string; index: number } | null = null;
    const reproduce = (c: { target: string; index: number }) =>
      `FUZZ_SEED=${SEED} FUZZ_TARGET='${c.target}' FUZZ_FROM_CASE=${c.index}`;
    let watchdog: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => child.kill('SIGKILL'), CASE_TIMEOUT_MS);
    };
    arm();
    child.on('message', (message: FuzzMessage) => {
      arm();
      if (message.kind === 'case') current = message;
      else if (message.kind === 'crash')
        crashes.push(
          `${message.target} case ${message.index} (${reproduce(message)}), mutated ${message.file}: ${message.error}`,
        );
      else done.push(`${message.target}: ${message.cases} cases in ${message.ms} ms`);
    });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('exit', (c, s) => resolve([c, s])),
    );
    clearTimeout(watchdog);
    console.log(`      [fuzz] ${done.join('; ')}`);
    const last = current ? ` during ${reproduce(current)}` : '';
    assert.deepEqual(crashes, [], 'crash-class errors');
    assert.equal(
      signal,
      null,
      `the fuzz child was killed (${signal}: a case ran past ${CASE_TIMEOUT_MS} ms)${last}\n${stderr}`,
    );
    assert.equal(code, 0, `the fuzz child exited ${code} (out of memory or an abort)${last}\n${stderr}`);
    assert.equal(done.length, READERS);
  });
});
