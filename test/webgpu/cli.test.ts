/**
 * The command line on the machine's real WebGPU adapter: where that adapter is a software one (CI's
 * lavapipe), auto and -d N pass it over, -d webgpu:0 uses it with a warning, and what Dawn and
 * the Vulkan driver print never reaches stderr (one line on failure, parseable --json) but shows
 * once, labelled, in the run's log.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendsReportSchema } from '../../src/core/protocol/backendsReport';
import {
  assertOneLine,
  buildTrainer,
  cli,
  copyWasmFilesNextToBundle,
  events,
  eventsOf,
  writeTinyConfig,
} from '../unit/reliability/helpers';
import { requireWebgpuAdapter } from './adapter';

describe('command line on the real WebGPU adapter', function () {
  requireWebgpuAdapter();
  const dir = mkdtempSync(join(tmpdir(), 'webgpu-cli-'));
  let software = false;
  before(async function () {
    await buildTrainer();
    copyWasmFilesNextToBundle();
    writeTinyConfig(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  // The bundle sits in a temp folder: it finds Dawn and koffi through the repository's node_modules.
  const env = { TRAINING_RUNS_MODULE_PATHS: join(__dirname, '../..') };
  const train = (device: string[], out: string, json = true) =>
    cli(
      [
        'train',
        '-t',
        'tiny.yaml',
        ...device,
        '--set',
        'max_steps=4',
        '--set',
        'backend=auto',
        '--set',
        `output_dir=${out}`,
        ...(json ? ['--json'] : []),
      ],
      { cwd: dir, env },
    );

  it('backends --json is parseable with nothing on stderr, and names a software adapter as such', async () => {
    const r = await cli(['backends', '--json'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', 'no native output on stderr');
    const report = backendsReportSchema.parse(JSON.parse(r.stdout));
    const webgpu = report.backends.find((b) => b.name === 'webgpu')!;
    assert.equal(webgpu.available, true, webgpu.reason);
    software = webgpu.software === true;
    if (software) {
      assert.match(webgpu.reason, /^software \(CPU\) adapter: WebGPU through Dawn on .*auto passes it over/);
      assert.notEqual(report.auto, 'webgpu');
    }
  });

  it('auto passes a software adapter over for the CPU backends, and says why', async function () {
    if (!software) this.skip();
    const r = await train([], join(dir, 'auto'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const started = eventsOf(r.stdout, 'started')[0]!;
    assert.notEqual(started.backend.name, 'webgpu');
    assert.match(
      started.backend.reason,
      /webgpu passed over the software \(CPU\) adapter .*use -d webgpu to train on it anyway/,
    );
    assert.equal(eventsOf(r.stdout, 'warning').length, 0, 'nothing loaded on the adapter, nothing to warn about');
  });

  it('-d webgpu:0 picks it; the software warning and the native output each appear once in the log; stderr stays empty', async () => {
    const r = await train(['-d', 'webgpu:0'], join(dir, 'explicit'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', 'native output must not reach stderr');
    const all = events(r.stdout); // every line parses
    const started = all.find((e) => e.type === 'started');
    assert.equal(started?.type === 'started' && started.backend.name, 'webgpu');
    const warnings = eventsOf(r.stdout, 'warning');
    if (software)
      assert.equal(
        warnings.filter((w) => w.code === 'software_adapter' && /runs on a software \(CPU\) adapter/.test(w.message))
          .length,
        1,
      );
    const native = warnings.filter((w) => w.code === 'native_output');
    assert.ok(native.length <= 1, 'at most once');
    if (native.length)
      assert.match(native[0]!.message, /^native output while loading WebGPU \(Dawn, Vulkan driver\): /);
    assert.equal(eventsOf(r.stdout, 'finished')[0]?.step, 4);
  });

  it('the readable log shows the same, labelled, once', async () => {
    const r = await train(['-d', 'webgpu'], join(dir, 'human'), false);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.ok(
      r.stdout.split('\n').filter((l) => l.startsWith('warning: native output while loading WebGPU')).length <= 1,
    );
    if (software)
      assert.equal(
        r.stdout.split('\n').filter((l) => l.startsWith('warning: WebGPU runs on a software (CPU) adapter')).length,
        1,
      );
  });

  it('-d 0 never silently trains on a software adapter: exit 2, one line on stderr saying why', async function () {
    if (!software) this.skip();
    const r = await train(['-d', '0'], join(dir, 'index'));
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      assertOneLine(r.stderr),
      /GPU 0 was asked for but cannot be used: .*webgpu: passed over the software \(CPU\) adapter .*use -d webgpu:0/,
    );
    assert.equal(eventsOf(r.stdout, 'failed').length, 1);
  });
});
