// A web-test-runner reporter that ends the run with one plain line, `N passed, N failed`, counted over every test.
// With LEADRELAY_TEST_TIMES=1 it lists the files first, slowest first: the time from the previous file's end (or the
// run's start) to this file's end, and the sum of its tests' own durations.

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

/** The sum of a result tree's test durations, in ms. */
function testTime(suite) {
  if (!suite) return 0;
  return (suite.tests ?? []).reduce((sum, test) => sum + (test.duration ?? 0), 0) + (suite.suites ?? []).reduce((sum, child) => sum + testTime(child), 0);
}

export function summaryLineReporter() {
  let startTime = Date.now();
  let lastEnd = Date.now();
  const fileTimes = [];
  return {
    start({ startTime: started }) {
      startTime = started ?? Date.now();
      lastEnd = startTime;
    },
    reportTestFileResults({ testFile, sessionsForTestFile }) {
      const now = Date.now();
      fileTimes.push({ testFile, ms: now - lastEnd, tests: sessionsForTestFile.reduce((sum, session) => sum + testTime(session.testResults), 0) });
      lastEnd = now;
    },
    stop({ sessions }) {
      if (process.env.LEADRELAY_TEST_TIMES) {
        console.log('\nBrowser test files, slowest first (since the previous file ended / its tests):');
        for (const file of fileTimes.sort((a, b) => b.ms - a.ms)) {
          console.log(`${(file.ms / 1000).toFixed(1).padStart(7)} s ${(file.tests / 1000).toFixed(1).padStart(6)} s  ${file.testFile.replace(`${process.cwd()}/`, '')}`);
        }
      }
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
