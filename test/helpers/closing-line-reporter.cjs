const { mkdtempSync, readdirSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

// Prints the plain "N passed, N failed" closing line that CI reads from any runner. A suite that fails to
// load runs no test, so it counts as a failure here: otherwise the line would say "0 failed".
// Before it, the summaries suites left with test/helpers/run-summary.ts (e.g. bad inputs tried per step), so
// they appear at the end of the run rather than lost among the suites' output.
class ClosingLineReporter {
  constructor() {
    // Set before any test worker starts, so every worker inherits it.
    this.summaries = mkdtempSync(join(tmpdir(), 'jest-summaries-'));
    process.env.JEST_RUN_SUMMARY_DIR = this.summaries;
  }

  onRunComplete(_contexts, results) {
    for (const name of readdirSync(this.summaries).sort()) {
      process.stdout.write(`\n${readFileSync(join(this.summaries, name), 'utf8').trimEnd()}\n`);
    }
    rmSync(this.summaries, { recursive: true, force: true });
    const brokenSuites = results.testResults.filter(
      (suite) => suite.testExecError || (suite.failureMessage && suite.numFailingTests === 0),
    ).length;
    const failed = results.numFailedTests + brokenSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    const extra = skipped ? `, ${skipped} skipped` : '';
    process.stdout.write(`\njest: ${results.numPassedTests} passed, ${failed} failed${extra}\n`);
  }
}
module.exports = ClosingLineReporter;
