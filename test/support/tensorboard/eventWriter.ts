/**
 * Writes TensorBoard event files for tests with TensorBoard's own .proto files compiled by protoc
 * for Debian's python3-protobuf (write_events.py beside this file). Installs protobuf-compiler and
 * python3-protobuf with apt-get when missing (as root); `tensorboardWriter()` returns a reason to
 * skip instead when that cannot be done.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// Bundled into an integration suite, __dirname is the bundle's: the runner names the clone instead.
const repoRoot = process.env['TRAINING_RUNS_REPO_ROOT'] ?? resolve(__dirname, '../../..');
const protoRoot = join(repoRoot, 'src', 'core', 'tensorboard', 'proto');
const script = join(repoRoot, 'test', 'support', 'tensorboard', 'write_events.py');
/** Debian's python, where python3-protobuf installs (a pyenv python first on PATH lacks it). */
const python = process.env['TB_PYTHON'] ?? '/usr/bin/python3';

export interface EventSpec {
  step: number;
  wall_time: number;
  /** Written as simple_value (PyTorch's SummaryWriter, Hugging Face's Trainer). */
  simple?: Record<string, number>;
  /** Written as rank-0 tensors with the `scalars` plugin (tf.summary.scalar in TF 2). */
  tensor?: Record<string, number>;
  dtype?: 'float' | 'double' | 'float_content';
  /** The tensor values' plugin name (default 'scalars'; '' writes no metadata, as TensorBoard after a tag's first value). */
  plugin?: string;
}

export interface TensorBoardWriter {
  /** Writes (or appends) events, framed as TensorBoard frames them. */
  write(path: string, events: EventSpec[], options?: { append?: boolean; startTime?: number }): void;
}

const canImportProtobuf = (): boolean =>
  spawnSync(python, ['-c', 'import google.protobuf'], { stdio: 'ignore' }).status === 0;
const onPath = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

function ensureInstalled(): string | null {
  if (onPath('protoc') && canImportProtobuf()) return null;
  if (process.getuid?.() !== 0) return 'protoc or python3-protobuf is not installed and installing them needs root';
  if (!onPath('apt-get')) return 'protoc or python3-protobuf is not installed and there is no apt-get to install them';
  try {
    execFileSync(
      'apt-get',
      [
        '-o',
        'DPkg::Lock::Timeout=600',
        'install',
        '-y',
        '--no-install-recommends',
        'protobuf-compiler',
        'python3-protobuf',
      ],
      {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        stdio: 'pipe',
        timeout: 900_000,
      },
    );
  } catch (error) {
    return `installing protobuf-compiler and python3-protobuf with apt-get failed: ${String(
      (error as { stderr?: Buffer }).stderr ?? error,
    )
      .trim()
      .split('\n')
      .pop()}`;
  }
  return canImportProtobuf() ? null : `${python} cannot import google.protobuf after installing python3-protobuf`;
}

let cached: TensorBoardWriter | string | undefined;

/** The writer, or why there is none (the caller skips with it). */
export function tensorboardWriter(): TensorBoardWriter | string {
  cached ??= makeWriter();
  return cached;
}

function makeWriter(): TensorBoardWriter | string {
  const missing = ensureInstalled();
  if (missing) return missing;
  const out = join(tmpdir(), `tb-protos-${process.pid}`);
  mkdirSync(out, { recursive: true });
  const protoDir = join(protoRoot, 'tensorboard', 'compat', 'proto');
  const protos = readdirSync(protoDir)
    .filter((f) => f.endsWith('.proto'))
    .map((f) => join('tensorboard', 'compat', 'proto', f));
  const compiled = spawnSync('protoc', [`-I${protoRoot}`, `--python_out=${out}`, ...protos], { encoding: 'utf8' });
  if (compiled.status !== 0) return `protoc could not compile TensorBoard's .proto files: ${compiled.stderr.trim()}`;
  // Python 3 finds the generated packages without __init__.py (namespace packages).
  if (!existsSync(join(out, 'tensorboard', 'compat', 'proto', 'event_pb2.py'))) return 'protoc wrote no event_pb2.py';
  return {
    write(path, events, options = {}) {
      const spec = {
        path,
        events,
        append: options.append ?? false,
        start_time: options.startTime ?? events[0]?.wall_time ?? 0,
      };
      const r = spawnSync(python, [script, out], { input: JSON.stringify(spec), encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`write_events.py failed (${r.status}): ${r.stderr}`);
    },
  };
}
