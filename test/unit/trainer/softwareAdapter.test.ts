/** Software (CPU) WebGPU adapters are recognised and named; native stderr is captured; Mesa gets a runtime folder. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { deviceChoices } from '../../../src/extension/commands/availableBackends';
import { captureNativeStderr } from '../../../src/trainer/backend/nativeStderr';
import { resolveOptional } from '../../../src/trainer/backend/optionalModule';
import { isSoftwareAdapter, passedOverReason } from '../../../src/trainer/backend/softwareAdapter';
import { ensureRuntimeDir } from '../../../src/trainer/backend/webgpuBackend';

const repo = join(__dirname, '../../..');

describe('software WebGPU adapters', () => {
  it("are recognised by Dawn's fallback flag or by the driver's name, and real GPUs are not", () => {
    assert.equal(
      isSoftwareAdapter({
        vendor: 'mesa',
        architecture: 'software',
        description: 'llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6)',
        isFallbackAdapter: true,
      }),
      true,
    );
    assert.equal(
      isSoftwareAdapter({ description: 'llvmpipe (LLVM 15.0.6, 256 bits)', isFallbackAdapter: false }),
      true,
    );
    assert.equal(isSoftwareAdapter({ device: 'lavapipe' }), true);
    assert.equal(isSoftwareAdapter({ description: 'SwiftShader Device (Subzero)' }), true);
    assert.equal(isSoftwareAdapter({ description: 'Microsoft Basic Render Driver', architecture: 'WARP' }), true);
    assert.equal(isSoftwareAdapter({ isFallbackAdapter: true }), true);
    assert.equal(
      isSoftwareAdapter({
        vendor: 'nvidia',
        architecture: 'hopper',
        description: 'NVIDIA H200',
        isFallbackAdapter: false,
      }),
      false,
    );
    assert.equal(isSoftwareAdapter({ description: 'AMD Radeon RX 7900 (RADV NAVI31)' }), false);
    assert.equal(isSoftwareAdapter({ device: 'null-backend', isFallbackAdapter: false }), false);
    assert.equal(isSoftwareAdapter(undefined), false);
  });

  it("a passed-over adapter's reason says why and how to use it anyway", () => {
    assert.match(
      passedOverReason('llvmpipe', null),
      /passed over the software \(CPU\) adapter llvmpipe: it runs WebGPU on the CPU.*use -d webgpu to/,
    );
    assert.match(passedOverReason('llvmpipe', 0), /use -d webgpu:0 to/);
  });

  it("the Train quick pick's Device item shows it as a software (CPU) adapter, and auto's pick elsewhere", () => {
    const rows = deviceChoices({
      schema: 1,
      auto: 'wasm',
      backends: [
        {
          name: 'webgpu',
          available: true,
          software: true,
          reason: 'software (CPU) adapter: WebGPU through Dawn on llvmpipe',
        },
        { name: 'wasm', available: true, reason: 'WebAssembly SIMD' },
      ],
    });
    assert.equal(rows[1]!.label, '$(warning) webgpu (software (CPU) adapter)');
    assert.equal(rows[2]!.label, '$(check) wasm');
    assert.match(rows[0]!.description, /auto picks wasm/);
  });
});

describe('native output while loading a backend', () => {
  it('what is written to fd 2 meanwhile is captured and returned, and fd 2 is restored afterwards', async function () {
    if (!resolveOptional('koffi').found || process.platform === 'win32') this.skip();
    const r = await captureNativeStderr(async () => {
      writeSync(2, 'warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced\n');
      await new Promise((resolve) => setTimeout(resolve, 10));
      writeSync(2, 'second line\n');
      return 42;
    });
    assert.equal(r.value, 42);
    assert.equal(r.captured, true);
    assert.equal(r.output, 'warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced\nsecond line');
    const after = await captureNativeStderr(async () => 1);
    assert.equal(after.output, '');
  });

  it("nothing of it reaches the process's real stderr, which works again afterwards", function () {
    if (!resolveOptional('koffi').found || process.platform === 'win32') this.skip();
    const script = `
      const { writeSync } = require('node:fs');
      const { captureNativeStderr } = require(${JSON.stringify(join(repo, 'src/trainer/backend/nativeStderr.ts'))});
      captureNativeStderr(async () => { writeSync(2, 'native noise\\n'); }).then((r) => { process.stdout.write(JSON.stringify(r.output)); writeSync(2, 'after\\n'); });`;
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: repo, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, JSON.stringify('native noise'));
    assert.equal(r.stderr, 'after\n');
  });

  it('Mesa gets a private, writable XDG_RUNTIME_DIR where none is set or the one set is not writable', () => {
    for (const env of [{} as NodeJS.ProcessEnv, { XDG_RUNTIME_DIR: '/nonexistent/run/user' }]) {
      ensureRuntimeDir(env);
      assert.ok(env.XDG_RUNTIME_DIR && env.XDG_RUNTIME_DIR !== '/nonexistent/run/user');
      assert.ok(statSync(env.XDG_RUNTIME_DIR).isDirectory());
      if (process.platform !== 'win32')
        assert.equal(statSync(env.XDG_RUNTIME_DIR).mode & 0o077, 0, 'private to the user');
    }
    const set: NodeJS.ProcessEnv = { XDG_RUNTIME_DIR: repo };
    ensureRuntimeDir(set);
    assert.equal(set.XDG_RUNTIME_DIR, repo, 'a writable one is kept');
  });
});
