import assert from 'node:assert/strict';
import { gpuResults } from '../../../bench/gpuRows';

describe('gpu rows of npm run bench', () => {
  it('carries the GPU bench rows under the gpu group, ratios to PyTorch CUDA as they are', () => {
    const rows = gpuResults({
      exitCode: 0,
      bench: [
        {
          group: 'training',
          name: 'mlp_4096',
          backend: 'webgpu',
          value: 40,
          unit: 'steps/s',
          reference: { name: 'pytorch-cuda', value: 80 },
          ratio: 0.5,
          detail: 'NVIDIA H200',
        },
        {
          group: 'training',
          name: 'mlp',
          backend: 'webgpu',
          value: null,
          unit: 'steps/s',
          reference: null,
          ratio: null,
          detail: 'failed: out of memory',
        },
      ],
    });
    assert.deepEqual(
      rows.map((r) => [r.group, r.name, r.backend, r.value, r.ratio]),
      [
        ['gpu', 'mlp_4096', 'webgpu', 40, 0.5],
        ['gpu', 'mlp', 'webgpu', null, null],
      ],
    );
  });

  it('records why nothing ran on a GPU where no GPU backend loads (exit 3)', () => {
    const [row, ...rest] = gpuResults({
      exitCode: 3,
      summary: 'no GPU backend available here (webgpu: no WebGPU adapter)',
      bench: [],
    });
    assert.equal(rest.length, 0);
    assert.equal(row!.group, 'gpu');
    assert.equal(row!.value, null);
    assert.match(row!.detail, /no WebGPU adapter/);
  });

  it('a GPU run that wrote no rows is a null row, not an empty group', () => {
    const rows = gpuResults({ exitCode: 0, summary: 'bench skipped', bench: [] });
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.value, null);
  });
});
