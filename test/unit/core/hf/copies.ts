/** Temporary copies of fixture runs, to damage without touching the cached originals. */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

/** A copy of a whole output folder (or of one checkpoint when `only` is given). */
export function copyRun(runDir: string, only?: string): { outputDir: string; checkpoint: (name: string) => string } {
  const outputDir = mkdtempSync(join(tmpdir(), 'hf-copy-'));
  made.push(outputDir);
  if (only) cpSync(join(runDir, only), join(outputDir, only), { recursive: true, preserveTimestamps: true });
  else cpSync(runDir, outputDir, { recursive: true, preserveTimestamps: true });
  return { outputDir, checkpoint: (name) => join(outputDir, name) };
}

after(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});
