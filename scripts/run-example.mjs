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

/** The newest checkpoints, with the best by eval_loss in place of the oldest of them when retention kept it beside them. */
function expectedKept(newest) {
  const state = JSON.parse(readFileSync(join(runDir, 'checkpoints', newest.at(-1), 'trainer_state.json'), 'utf8'));
  const best = state.best_checkpoint;
  return best && !newest.includes(best) ? [best, ...newest.slice(1)] : newest;
}

function train(config, newest) {
  console.log(`\n$ training-runs train -t ${config}   (in ${relative(root, project)})`);
  const started = performance.now();
  // cli.mjs runs the trainer in INIT_CWD (where `npm run` was typed): point it at the project.
  const r = spawnSync(process.execPath, [cli, 'train', '-t', config], {
    cwd: project,
    stdio: 'inherit',
    env: { ...process.env, INIT_CWD: project },
  });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) fail(`train -t ${config} exited with ${r.status ?? r.signal}`);
  const found = checkpoints();
  const expected = found.length > 0 ? expectedKept(newest) : newest;
  if (found.join() !== expected.join())
    fail(
      `after ${config} expected ${expected.join(', ')} in ${relative(root, runDir)}/checkpoints, found ${found.join(', ') || 'none'}`,
    );
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
const metrics = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));
// Evaluation rows (eval_loss, no loss) sit beside the training rows.
const trainingRows = metrics.filter((r) => 'loss' in r);
const evalRows = metrics.filter((r) => 'eval_loss' in r);
const last = trainingRows.at(-1);
const lastEval = evalRows.at(-1);
const finalState = JSON.parse(
  readFileSync(join(runDir, 'checkpoints', 'checkpoint-800', 'trainer_state.json'), 'utf8'),
);

console.log('\nSummary');
for (const p of phases) {
  console.log(
    `  ${p.config.padEnd(12)} steps ${p.run.start_step}..${p.run.step} on ${p.run.backend.name}, ${p.seconds.toFixed(1)} s, kept ${p.found.join(', ')}`,
  );
}
console.log(`  resumed from  ${relative(root, phases[1].run.resumed_from ?? 'nothing')}`);
console.log(
  `  metrics.jsonl ${metrics.length} rows, steps ${metrics[0].step}..${last.step}; final loss ${last.loss.toFixed(4)}`,
);
if (lastEval) {
  const evalSeconds = evalRows.reduce((sum, r) => sum + r.eval_runtime, 0);
  console.log(
    `  evaluation    ${evalRows.length} times on ${lastEval.eval_examples} held-out examples, ${evalSeconds.toFixed(1)} s in all; final eval_loss ${lastEval.eval_loss.toFixed(4)}, eval_accuracy ${lastEval.eval_accuracy.toFixed(3)}`,
  );
  console.log(
    `  best          ${finalState.best_checkpoint} (${finalState.best_metric_name} ${finalState.best_metric.toFixed(4)})`,
  );
}
console.log(`  total         ${phases.reduce((s, p) => s + p.seconds, 0).toFixed(1)} s`);
if (!phases[1].run.resumed_from?.endsWith('checkpoint-500')) fail('resume.yaml did not resume from checkpoint-500');
