/**
 * The fuzz loop, run in a child process with a memory limit so that a crash, an abort or running
 * out of memory fails the test instead of the test runner. For each target it mutates its files
 * (case seed = FUZZ_SEED and the case number) for FUZZ_MS_PER_READER milliseconds, runs the
 * readers, and tells the parent about each case before it starts (so a hang names its case).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mutate, seededRandom } from './mutate';
import { isCrash, prepareTargets } from './targets';

export type FuzzMessage =
  | { kind: 'case'; target: string; index: number }
  | { kind: 'crash'; target: string; index: number; file: string; error: string }
  | { kind: 'done'; target: string; cases: number; ms: number };

const send = (message: FuzzMessage) => new Promise<void>((done) => process.send!(message, () => done()));

export function caseSeed(seed: number, target: string, index: number): number {
  let h = seed >>> 0;
  for (const c of `${target}#${index}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

async function main(): Promise<void> {
  const seed = Number(process.env['FUZZ_SEED'] ?? 1);
  const budgetMs = Number(process.env['FUZZ_MS_PER_READER'] ?? 2000);
  const only = process.env['FUZZ_TARGET'];
  const firstCase = Number(process.env['FUZZ_FROM_CASE'] ?? 0);
  const root = mkdtempSync(join(tmpdir(), 'fuzz-'));
  try {
    for (const target of await prepareTargets(root)) {
      if (only && target.name !== only) continue;
      const started = Date.now();
      let index = firstCase;
      for (; Date.now() - started < budgetMs; index++) {
        const random = seededRandom(caseSeed(seed, target.name, index));
        const victim = target.files[Math.floor(random() * target.files.length)]!;
        for (const f of target.files) writeFileSync(f.path, f === victim ? mutate(f.original, random) : f.original);
        await send({ kind: 'case', target: target.name, index });
        try {
          await target.read();
        } catch (error) {
          if (isCrash(error))
            await send({
              kind: 'crash',
              target: target.name,
              index,
              file: victim.path,
              error: String((error as Error)?.stack ?? error),
            });
        }
      }
      for (const f of target.files) writeFileSync(f.path, f.original);
      await send({ kind: 'done', target: target.name, cases: index - firstCase, ms: Date.now() - started });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.send)
  void main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`fuzz child failed: ${String((error as Error)?.stack ?? error)}\n`);
      process.exit(3);
    },
  );
