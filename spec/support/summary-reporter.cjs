// Mocha's spec reporter, plus a machine-readable summary of the run for .ci/run:
// when MIGRAPH_TEST_SUMMARY names a file, the run's pass/fail counts are written there.
'use strict';
const fs = require('node:fs');
const Mocha = require('mocha');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const target = process.env.MIGRAPH_TEST_SUMMARY;
    if (!target) return;
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const { passes, failures, pending, tests } = runner.stats;
      fs.writeFileSync(target, JSON.stringify({ passes, failures, pending, tests }));
    });
  }
}

module.exports = SummaryReporter;
