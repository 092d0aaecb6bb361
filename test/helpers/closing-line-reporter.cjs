// Prints the plain "N passed, N failed" closing line that CI reads from any runner.
class ClosingLineReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const extra = skipped ? `, ${skipped} skipped` : '';
    process.stdout.write(
      `\njest: ${results.numPassedTests} passed, ${results.numFailedTests} failed${extra}\n`,
    );
  }
}
module.exports = ClosingLineReporter;
