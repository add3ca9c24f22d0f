import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  CommandLineError,
  quoteArg,
  quoteCommandLine,
  splitCommandLine,
  substitutePlaceholders,
} from '../../../../src/extension/external/argv';

describe('external trainer command lines', () => {
  describe('splitCommandLine', () => {
    it('splits on whitespace and keeps quoted spaces, quotes and backslashes as a shell would', () => {
      assert.deepEqual(splitCommandLine(`torchrun  --nproc_per_node 2\ttrain.py`), [
        'torchrun',
        '--nproc_per_node',
        '2',
        'train.py',
      ]);
      assert.deepEqual(splitCommandLine(`python 'my script.py' --name "a \\"b\\" c" --x=a\\ b ''`), [
        'python',
        'my script.py',
        '--name',
        'a "b" c',
        '--x=a b',
        '',
      ]);
      assert.deepEqual(splitCommandLine(`--json '{"lr": 1}' "it's"`), ['--json', '{"lr": 1}', "it's"]);
    });

    it('agrees with /bin/sh on a tricky line', () => {
      const line = `a 'b c' "d \\$e" f\\'g "" 'h"i'`;
      const fromShell = execFileSync('/bin/sh', ['-c', `for a in ${line}; do printf '%s\\n' "[$a]"; done`], {
        encoding: 'utf8',
      });
      assert.equal(
        splitCommandLine(line)
          .map((a) => `[${a}]`)
          .join('\n') + '\n',
        fromShell,
      );
    });

    it('reports an unclosed quote', () => {
      assert.throws(() => splitCommandLine(`python "train.py`), CommandLineError);
      assert.throws(() => splitCommandLine(`python 'train.py`), /unclosed ' \(single quote\) at character 8/);
    });
  });

  describe('quoteCommandLine', () => {
    it('leaves plain arguments bare and single-quotes the rest, so the shell reads them back unchanged', () => {
      const argv = ['/usr/bin/python3', '--output_dir', '/runs/my run', "it's", '', '$HOME', 'a;b'];
      const line = quoteCommandLine(argv);
      assert.equal(quoteArg('--max_steps=20'), '--max_steps=20');
      assert.equal(quoteArg('/runs/my run'), `'/runs/my run'`);
      const back = execFileSync('/bin/sh', ['-c', `for a in ${line}; do printf '%s\\n' "[$a]"; done`], {
        encoding: 'utf8',
      });
      assert.equal(back, argv.map((a) => `[${a}]\n`).join(''));
      assert.deepEqual(splitCommandLine(line), argv);
    });
  });

  describe('substitutePlaceholders', () => {
    const values = { checkpoint: '/runs/my run/checkpoint-20', output_dir: '/runs/my run', cwd: undefined };
    it('substitutes inside an argument without splitting it', () => {
      assert.equal(substitutePlaceholders('{checkpoint}', values), '/runs/my run/checkpoint-20');
      assert.equal(substitutePlaceholders('--resume={checkpoint}', values), '--resume=/runs/my run/checkpoint-20');
      assert.equal(substitutePlaceholders('{output_dir}/logs', values), '/runs/my run/logs');
    });
    it('keeps {{ }} as literal braces and leaves JSON alone', () => {
      assert.equal(substitutePlaceholders('{{checkpoint}}', values), '{checkpoint}');
      assert.equal(substitutePlaceholders('{"lr": 1}', values), '{"lr": 1}');
    });
    it('names an unknown placeholder and one without a value here', () => {
      assert.throws(
        () => substitutePlaceholders('{chekpoint}', values),
        /unknown placeholder \{chekpoint\} \(known: \{checkpoint\}, \{output_dir\}, \{cwd\}; write \{\{chekpoint\}\} for literal braces\)/,
      );
      assert.throws(() => substitutePlaceholders('{cwd}', values), /placeholder \{cwd\} has no value here/);
    });
  });
});
