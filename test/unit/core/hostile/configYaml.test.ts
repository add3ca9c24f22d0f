/**
 * Hostile YAML configs: alias expansion (billion laughs), nesting that exhausts the stack, files
 * too large, and `extends:` naming something that is not a regular file (a FIFO would block).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, mergeConfig } from '../../../../src/core/config';
import { flowDepthExceeds, parseYamlLayer } from '../../../../src/core/config/yamlFile';
import { READ_LIMITS } from '../../../../src/core/limits/readLimits';
import { useTempDir, writeSparse } from './hostileFiles';
import { billionLaughs } from '../../../support/hostileConfigs';

function refusal(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  assert.fail('expected a ConfigError');
}

describe('hostile YAML configs', () => {
  const dir = useTempDir('hostile-yaml');

  it('refuses billion laughs (10^9 expansions) through the yaml library alias limit, naming the file', () => {
    const error = refusal(() => parseYamlLayer(billionLaughs(8), '/x/laughs.yaml'));
    assert.equal(error.file, '/x/laughs.yaml');
    assert.match(error.message, /YAML aliases expand too far/);
    assert.match(error.expected, new RegExp(`at most ${READ_LIMITS.configAliases} alias expansions`));
  });

  it('still expands a few aliases, and records where the aliased keys were written', () => {
    const layer = parseYamlLayer(
      'base: &opt {type: adam, learning_rate: 0.01}\noptimizer: *opt\nlist: [*opt, *opt]\n',
      '/x/ok.yaml',
    );
    assert.deepEqual(layer.value['optimizer'], { type: 'adam', learning_rate: 0.01 });
    assert.deepEqual(layer.value['list'], [layer.value['base'], layer.value['base']]);
    assert.ok(layer.origins.size > 0);
    refusal(() => parseYamlLayer(billionLaughs(2), '/x/small.yaml')); // 100 expansions of 10: over the limit too
  });

  it('refuses nesting beyond the depth limit (block and flow), even 100000 levels, without a stack overflow', () => {
    const depth = READ_LIMITS.configDepth + 1;
    const block = Array.from({ length: depth }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n') + ' 1\n';
    const error = refusal(() => parseYamlLayer(block, '/x/block.yaml'));
    assert.match(error.message, /nested deeper than 64 levels/);
    assert.match(error.field, /^k0\.k1\./);
    for (const levels of [depth, 100_000]) {
      const flow = `a: ${'['.repeat(levels)}${']'.repeat(levels)}\n`;
      assert.match(
        refusal(() => parseYamlLayer(flow, '/x/flow.yaml')).message,
        /nested (deeper than 64 levels|too deeply)/,
      );
    }
    const ok = Array.from({ length: depth - 1 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n') + ' 1\n';
    assert.ok(parseYamlLayer(ok, '/x/ok.yaml').value['k0']);
  });

  it('refuses deep flow nesting before parsing (linear scan), not counting brackets in quotes or comments', () => {
    const limit = READ_LIMITS.configDepth;
    assert.equal(flowDepthExceeds(`a: ${'['.repeat(limit)}${']'.repeat(limit)}\n`, limit), false);
    assert.equal(flowDepthExceeds(`a: ${'{b: '.repeat(limit + 1)}1${'}'.repeat(limit + 1)}\n`, limit), true);
    const hidden = '['.repeat(limit + 1);
    for (const text of [`a: "${hidden}"\n`, `a: '${hidden}'\n`, `a: 1 # ${hidden}\nb: 2\n`, `a: "x\\"${hidden}"\n`])
      assert.equal(flowDepthExceeds(text, limit), false, text);
    // A quote inside a word is not a quote: the brackets after it count.
    assert.equal(flowDepthExceeds(`a: don't ${hidden}\n`, limit), true);
    const t0 = performance.now();
    const levels = 1_000_000;
    assert.match(
      refusal(() => parseYamlLayer(`a: ${'['.repeat(levels)}${']'.repeat(levels)}\n`, '/x/flow.yaml')).message,
      /nested too deeply/,
    );
    assert.ok(performance.now() - t0 < 2000, `took ${(performance.now() - t0).toFixed(0)} ms`);
  });

  it('refuses `extends:` naming a FIFO or a folder at once, and a config larger than the limit', async () => {
    const fifo = join(dir(), 'base.fifo');
    execFileSync('mkfifo', [fifo]);
    mkdirSync(join(dir(), 'folder.yaml'));
    writeSparse(join(dir(), 'big.yaml'), READ_LIMITS.configBytes + 1, Buffer.from('a: 1\n'));
    for (const [target, reason] of [
      ['base.fifo', /not a regular file/],
      ['folder.yaml', /not a regular file/],
      ['big.yaml', new RegExp(`size is ${READ_LIMITS.configBytes + 1} bytes \\(limit ${READ_LIMITS.configBytes}\\)`)],
    ] as const) {
      const leaf = join(dir(), `leaf-${target}.yaml`);
      writeFileSync(leaf, `extends: ${target}\nmax_steps: 5\n`);
      const error = await mergeConfig(leaf, { cwd: dir() }).then(
        () => assert.fail('expected a ConfigError'),
        (e: unknown) => e as ConfigError,
      );
      assert.ok(error instanceof ConfigError, String(error));
      assert.equal(error.kind, 'unreadable');
      assert.equal(error.file, join(dir(), target));
      assert.match(error.message, reason);
    }
  });
});
