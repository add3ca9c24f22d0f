/**
 * The GPU check: which backends work here (and the adapter), correctness of each GPU backend
 * against cpu (every model, optimizer and scheduler; checkpoints resumed across devices), then
 * throughput on the GPU with PyTorch CUDA as the reference where it exists.
 *
 *   npx tsx bench/gpu/check.ts check --out DIR [--quick] [--full] [--candidates webgpu,tensorflow-gpu]
 *                                    [--bench-backends a,b] [--models mlp_4096,mlp,char_lm,transformer]
 *                                    [--no-bench] [--no-correctness] [--python python3]
 *   (bundled by scripts/gpu/prepare.sh into .gpu-carry/app/gpu-check.js; scripts/gpu-check.sh runs it)
 *
 * Writes DIR/results.json. Exit codes: 0 all checks passed on at least one GPU backend,
 * 1 a correctness check failed, 2 bad usage, 3 no GPU backend available here (nothing on a GPU ran).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { type BackendsReport, probeBackends } from '../../src/trainer/backend/probeBackends';
import { releaseGpuGlobals } from '../../src/trainer/backend/release';
import {
  AUTO_ORDER,
  type ConcreteBackend,
  GPU_BACKENDS,
  activateBackend,
} from '../../src/trainer/backend/selectBackend';
import { correctnessCases, caseConfig, MODEL_VARIANTS } from '../../test/support/gpu/cases';
import { GPU_TOLERANCE, CPU_FAMILY_TOLERANCE, type Tolerance } from '../../test/support/gpu/compare';
import { type CaseResult, compareResume, compareRun } from '../../test/support/gpu/correctness';
import { GPU_DESCRIPTIONS, GPU_MODEL_NAMES, type GpuModelName } from './models';
import { type GpuMeasurement, measure } from './measure';
import { runChild } from '../training/spawn';

export const EXIT = { ok: 0, failed: 1, usage: 2, noGpu: 3 } as const;

interface BenchRow {
  group: 'training';
  name: GpuModelName;
  backend: string;
  value: number | null;
  unit: 'steps/s';
  reference: { name: string; value: number } | null;
  ratio: number | null;
  detail: string;
}

const log = (line: string): void => void process.stdout.write(`${line}\n`);

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(EXIT.usage);
}

function backendList(arg: string | undefined, fallback: ConcreteBackend[]): ConcreteBackend[] {
  if (!arg) return fallback;
  const names = arg.split(',').map((s) => s.trim());
  for (const n of names)
    if (!AUTO_ORDER.includes(n as ConcreteBackend))
      fail(`unknown backend "${n}"; choose from ${AUTO_ORDER.join(', ')}`);
  return names as ConcreteBackend[];
}

function modelList(arg: string | undefined): GpuModelName[] {
  if (!arg) return [...GPU_MODEL_NAMES];
  const names = arg.split(',').map((s) => s.trim());
  for (const n of names)
    if (!GPU_MODEL_NAMES.includes(n as GpuModelName))
      fail(`unknown model "${n}"; choose from ${GPU_MODEL_NAMES.join(', ')}`);
  return names as GpuModelName[];
}

async function activateOrThrow(backend: string): Promise<void> {
  const active = await activateBackend(backend as ConcreteBackend, null);
  if (!active.ok) throw new Error(`${backend}: ${active.reason}`);
}

async function guarded(
  name: string,
  kind: CaseResult['kind'],
  backends: string,
  run: () => Promise<CaseResult>,
): Promise<CaseResult> {
  try {
    return await run();
  } catch (error) {
    return {
      name,
      kind,
      backends,
      ok: false,
      steps: 0,
      maxWeightDiff: NaN,
      maxSlotDiff: NaN,
      maxLossRelDiff: NaN,
      worstRatio: NaN,
      outliers: 0,
      problems: [`threw: ${(error as Error).message.split('\n')[0]}`],
      seconds: 0,
    };
  }
}

function report(r: CaseResult): void {
  const figures = `max |dw| ${r.maxWeightDiff.toExponential(2)}, max |dslot| ${r.maxSlotDiff.toExponential(2)}, loss rel ${r.maxLossRelDiff.toExponential(2)}, worst/bound ${r.worstRatio.toFixed(3)}, outliers ${r.outliers}`;
  log(
    `  ${r.ok ? 'ok  ' : 'FAIL'} ${r.kind.padEnd(6)} ${r.backends.padEnd(22)} ${r.name.padEnd(34)} ${figures} (${r.seconds.toFixed(1)} s)${r.ok ? '' : `\n       ${r.problems.slice(0, 3).join('\n       ')}`}`,
  );
}

async function correctness(
  candidates: ConcreteBackend[],
  reference: ConcreteBackend,
  workDir: string,
  quick: boolean,
  full: boolean,
  tol: Tolerance,
): Promise<CaseResult[]> {
  const steps = quick ? 3 : 6;
  const results: CaseResult[] = [];
  for (const candidate of candidates) {
    log(
      `correctness: ${candidate} vs ${reference}, ${steps} steps, tolerance atol ${tol.atol} rtol ${tol.rtol} (losses ${tol.lossRtol})`,
    );
    for (const c of correctnessCases(join(workDir, candidate), steps, full)) {
      const r = await guarded(c.name, 'match', `${candidate} vs ${reference}`, () =>
        compareRun(c.name, c.config, steps, reference, candidate, tol, activateOrThrow),
      );
      report(r);
      results.push(r);
    }
    log(
      `cross-device resume: ${steps} steps, checkpoint, ${steps} steps on the other device, vs ${2 * steps} on ${reference}`,
    );
    for (const model of MODEL_VARIANTS) {
      for (const [from, to] of [
        [candidate, reference],
        [reference, candidate],
      ] as const) {
        const name = `${model} + adam + cosine`;
        const config = caseConfig(
          model,
          'adam',
          'cosine',
          join(workDir, candidate, `resume-${model}-${from}-to-${to}`),
          2 * steps,
        );
        const r = await guarded(name, 'resume', `${from} -> ${to}`, () =>
          compareResume(name, config, steps, steps, from, to, reference, tol, activateOrThrow),
        );
        report(r);
        results.push(r);
      }
    }
  }
  return results;
}

/** The line of a child's stderr that says what went wrong (not a stack frame). */
function errorLine(stderr: string, fallback: string): string {
  const lines = stderr
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('at '));
  return (lines.find((l) => /error/i.test(l)) ?? lines.pop() ?? fallback).slice(0, 200);
}

function lastJson<T>(stdout: string): T | null {
  const line = stdout.trim().split('\n').pop() ?? '';
  return line.startsWith('{') ? (JSON.parse(line) as T) : null;
}

/** Next to this file in the repository; under bench/gpu/ next to the bundle in the carry folder. */
function torchScript(): string {
  const here = join(__dirname, 'torch_cuda.py');
  return existsSync(here) ? here : join(__dirname, 'bench', 'gpu', 'torch_cuda.py');
}

/** Each measurement in a fresh process, so one backend's memory and kernels never affect another. */
async function bench(
  models: GpuModelName[],
  backends: ConcreteBackend[],
  quick: boolean,
  python: string,
): Promise<BenchRow[]> {
  const plan = quick ? { warmup: 1, steps: 3, maxSeconds: 5 } : { warmup: 3, steps: 30, maxSeconds: 20 };
  const rows: BenchRow[] = [];
  for (const model of models) {
    const torch = await runChild(
      python,
      [torchScript(), model, String(plan.warmup), String(plan.steps), String(plan.maxSeconds)],
      (plan.maxSeconds * 4 + 120) * 1000,
    );
    const torchResult = torch.code === 0 ? lastJson<GpuMeasurement>(torch.stdout) : null;
    const reference = torchResult ? { name: 'pytorch-cuda', value: torchResult.stepsPerSecond } : null;
    const torchWhy =
      torch.code === 3
        ? 'torch has no CUDA device'
        : `not measured: ${errorLine(torch.stderr + (torch.error?.message ?? ''), `exit ${torch.code}`)}`;
    rows.push({
      group: 'training',
      name: model,
      backend: 'pytorch-cuda',
      value: torchResult?.stepsPerSecond ?? null,
      unit: 'steps/s',
      reference: null,
      ratio: null,
      detail: torchResult?.detail ?? torchWhy,
    });
    for (const backend of backends) {
      const args = [
        ...process.execArgv,
        process.argv[1]!,
        'measure',
        '--model',
        model,
        '--backend',
        backend,
        '--warmup',
        String(plan.warmup),
        '--steps',
        String(plan.steps),
        '--max-seconds',
        String(plan.maxSeconds),
      ];
      const child = await runChild(process.execPath, args, (plan.maxSeconds * 4 + 180) * 1000);
      const m = child.code === 0 ? lastJson<GpuMeasurement>(child.stdout) : null;
      const value = m?.stepsPerSecond ?? null;
      const detail = m
        ? `${m.steps} steps in ${m.seconds.toFixed(2)} s, first step ${m.firstStepSeconds.toFixed(2)} s${m.detail ? `, ${m.detail}` : ''}`
        : `failed: ${errorLine(child.stderr + (child.error?.message ?? ''), `exit ${child.code}`)}`;
      rows.push({
        group: 'training',
        name: model,
        backend,
        value,
        unit: 'steps/s',
        reference,
        ratio: value !== null && reference ? value / reference.value : null,
        detail,
      });
    }
    for (const r of rows.filter((x) => x.name === model))
      log(
        `  ${GPU_DESCRIPTIONS[model].padEnd(36)} ${r.backend.padEnd(15)} ${r.value === null ? '       -' : r.value.toFixed(2).padStart(8)} steps/s${r.ratio === null ? '' : `  ${r.ratio.toFixed(3)}x torch`}  ${r.detail}`,
      );
  }
  return rows;
}

async function runCheck(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      quick: { type: 'boolean', default: false },
      full: { type: 'boolean', default: false },
      candidates: { type: 'string' },
      reference: { type: 'string', default: 'cpu' },
      'bench-backends': { type: 'string' },
      'no-bench': { type: 'boolean', default: false },
      'no-correctness': { type: 'boolean', default: false },
      python: { type: 'string', default: 'python3' },
      models: { type: 'string' },
    },
  });
  if (!values.out) fail('check: --out DIR is required');
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  const started = Date.now();

  const backends: BackendsReport = await probeBackends();
  log('backends:');
  for (const b of backends.backends) log(`  ${b.available ? 'yes' : 'no '} ${b.name.padEnd(15)} ${b.reason}`);
  const gpus = backends.backends.filter((b) => b.available && GPU_BACKENDS.includes(b.name)).map((b) => b.name);
  const adapter = backends.backends.find((b) => b.name === 'webgpu')?.reason ?? null;
  log(`adapter: ${adapter}`);
  const candidates = backendList(values.candidates, gpus);
  const reference = backendList(values.reference, ['cpu'])[0]!;
  const tol = candidates.every((c) => !GPU_BACKENDS.includes(c)) ? CPU_FAMILY_TOLERANCE : GPU_TOLERANCE;

  const cases =
    values['no-correctness'] || candidates.length === 0
      ? []
      : await correctness(candidates, reference, join(out, 'work'), values.quick, values.full, tol);
  // Written now too, so a run cut short during the bench still leaves the correctness results.
  writeFileSync(
    join(out, 'results.json'),
    `${JSON.stringify({ schema: 1, partial: 'correctness done, bench not finished', backends, adapter, correctness: { reference, candidates, tolerance: tol, cases } }, null, 2)}\n`,
  );
  const benchBackends = backendList(values['bench-backends'], candidates);
  if (!values['no-bench'] && benchBackends.length > 0)
    log('bench (steps/s; ratio to PyTorch CUDA on this GPU where it exists):');
  const rows =
    values['no-bench'] || benchBackends.length === 0
      ? []
      : await bench(modelList(values.models), benchBackends, values.quick, values.python);

  const failed = cases.filter((c) => !c.ok);
  const code = failed.length > 0 ? EXIT.failed : gpus.length === 0 ? EXIT.noGpu : EXIT.ok;
  const summary =
    code === EXIT.noGpu
      ? `no GPU backend available here (${backends.backends
          .filter((b) => GPU_BACKENDS.includes(b.name))
          .map((b) => `${b.name}: ${b.reason}`)
          .join('; ')})`
      : `${cases.length - failed.length}/${cases.length} correctness checks passed${failed.length ? `; failed: ${failed.map((f) => `${f.kind} ${f.backends} ${f.name}`).join(', ')}` : ''}`;
  const results = {
    schema: 1,
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      tfjs: tf.version.tfjs,
      date: new Date(started).toISOString(),
      quick: values.quick,
    },
    backends,
    adapter,
    correctness: { reference, candidates, tolerance: tol, cases },
    bench: rows,
    exitCode: code,
    summary,
    seconds: (Date.now() - started) / 1000,
  };
  writeFileSync(join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  log(`${summary}\nresults: ${join(out, 'results.json')} (exit ${code})`);
  return code;
}

async function runMeasure(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      backend: { type: 'string' },
      warmup: { type: 'string', default: '2' },
      steps: { type: 'string', default: '10' },
      'max-seconds': { type: 'string', default: '20' },
    },
  });
  const model = values.model as GpuModelName;
  if (!GPU_MODEL_NAMES.includes(model)) fail(`measure: --model must be one of ${GPU_MODEL_NAMES.join(', ')}`);
  const [backend] = backendList(values.backend, ['webgpu']);
  const m = await measure(model, backend!, {
    warmup: Number(values.warmup),
    steps: Number(values.steps),
    maxSeconds: Number(values['max-seconds']),
  });
  log(JSON.stringify(m));
  return 0;
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'check') return runCheck(rest);
  if (command === 'measure') return runMeasure(rest);
  return fail(
    'usage: check --out DIR [--quick] [--full] [--candidates a,b] [--no-bench] [--no-correctness] | measure --model M --backend B',
  );
}

main().then(
  (code) => {
    releaseGpuGlobals();
    // Dawn and tfjs may hold handles; the results are written, so leave now.
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(EXIT.failed);
  },
);
