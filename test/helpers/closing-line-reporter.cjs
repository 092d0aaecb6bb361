// Prints the plain "N passed, N failed" closing line that CI reads from any runner. A suite that fails to
// load runs no test, so it counts as a failure here: otherwise the line would say "0 failed".
class ClosingLineReporter {
  onRunComplete(_contexts, results) {
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
