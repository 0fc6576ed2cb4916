// A web-test-runner reporter that ends the run with one plain line, `N passed, N failed`, counted over every test.

/** Counts the tests of one session's result tree (suites nest). */
function countTests(suite, totals) {
  if (!suite) return totals;
  for (const test of suite.tests ?? []) {
    if (test.skipped) totals.skipped += 1;
    else if (test.passed) totals.passed += 1;
    else totals.failed += 1;
  }
  for (const child of suite.suites ?? []) countTests(child, totals);
  return totals;
}

export function summaryLineReporter() {
  let startTime = Date.now();
  return {
    start({ startTime: started }) {
      startTime = started ?? Date.now();
    },
    stop({ sessions }) {
      const totals = { passed: 0, failed: 0, skipped: 0 };
      let brokenFiles = 0;
      for (const session of sessions) {
        countTests(session.testResults, totals);
        // A file that did not load or threw outside a test has errors but no failed test: count it as a failure.
        if (!session.passed && session.errors?.length) brokenFiles += 1;
      }
      const seconds = ((Date.now() - startTime) / 1000).toFixed(1);
      console.log(`\nBrowser tests: ${sessions.length} files in ${seconds} s`);
      const failed = totals.failed + brokenFiles;
      console.log(`${totals.passed} passed, ${failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
    },
  };
}
