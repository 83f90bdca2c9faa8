// Writes the run's totals to <rootDir>/.test-results/jest.json so that tooling/scripts/run-tests.mjs can print
// one `N passed, N failed` line for the whole monorepo. A test file that fails to load counts as one failure.
const fs = require('node:fs');
const path = require('node:path');

class ResultsReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const brokenSuites = results.testResults.filter(
      (r) => r.testExecError != null || (r.failureMessage && r.numFailingTests === 0),
    ).length;
    const summary = {
      passed: results.numPassedTests,
      failed: results.numFailedTests + brokenSuites,
      skipped: results.numPendingTests + results.numTodoTests,
      suites: results.numTotalTestSuites,
      brokenSuites,
    };
    const dir = path.join(this.rootDir, '.test-results');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'jest.json');
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(summary, null, 2));
    fs.renameSync(`${file}.tmp`, file);
  }
}

module.exports = ResultsReporter;
