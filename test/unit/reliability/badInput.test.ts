/**
 * Bad input through the real command line: every config of the broken corpus
 * (test/unit/core/config/fixtures/broken) and bad flags give exit code 2 and ONE line on stderr
 * (for configs: file:line: ... with the fix), never a stack trace.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_VULKAN_DRIVERS } from '../../support/vulkanDrivers';
import { assertOneLine, buildTrainer, cli, eventsOf } from './helpers';

const corpus = join(__dirname, '../core/config/fixtures/broken');
const files = readdirSync(corpus)
  .filter((name) => name.endsWith('.yaml') && !name.startsWith('_'))
  .sort();

/** `# expect: ... line=N ... fix="..."` header of a corpus file. */
function expectation(file: string): { line: string; fix: string; file: string } {
  const header = readFileSync(join(corpus, file), 'utf8').split('\n')[0] ?? '';
  const field = (key: string) => {
    const m = new RegExp(`\\b${key}=("(?:[^"\\\\]|\\\\.)*"|\\S*)`).exec(header);
    const raw = m?.[1] ?? '';
    return raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
  };
  return { line: field('line'), fix: field('fix'), file: field('file') || file };
}

describe('reliability: bad input (real command line)', function () {
  this.timeout(60_000);
  before(() => buildTrainer());

  it('the broken-config corpus covers syntax, types, unknown keys, zero and negative steps, save_total_limit 0, data files, empty or binary text, cyclic extends', () => {
    for (const name of [
      'unclosed-bracket',
      'tab-indent',
      'wrong-type',
      'unknown-key-typo',
      'zero-steps',
      'negative-steps',
      'save-steps-zero',
      'save-total-limit-zero',
      'missing-data-file',
      'empty-text-file',
      'binary-text-file',
      'empty-config',
      'binary-config',
      'cycle',
    ]) {
      assert.ok(files.includes(`${name}.yaml`), `${name}.yaml missing from the corpus`);
    }
  });

  for (const file of files) {
    it(`train -t ${file} → exit 2, one line "${file.replace(/\.yaml$/, '')}…:line:" with the fix`, async () => {
      const expected = expectation(file);
      const r = await cli(['train', '-t', file, '--json'], { cwd: corpus });
      assert.equal(r.code, 2, r.stderr);
      const line = assertOneLine(r.stderr);
      assert.ok(line.startsWith(`error: ${expected.file}:${expected.line}:`), line);
      assert.ok(line.includes(expected.fix), `fix "${expected.fix}" missing from: ${line}`);
      const failed = eventsOf(r.stdout, 'failed');
      assert.equal(failed.length, 1);
      assert.equal(failed[0]!.kind, 'config');
      assert.equal(failed[0]!.line, Number(expected.line));
    });
  }

  const badUsage: Array<[string, string[], RegExp, NodeJS.ProcessEnv?]> = [
    ['an unknown flag', ['train', '-t', '_base.yaml', '--bogus'], /Unknown option '--bogus'/],
    ['a flag missing its value', ['train', '-t'], /'-t, --config <value>' argument missing/],
    ['--set missing its value', ['train', '-t', '_base.yaml', '--set'], /'--set <value>' argument missing/],
    ['--set without "="', ['train', '-t', '_base.yaml', '--set', 'max_steps'], /missing "="/],
    [
      'a device that does not exist (name)',
      ['train', '-t', '_base.yaml', '-d', 'tpu'],
      /-d\/--device must be a GPU index/,
    ],
    // Without any Vulkan driver the Vulkan loader and Dawn print warnings: they must not reach stderr.
    [
      'a GPU index without a GPU backend (no Vulkan driver)',
      ['train', '-t', '_base.yaml', '-d', '7'],
      // Drivers hidden, or (a machine the software adapter was never set up on) no Vulkan loader at all.
      /GPU 7 was asked for but cannot be used: .*webgpu: (GPU 7 is not among the WebGPU adapters Dawn sees \(none\)|no WebGPU adapter: the Vulkan loader libvulkan\.so\.1 is missing)/,
      NO_VULKAN_DRIVERS,
    ],
    [
      'a GPU index this machine does not have',
      ['train', '-t', '_base.yaml', '-d', '7'],
      /GPU 7 was asked for but cannot be used/,
    ],
    ['a config that does not exist', ['train', '-t', 'no-such-config.yaml'], /no-such-config/],
    ['an unknown command', ['trian'], /unknown command "trian"/],
    ['an unknown flag of checkpoints', ['checkpoints', '.', '--bogus'], /Unknown option '--bogus'/],
    ['inspect without a checkpoint', ['inspect'], /missing CHECKPOINT/],
  ];
  for (const [what, args, reason, env] of badUsage) {
    it(`${what} → exit 2 with one line`, async () => {
      // Runs that get as far as the lock write their output folder outside the corpus.
      const out = mkdtempSync(join(tmpdir(), 'bad-usage-'));
      const sets = args[0] === 'train' && args.length > 2 ? ['--set', `output_dir=${out}`] : [];
      const r = await cli([...args.slice(0, 1), ...sets, ...args.slice(1)], { cwd: corpus, env }).finally(() =>
        rmSync(out, { recursive: true, force: true }),
      );
      assert.equal(r.code, 2, r.stderr);
      assert.match(assertOneLine(r.stderr), reason);
    });
  }
});
