// Mocha's spec reporter plus a counts file, so scripts/test.mjs can add up every layer.
// The file is named by TRAINING_RUNS_TEST_COUNTS; without it this is just the spec reporter.
const Mocha = require('mocha');
const { writeFileSync } = require('node:fs');

class CountingReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once('end', () => {
      const file = process.env.TRAINING_RUNS_TEST_COUNTS;
      if (!file) return;
      const { passes, failures, pending } = this.stats;
      writeFileSync(file, JSON.stringify({ passes, failures, pending }));
    });
  }
}

module.exports = CountingReporter;
