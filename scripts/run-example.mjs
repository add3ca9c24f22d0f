// `npm run example`: trains examples/checkpointing for 500 steps, then resumes it to 800, on the
// default backend, and checks that the promised checkpoints are there (exit 1 if not).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const project = join(root, 'examples/checkpointing');
const runDir = join(project, 'runs/checkpointing');
const cli = join(root, 'scripts/cli.mjs'); // rebuilds dist/trainer.js when a source is newer

function fail(message) {
  console.error(`\nexample FAILED: ${message}`);
  process.exit(1);
}

function checkpoints() {
  const dir = join(runDir, 'checkpoints');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => /^checkpoint-\d+$/.test(n))
    .sort((a, b) => Number(a.split('-')[1]) - Number(b.split('-')[1]));
}

function train(config, expected) {
  console.log(`\n$ training-runs train -t ${config}   (in ${relative(root, project)})`);
  const started = performance.now();
  // cli.mjs runs the trainer in INIT_CWD (where `npm run` was typed): point it at the project.
  const r = spawnSync(process.execPath, [cli, 'train', '-t', config], { cwd: project, stdio: 'inherit', env: { ...process.env, INIT_CWD: project } });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) fail(`train -t ${config} exited with ${r.status ?? r.signal}`);
  const found = checkpoints();
  if (found.join() !== expected.join()) fail(`after ${config} expected ${expected.join(', ')} in ${relative(root, runDir)}/checkpoints, found ${found.join(', ') || 'none'}`);
  const run = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
  if (run.status !== 'finished') fail(`run.json says status ${run.status} after ${config}`);
  return { config, seconds, found, run };
}

if (existsSync(runDir)) {
  console.log(`removing the previous example run ${relative(root, runDir)}`);
  rmSync(runDir, { recursive: true, force: true });
}
const phases = [
  train('train.yaml', ['checkpoint-300', 'checkpoint-400', 'checkpoint-500']),
  train('resume.yaml', ['checkpoint-600', 'checkpoint-700', 'checkpoint-800']),
];
const metrics = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const last = metrics.at(-1);

console.log('\nSummary');
for (const p of phases) {
  console.log(`  ${p.config.padEnd(12)} steps ${p.run.start_step}..${p.run.step} on ${p.run.backend.name}, ${p.seconds.toFixed(1)} s, kept ${p.found.join(', ')}`);
}
console.log(`  resumed from  ${relative(root, phases[1].run.resumed_from ?? 'nothing')}`);
console.log(`  metrics.jsonl ${metrics.length} rows, steps ${metrics[0].step}..${last.step}; final loss ${last.loss.toFixed(4)}`);
console.log(`  total         ${phases.reduce((s, p) => s + p.seconds, 0).toFixed(1)} s`);
if (!phases[1].run.resumed_from?.endsWith('checkpoint-500')) fail('resume.yaml did not resume from checkpoint-500');
