// Runs inside the extension host launched by bench/extension/activation.ts: activates a warm-up empty
// extension, then Training Runs and the empty reference extension cold, in the order the bench asks,
// and writes what it timed.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ACTIVATION_ENV, EXTENSION_IDS, type ActivationRecord, type ActivationReport } from '../activationReport';

/** Evaluating a second copy of the extension's main module (what activation costs before activate() runs). */
function timeModuleLoad(id: string): number | null {
  const extension = vscode.extensions.getExtension(id);
  if (!extension) return null;
  const main = require.resolve(path.join(extension.extensionPath, 'dist', 'extension.js'));
  delete require.cache[main];
  const t0 = performance.now();
  require(main);
  return performance.now() - t0;
}

describe('bench: extension activation', () => {
  it('activates both extensions and records how long each activate() call took', async () => {
    const out = process.env[ACTIVATION_ENV.out];
    assert.ok(out, `${ACTIVATION_ENV.out} is not set`);
    const measured =
      process.env[ACTIVATION_ENV.order] === 'reference-first'
        ? [EXTENSION_IDS.reference, EXTENSION_IDS.ours]
        : [EXTENSION_IDS.ours, EXTENSION_IDS.reference];
    const order = [EXTENSION_IDS.warmup, ...measured];
    // Let the host's own start-up work (built-in extensions activating on start-up) finish first:
    // it runs on the same thread and would land inside whichever activation it overlaps.
    await new Promise((resolve) => setTimeout(resolve, Number(process.env[ACTIVATION_ENV.settleMs] ?? 0)));
    const records: ActivationRecord[] = [];
    for (const id of order) {
      const extension = vscode.extensions.getExtension(id);
      const underDevelopment = vscode.extensions.all.filter((e) => !e.id.startsWith('vscode.')).map((e) => e.id);
      assert.ok(
        extension,
        `extension ${id} is not loaded in this host (loaded, built-ins aside: ${underDevelopment.join(', ') || 'none'})`,
      );
      const wasActive = extension.isActive;
      const t0 = performance.now();
      await extension.activate();
      const callMs = performance.now() - t0;
      records.push({ id, wasActive, callMs });
    }
    const report: ActivationReport = {
      records,
      hostUptimeMs: process.uptime() * 1000,
      loadMs: timeModuleLoad(EXTENSION_IDS.ours),
    };
    writeFileSync(out, JSON.stringify(report));
  });
});
