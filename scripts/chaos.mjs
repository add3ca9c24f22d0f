// `npm run chaos -- --trials N [--rollbacks R] [--many M] [--json PATH] [--seed S] [--keep]`
//
// Kill-at-any-moment test of the trainer and the checkpoint engine. One output folder; N times in a
// row: resume with `resume_from_checkpoint: true`, SIGKILL the trainer at a random moment (most kills
// aimed inside saves: when a `.tmp-` folder appears, or just after a commit during retention), then
// check what the kill left. Finally one uninterrupted resume to max_steps, whose final weights must
// equal those of a run that was never interrupted (the cpu backend is deterministic).
//
// Checked after every kill and resume (any failure is a violation, exit code 1):
//   - the resume started from the newest committed checkpoint (listCheckpoints before the launch),
//     whose checksums verify: never a partial one;
//   - progress lost (last step reached minus the newest committed step) <= 2 x save_steps:
//     save_steps since the last save plus the one save in flight (async saves block the next one);
//   - no checkpoint reported saved disappears unless retention had save_total_limit newer ones;
//   - no temporary folder left by a kill survives the next save;
//   - listing from the run's listing index gives exactly the exact listing;
//   - final model.safetensors and optimizer.safetensors equal the uninterrupted run's, byte for byte.
// Then R rollback trials: resume from the second-newest checkpoint by its path, retrain, and SIGKILL
// just after a same-name replace (when a `.replaced-` folder appears); the listing from the index
// must still equal the exact listing. Last, the many-checkpoints case: M copies of one checkpoint
// under `ulimit -n 1024`; resume=true must pick the newest and skip none.
import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { require as tsxRequire } from 'tsx/cjs/api';
import { ensureTrainerBundle } from './trainer-bundle.mjs';

const SAVE_STEPS = 5;
const SAVE_TOTAL_LIMIT = 3;

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '100' },
    rollbacks: { type: 'string', default: '10' },
    many: { type: 'string', default: '1500' },
    json: { type: 'string' },
    seed: { type: 'string', default: String(Date.now() % 100000) },
    keep: { type: 'boolean', default: false },
    bundle: { type: 'string' },
    slurm: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
if (values.help) {
  process.stdout.write(
    'Usage: npm run chaos -- [--slurm] --trials N [--rollbacks R] [--many M] [--json PATH] [--seed S] [--keep] [--bundle dist/trainer.js]\n  --slurm: requeue a Slurm job at random moments on a local test cluster (default 20 requeues)\n',
  );
  process.exit(0);
}
const trials = Number(values.trials);
const rollbacks = Number(values.rollbacks);
const many = Number(values.many);
const seed = Number(values.seed);
if (!Number.isInteger(rollbacks) || rollbacks < 0)
  fail(`--rollbacks must be a whole number, got "${values.rollbacks}"`);
if (!Number.isInteger(many) || many < 0) fail(`--many must be a whole number, got "${values.many}"`);
if (!Number.isInteger(trials) || trials < 1) fail(`--trials must be a positive integer, got "${values.trials}"`);
if (!Number.isInteger(seed)) fail(`--seed must be an integer, got "${values.seed}"`);

function fail(message) {
  process.stderr.write(`chaos: ${message}\n`);
  process.exit(2);
}

if (values.slurm) {
  const { runSlurmChaos } = await import('./chaos-slurm.mjs');
  const slurmTrials = process.argv.some((arg) => arg.startsWith('--trials')) ? trials : 20;
  process.exit(
    await runSlurmChaos({ trials: slurmTrials, seed, bundle: trainerBundle(), json: values.json, keep: values.keep }),
  );
}

// The trainer's seeded PRNG: reproducible kill plans for a given --seed.
const { Rng } = tsxRequire('../src/trainer/util/rng.ts', import.meta.url);
const rng = new Rng(seed);
const random = () => rng.next();
const randomInt = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));

/** dist/trainer.js, rebuilt when a source is newer (scripts/trainer-bundle.mjs), unless --bundle names one. */
function trainerBundle() {
  if (values.bundle) return values.bundle;
  try {
    return ensureTrainerBundle();
  } catch (error) {
    fail(error.message);
  }
}

// The checkpoint engine's own API (TypeScript, loaded through tsx) judges what the kills left.
const { listCheckpoints, validateCheckpoint } = tsxRequire('../src/core/checkpoint/index.ts', import.meta.url);
const bundle = trainerBundle();
const work = mkdtempSync(join(tmpdir(), 'chaos-'));
const maxSteps = (trials + rollbacks) * 20 + 40;
writeFileSync(
  join(work, 'chaos.yaml'),
  `name: chaos
seed: 11
max_steps: ${maxSteps}
batch_size: 8
backend: cpu
model: { type: mlp, hidden: [16], activation: relu }
data: { type: synthetic_classification, samples: 96, features: 6, classes: 3, noise: 0.2 }
optimizer: { type: adam, learning_rate: 0.01 }
scheduler: { type: cosine, warmup_steps: 10 }
save_steps: ${SAVE_STEPS}
save_total_limit: ${SAVE_TOTAL_LIMIT}
async_save: true
log_steps: 1
output_dir: chaos
`,
);
const runDir = join(work, 'chaos');
const checkpointsDir = join(runDir, 'checkpoints');

/**
 * Runs the trainer (resuming); the callbacks may kill it. Resolves with its events and exit.
 * `onTempFolder` is called when a `.tmp-` folder appears in the run's checkpoints folder.
 */
function train(outputDir, { onSpawn, onEvent, onTempFolder, resumeFrom = 'true', openFileLimit = null } = {}) {
  return new Promise((resolve, reject) => {
    const args = [
      bundle,
      'train',
      '-t',
      'chaos.yaml',
      '--json',
      '--set',
      `output_dir=${outputDir}`,
      '--set',
      `resume_from_checkpoint=${resumeFrom}`,
    ];
    const quoted = [process.execPath, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    const child = openFileLimit
      ? spawn('bash', ['-c', `ulimit -n ${openFileLimit} && exec ${quoted}`], {
          cwd: work,
          stdio: ['ignore', 'pipe', 'pipe'],
        })
      : spawn(process.execPath, args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    onSpawn?.(child);
    const events = [];
    let buffered = '';
    let stderr = '';
    let watcher = null;
    // Each temporary folder once, when it appears: the watcher also reports its rename away at
    // the commit, and the first save creates the checkpoints folder (and its temporary folder) before
    // the watcher can start, so folders already there when it starts count too.
    const seenTempFolders = new Set();
    const tempFolderAppeared = (name) => {
      if (!name || !/^\.(tmp|replaced)-checkpoint/.test(String(name)) || seenTempFolders.has(String(name))) return;
      if (!existsSync(join(work, outputDir, 'checkpoints', String(name)))) return;
      seenTempFolders.add(String(name));
      onTempFolder(child, String(name));
    };
    const startWatching = () => {
      const dir = join(work, outputDir, 'checkpoints');
      if (watcher || !onTempFolder || !existsSync(dir)) return;
      watcher = watch(dir, (_kind, name) => tempFolderAppeared(name));
      for (const name of readdirSync(dir)) tempFolderAppeared(name);
    };
    startWatching();
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        let event;
        try {
          event = JSON.parse(line);
        } catch {
          continue; // a line cut by the kill
        }
        events.push(event);
        startWatching();
        onEvent?.(event, child);
      }
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      watcher?.close();
      resolve({ code, signal, events, stderr });
    });
  });
}

/** SIGKILL; true when a save was being written at that moment (its temporary folder exists). */
let killedInsideSave = false;
function kill(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  killedInsideSave =
    existsSync(checkpointsDir) &&
    readdirSync(checkpointsDir).some((n) => n.startsWith('.tmp-checkpoint') || n.startsWith('.replaced-'));
  child.kill('SIGKILL');
}

/** Highest step written to metrics.jsonl after byte `from` (appended synchronously every step). */
function lastMetricsStep(from) {
  const file = join(runDir, 'metrics.jsonl');
  if (!existsSync(file)) return null;
  let last = null;
  for (const line of readFileSync(file).subarray(from).toString('utf8').split('\n')) {
    try {
      last = Math.max(last ?? 0, JSON.parse(line).step);
    } catch {
      // partial last line
    }
  }
  return last;
}

const metricsSize = () =>
  existsSync(join(runDir, 'metrics.jsonl')) ? statSync(join(runDir, 'metrics.jsonl')).size : 0;
const leftovers = () =>
  existsSync(checkpointsDir)
    ? readdirSync(checkpointsDir).filter((n) => n.startsWith('.tmp-') || n.startsWith('.replaced-'))
    : [];

const violations = [];
const violation = (trial, message) => {
  violations.push({ trial, message });
  process.stderr.write(`trial ${trial}: VIOLATION ${message}\n`);
};

const started = Date.now();
process.stderr.write(`chaos: ${trials} trials in ${work} (seed ${seed}); reference run of ${maxSteps} steps...\n`);
const reference = await train('reference');
if (reference.code !== 0)
  fail(`the uninterrupted reference run failed (exit ${reference.code}): ${reference.stderr.trim()}`);

const counts = {
  trials,
  resumes: 0,
  kills: 0,
  killsInsideSaves: 0,
  killsBeforeStart: 0,
  finishedBeforeKill: 0,
  checkpointsLost: 0,
  maxProgressLost: 0,
  tempFoldersSurvivingNextSave: 0,
  indexListingMismatches: 0,
};
/** Names reported by checkpoint_saved and not deleted by retention since. */
const committed = new Map();
let pendingLeftovers = [];

for (let trial = 1; trial <= trials; trial++) {
  const before = await listCheckpoints(runDir);
  const expected = before.find((c) => c.latest) ?? null;
  if (expected) {
    const verified = await validateCheckpoint(expected.path, { verifyChecksums: true });
    if (!verified.valid)
      violation(
        trial,
        `the newest committed checkpoint ${expected.name} does not verify: ${verified.problems.join('; ')}`,
      );
  }
  const metricsFrom = metricsSize();
  const stale = pendingLeftovers;
  // Kill plans: inside the k-th save (delay after its temp folder appears), right after a commit
  // (retention running), or at a random time (often while loading or resuming).
  // The first trial always kills the instant the first save's temporary folder appears.
  const mode = trial === 1 || random() < 0.6 ? 'inside-save' : random() < 0.5 ? 'after-commit' : 'random-time';
  const savesToSkip = trial === 1 ? 0 : randomInt(0, 2);
  const killDelay = trial === 1 ? 0 : randomInt(0, 20);
  let savesSeen = 0;
  let firstSaveChecked = false;
  let timer = null;
  let startStep = 0;
  killedInsideSave = false;
  const outcome = await train('chaos', {
    // From the spawn: kills land while loading tfjs, taking over the lock, resuming or training.
    onSpawn: (child) => {
      if (mode === 'random-time') timer = setTimeout(() => kill(child), randomInt(50, 900));
    },
    onTempFolder: (child) => {
      if (mode !== 'inside-save' || timer) return;
      if (savesSeen++ < savesToSkip) return;
      timer = setTimeout(() => kill(child), killDelay);
    },
    onEvent: (event, child) => {
      if (event.type === 'started') startStep = event.startStep;
      // Whatever the plan, no trial trains more than a few saves' worth (keeps max_steps ahead of the trials).
      if (event.type === 'step' && event.step >= startStep + 4 * SAVE_STEPS && !timer)
        timer = setTimeout(() => kill(child), 0);
      if (event.type === 'checkpoint_saved') {
        if (!firstSaveChecked) {
          firstSaveChecked = true;
          const survivors = stale.filter((name) => existsSync(join(checkpointsDir, name)));
          if (survivors.length > 0) {
            counts.tempFoldersSurvivingNextSave += survivors.length;
            violation(trial, `temporary folders survived the next save: ${survivors.join(', ')}`);
          }
        }
        committed.set(event.name, event.step);
        for (const name of event.deleted) committed.delete(name);
        if (mode === 'after-commit' && !timer && savesSeen++ >= savesToSkip)
          timer = setTimeout(() => kill(child), randomInt(0, 5));
      }
    },
  });
  clearTimeout(timer);

  const startedEvent = outcome.events.find((e) => e.type === 'started');
  const resumed = outcome.events.find((e) => e.type === 'resumed');
  if (outcome.signal === 'SIGKILL') counts.kills++;
  else if (outcome.code === 0) counts.finishedBeforeKill++;
  else violation(trial, `the trainer exited with ${outcome.code}: ${outcome.stderr.trim()}`);
  if (!startedEvent) counts.killsBeforeStart++;
  else {
    counts.resumes += resumed ? 1 : 0;
    if (expected && (!resumed || resumed.path !== expected.path || resumed.step !== expected.step)) {
      violation(
        trial,
        `resumed from ${resumed ? `${resumed.path} (step ${resumed.step})` : 'nothing'}, expected the newest committed ${expected.path} (step ${expected.step})`,
      );
    }
    if (!expected && (resumed || startedEvent.startStep !== 0))
      violation(trial, `no committed checkpoint, yet it started at step ${startedEvent.startStep}`);
    if (resumed && resumed.skipped.length > 0)
      violation(trial, `resume skipped checkpoints: ${JSON.stringify(resumed.skipped)}`);
  }

  pendingLeftovers = leftovers();
  if (killedInsideSave || pendingLeftovers.some((n) => n.startsWith('.tmp-checkpoint') || n.startsWith('.replaced-')))
    counts.killsInsideSaves++;
  const after = await listCheckpoints(runDir);
  const newest = after.find((c) => c.latest) ?? null;
  const reached = Math.max(lastMetricsStep(metricsFrom) ?? 0, startedEvent?.startStep ?? 0, expected?.step ?? 0);
  const lost = reached - (newest?.step ?? 0);
  counts.maxProgressLost = Math.max(counts.maxProgressLost, lost);
  if (lost > 2 * SAVE_STEPS)
    violation(
      trial,
      `progress lost ${lost} steps (reached ${reached}, newest committed ${newest?.step ?? 0}) > 2 x save_steps`,
    );
  for (const c of after.filter((c) => !c.valid))
    violation(trial, `an invalid checkpoint folder is visible: ${c.name}: ${c.problems.join('; ')}`);
  // Whatever moment the kill hit (before, during or after the index update), the listing index never
  // shows anything but what validating every folder shows.
  const indexed = await listCheckpoints(runDir, { useIndex: true });
  if (JSON.stringify(indexed) !== JSON.stringify(after)) {
    counts.indexListingMismatches++;
    violation(
      trial,
      `listing from the index differs from the exact listing: ${JSON.stringify(indexed.map((c) => c.name))} vs ${JSON.stringify(after.map((c) => c.name))}`,
    );
  }
  const validSteps = after.filter((c) => c.valid).map((c) => c.step);
  for (const [name, step] of committed) {
    if (after.some((c) => c.valid && c.name === name)) continue;
    if (validSteps.filter((s) => s > step).length >= SAVE_TOTAL_LIMIT) {
      committed.delete(name); // retention's, reported deleted or not before the kill
      continue;
    }
    counts.checkpointsLost++;
    committed.delete(name);
    violation(trial, `committed checkpoint ${name} was lost`);
  }
  if (trial % 10 === 0 || trial === trials) {
    process.stderr.write(
      `  ${trial}/${trials} trials, newest committed step ${newest?.step ?? 0}, ${counts.killsInsideSaves} kills inside saves\n`,
    );
  }
}

// Rollback trials: resume from the second-newest checkpoint, retrain, kill just after a same-name replace.
const rollbackCounts = { rollbacks, killsAfterReplace: 0, resumedElsewhere: 0, indexListingMismatches: 0 };
for (let trial = 1; trial <= rollbacks; trial++) {
  const valid = (await listCheckpoints(runDir)).filter((c) => c.valid);
  if (valid.length < 2) break;
  const target = valid[1];
  let timer = null;
  let replacedSeen = false;
  const outcome = await train('chaos', {
    resumeFrom: JSON.stringify(target.path),
    onTempFolder: (child, name) => {
      if (!name.startsWith('.replaced-') || timer) return;
      replacedSeen = true;
      timer = setTimeout(() => kill(child), randomInt(0, 3));
    },
    onEvent: (event, child) => {
      if (event.type === 'step' && event.step >= target.step + 4 * SAVE_STEPS && !timer)
        timer = setTimeout(() => kill(child), 0);
    },
  });
  clearTimeout(timer);
  if (outcome.signal === 'SIGKILL' && replacedSeen) rollbackCounts.killsAfterReplace++;
  const resumed = outcome.events.find((e) => e.type === 'resumed');
  if (outcome.events.some((e) => e.type === 'started') && resumed?.path !== target.path) {
    rollbackCounts.resumedElsewhere++;
    violation(`rollback ${trial}`, `resumed from ${resumed?.path ?? 'nothing'}, asked for ${target.path}`);
  }
  const exact = await listCheckpoints(runDir);
  const indexed = await listCheckpoints(runDir, { useIndex: true });
  if (JSON.stringify(indexed) !== JSON.stringify(exact)) {
    rollbackCounts.indexListingMismatches++;
    violation(
      `rollback ${trial}`,
      `after a kill around a same-name replace, listing from the index differs from the exact listing`,
    );
  }
  for (const c of exact.filter((c) => !c.valid))
    violation(`rollback ${trial}`, `an invalid checkpoint folder is visible: ${c.name}: ${c.problems.join('; ')}`);
}
process.stderr.write(
  `  ${rollbacks} rollback trials, ${rollbackCounts.killsAfterReplace} kills just after a same-name replace\n`,
);

// The final, uninterrupted resume to max_steps.
const final = await train('chaos');
counts.resumes += final.events.some((e) => e.type === 'resumed') ? 1 : 0;
if (final.code !== 0) violation('final', `the final resume failed (exit ${final.code}): ${final.stderr.trim()}`);
const compared = {};
for (const file of ['model.safetensors', 'optimizer.safetensors']) {
  const a = join(work, 'reference/checkpoints', `checkpoint-${maxSteps}`, file);
  const b = join(checkpointsDir, `checkpoint-${maxSteps}`, file);
  compared[file] = existsSync(a) && existsSync(b) && readFileSync(a).equals(readFileSync(b));
  if (!compared[file])
    violation('final', `checkpoint-${maxSteps}/${file} differs from the uninterrupted run's (or is missing)`);
}
if (leftovers().length > 0) violation('final', `temporary folders left at the end: ${leftovers().join(', ')}`);

// Many checkpoints under a low open-file limit: resume=true must pick the newest copy and skip none.
const manyResult = { copies: many, openFileLimit: 1024, pickedNewest: null, skipped: null, seconds: null };
if (many > 0) {
  const manyDir = join(work, 'many', 'checkpoints');
  mkdirSync(manyDir, { recursive: true });
  const source = join(checkpointsDir, `checkpoint-${maxSteps}`);
  const step = JSON.parse(readFileSync(join(source, 'manifest.json'), 'utf8')).step;
  for (let i = 1; i <= many; i++) {
    const copy = join(manyDir, `checkpoint-${i}`);
    cpSync(source, copy, { recursive: true });
    const time = new Date(Date.UTC(2026, 0, 1) + i * 1000);
    utimesSync(join(copy, 'manifest.json'), time, time);
  }
  const manyStarted = Date.now();
  const outcome = await train('many', { openFileLimit: 1024 });
  manyResult.seconds = (Date.now() - manyStarted) / 1000;
  const resumed = outcome.events.find((e) => e.type === 'resumed');
  manyResult.pickedNewest = resumed?.path === join(manyDir, `checkpoint-${many}`) && resumed?.step === step;
  manyResult.skipped = resumed?.skipped.length ?? null;
  if (outcome.code !== 0) violation('many', `the trainer exited with ${outcome.code}: ${outcome.stderr.trim()}`);
  if (!manyResult.pickedNewest || manyResult.skipped !== 0)
    violation(
      'many',
      `with ${many} checkpoints it resumed from ${resumed?.path ?? 'nothing'} skipping ${manyResult.skipped}, expected checkpoint-${many}`,
    );
}

const report = {
  ...counts,
  rollback: rollbackCounts,
  many: manyResult,
  maxProgressLostBound: 2 * SAVE_STEPS,
  saveSteps: SAVE_STEPS,
  maxSteps,
  seed,
  finalWeightsEqual: compared['model.safetensors'],
  finalOptimizerEqual: compared['optimizer.safetensors'],
  violations,
  seconds: Math.round((Date.now() - started) / 100) / 10,
};
if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(
  [
    `trials ${counts.trials}, resumes ${counts.resumes}, kills ${counts.kills} (inside saves ${counts.killsInsideSaves}, before start ${counts.killsBeforeStart}), finished before the kill ${counts.finishedBeforeKill}`,
    `checkpoints lost ${counts.checkpointsLost}, progress lost at most ${counts.maxProgressLost} steps (bound ${2 * SAVE_STEPS}), temp folders surviving the next save ${counts.tempFoldersSurvivingNextSave}, index listings differing ${counts.indexListingMismatches}`,
    `rollbacks ${rollbackCounts.rollbacks}: kills just after a same-name replace ${rollbackCounts.killsAfterReplace}, index listings differing ${rollbackCounts.indexListingMismatches}, resumed elsewhere ${rollbackCounts.resumedElsewhere}`,
    `many checkpoints: ${manyResult.copies} under ulimit -n ${manyResult.openFileLimit}: picked the newest ${manyResult.pickedNewest}, skipped ${manyResult.skipped}, ${manyResult.seconds} s`,
    `final weights equal the uninterrupted run's: ${compared['model.safetensors'] ? 'yes' : 'NO'} (optimizer state: ${compared['optimizer.safetensors'] ? 'yes' : 'NO'})`,
    `${violations.length} violations, ${report.seconds} s`,
  ].join('\n') + '\n',
);
if (values.keep) process.stderr.write(`kept ${work}\n`);
else rmSync(work, { recursive: true, force: true });
process.exit(violations.length > 0 ? 1 : 0);
