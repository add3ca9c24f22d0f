/**
 * What the fuzz test feeds each reader: a real file written by this project's own writers (or by
 * PyTorch, when the Hugging Face fixtures were generated), and the reader calls a workspace
 * triggers for it. Each target mutates one file of a prepared folder and runs its readers.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CheckpointManager } from '../../../../../src/core/checkpoint/manager';
import { listCheckpoints } from '../../../../../src/core/checkpoint/list';
import { inspectCheckpoint } from '../../../../../src/core/checkpoint/inspect';
import {
  readSafetensors,
  readSafetensorsHeader,
  writeSafetensors,
} from '../../../../../src/core/checkpoint/safetensorsFile';
import { validateCheckpoint } from '../../../../../src/core/checkpoint/validate';
import { loadConfig } from '../../../../../src/core/config';
import { examineFolder } from '../../../../../src/core/hf/checkpointFolder';
import { inspectHfCheckpoint } from '../../../../../src/core/hf/checkpoints';
import { readPickle } from '../../../../../src/core/hf/pickle';
import { readOptimizerSummary } from '../../../../../src/core/hf/optimizerState';
import { ZipArchive } from '../../../../../src/core/hf/zipArchive';
import { emptyHistory, readAppendedMetrics, readMetricsFile } from '../../../../../src/core/metrics/metricsReader';
import { TensorBoardLogs } from '../../../../../src/core/tensorboard';
import { makeContent, managerOptions } from '../../checkpoint/helpers';
import { FIXTURES_DIR, SIMPLE_FIXTURE, TENSOR_FIXTURE } from '../../tensorboard/fixtureSpec';
import { pickleOf, torchArchive } from '../../hf/zipWriter';

export interface FuzzTarget {
  name: string;
  /** Files the mutations pick from, with their original bytes. */
  files: Array<{ path: string; original: Buffer }>;
  /** Every reader of this kind of file, over the (mutated) folder. Errors are expected; crashes are not. */
  read(): Promise<unknown>;
}

const repoRoot = resolve(__dirname, '../../../../..');

/** An optimizer.pt written by PyTorch when the Hugging Face fixtures exist, else a hand-made one of the same shape. */
function optimizerArchive(): Buffer {
  const fixtures = join(repoRoot, 'test-results', 'hf-fixtures');
  for (const hash of existsSync(fixtures) ? readdirSync(fixtures) : []) {
    const run = join(fixtures, hash, 'adamw');
    const checkpoint = existsSync(run) ? readdirSync(run).find((n) => n.startsWith('checkpoint-')) : undefined;
    if (checkpoint && existsSync(join(run, checkpoint, 'optimizer.pt')))
      return readFileSync(join(run, checkpoint, 'optimizer.pt'));
  }
  // {'state': {0: {'step': 3}}, 'param_groups': [{'lr': 0.1, 'params': [0]}]}
  const text = (s: string) => [0x8c, s.length, ...Buffer.from(s)];
  return torchArchive(
    pickleOf([
      0x7d,
      ...text('state'),
      0x7d,
      0x4b,
      0,
      0x7d,
      ...text('step'),
      0x4b,
      3,
      0x73,
      0x73,
      0x73,
      ...text('param_groups'),
      0x5d,
      0x7d,
      ...text('lr'),
      0x47,
      0x3f,
      0xb9,
      0x99,
      0x99,
      0x99,
      0x99,
      0x99,
      0x9a,
      0x73,
      ...text('params'),
      0x5d,
      0x4b,
      0,
      0x61,
      0x73,
      0x61,
      0x73,
    ]),
    true,
  );
}

function metricsText(): string {
  const lines: string[] = [];
  for (let step = 1; step <= 200; step++)
    lines.push(JSON.stringify({ step, loss: 1 / step, lr: 0.001, examples_per_sec: 900, time: 1700000000000 + step }));
  lines.splice(150, 0, JSON.stringify({ event: 'resumed', step: 100, from: 'checkpoint-100', time: 1700000000000 }));
  return `${lines.join('\n')}\n`;
}

export async function prepareTargets(root: string): Promise<FuzzTarget[]> {
  const file = (path: string) => ({ path, original: readFileSync(path) });

  const safetensorsPath = join(root, 'model.safetensors');
  await writeSafetensors(safetensorsPath, makeContent(7).weights, { format: 'pt' });

  const zipPath = join(root, 'optimizer.pt');
  writeFileSync(zipPath, optimizerArchive());
  const zip = await ZipArchive.open(zipPath);
  const pklEntry = zip.find((n) => n.endsWith('data.pkl'))!;
  const pklPath = join(root, 'data.pkl');
  writeFileSync(pklPath, await zip.read(pklEntry, 1 << 24));
  await zip.close();

  const hf = join(root, 'hf', 'checkpoint-10');
  mkdirSync(hf, { recursive: true });
  writeFileSync(
    join(hf, 'trainer_state.json'),
    JSON.stringify({
      global_step: 10,
      epoch: 1,
      log_history: [{ step: 10, loss: 0.5, learning_rate: 0.001 }],
      best_metric: null,
    }),
  );
  copyFileSync(safetensorsPath, join(hf, 'model.safetensors'));
  copyFileSync(zipPath, join(hf, 'optimizer.pt'));
  copyFileSync(zipPath, join(hf, 'rng_state_0.pth'));

  const metricsPath = join(root, 'metrics.jsonl');
  writeFileSync(metricsPath, metricsText());

  const run = join(root, 'run');
  const manager = new CheckpointManager(run, managerOptions({ save_total_limit: null }));
  for (const step of [1, 2]) await (await manager.save(makeContent(step))).done;
  const checkpoint = join(run, 'checkpoints', 'checkpoint-2');

  const configs = join(root, 'configs');
  mkdirSync(join(configs, 'configs'), { recursive: true });
  copyFileSync(join(repoRoot, 'examples', 'checkpointing', 'project.yaml'), join(configs, 'project.yaml'));
  copyFileSync(
    join(repoRoot, 'examples', 'checkpointing', 'configs', 'train.yaml'),
    join(configs, 'configs', 'train.yaml'),
  );

  // Two event files (simple_value and scalars-plugin tensors) as Hugging Face and Keras lay them out.
  const tensorboard = join(root, 'tensorboard');
  const tbFiles = [
    join(tensorboard, 'runs', 'session', SIMPLE_FIXTURE.name),
    join(tensorboard, 'validation', TENSOR_FIXTURE.name),
  ];
  for (const path of tbFiles) mkdirSync(join(path, '..'), { recursive: true });
  copyFileSync(join(FIXTURES_DIR, SIMPLE_FIXTURE.name), tbFiles[0]!);
  copyFileSync(join(FIXTURES_DIR, TENSOR_FIXTURE.name), tbFiles[1]!);

  return [
    {
      name: 'safetensors',
      files: [file(safetensorsPath)],
      read: () => settle([readSafetensorsHeader(safetensorsPath), readSafetensors(safetensorsPath)]),
    },
    {
      name: 'zip',
      files: [file(zipPath)],
      read: async () => {
        const archive = await ZipArchive.open(zipPath);
        try {
          for (const entry of archive.entries) await archive.read(entry, 1 << 20).catch(rethrowCrash);
        } finally {
          await archive.close();
        }
      },
    },
    { name: 'pickle', files: [file(pklPath)], read: async () => readPickle(readFileSync(pklPath), pklPath) },
    {
      name: 'huggingface folder',
      files: ['trainer_state.json', 'model.safetensors', 'optimizer.pt', 'rng_state_0.pth'].map((n) =>
        file(join(hf, n)),
      ),
      read: () =>
        settle([examineFolder(hf), inspectHfCheckpoint(hf), readOptimizerSummary(join(hf, 'optimizer.pt'), 0, 0)]),
    },
    {
      name: 'metrics',
      files: [file(metricsPath)],
      read: async () => {
        await readMetricsFile(metricsPath);
        const history = emptyHistory();
        history.bytesRead = 1000;
        await readAppendedMetrics(metricsPath, history);
      },
    },
    {
      name: 'manifest',
      files: [file(join(checkpoint, 'manifest.json')), file(join(checkpoint, 'trainer_state.json'))],
      read: () =>
        settle([
          validateCheckpoint(checkpoint, { verifyChecksums: true }),
          listCheckpoints(run),
          inspectCheckpoint(checkpoint, { verify: false }),
        ]),
    },
    {
      name: 'listing index',
      files: [file(join(run, 'checkpoints', '.index.json'))],
      read: () => listCheckpoints(run, { useIndex: true }),
    },
    {
      name: 'config YAML',
      files: [file(join(configs, 'configs', 'train.yaml')), file(join(configs, 'project.yaml'))],
      read: () => loadConfig(join(configs, 'configs', 'train.yaml'), { cwd: configs }),
    },
    {
      name: 'tensorboard',
      files: tbFiles.map(file),
      read: async () => {
        const logs = new TensorBoardLogs(tensorboard);
        await logs.readNew();
        await logs.readNew();
      },
    },
  ];
}

/** Errors that mean the process would have died (or nearly): the class the limits exist to prevent. */
export function isCrash(error: unknown): boolean {
  if (!(error instanceof Error)) return true;
  return (
    error instanceof RangeError &&
    /call stack|allocation failed|Invalid (typed )?array length|Array buffer|out of memory/i.test(error.message)
  );
}

function rethrowCrash(error: unknown): void {
  if (isCrash(error)) throw error;
}

/** Runs readers side by side; their ordinary errors are expected, a crash-class error is rethrown. */
async function settle(readers: Array<Promise<unknown>>): Promise<void> {
  for (const result of await Promise.allSettled(readers)) if (result.status === 'rejected') rethrowCrash(result.reason);
}
