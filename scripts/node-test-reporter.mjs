// A node:test reporter a person can read: one dot per passing test, every failure in full, then `N passed, N failed`.
import { inspect } from 'node:util';
import { relative } from 'node:path';

const isTty = process.stdout.isTTY;
const red = (text) => (isTty ? `\x1b[31m${text}\x1b[39m` : text);
const bold = (text) => (isTty ? `\x1b[1m${text}\x1b[22m` : text);
/** The closing counts node:test reports as diagnostics: `tests 4`, `pass 4`, `duration_ms 12.3`… */
const RUNNER_COUNTS = /^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms)\b/;

/** A failure's own error: node:test wraps a test's error in ERR_TEST_FAILURE with the real one as `cause`. */
function describeError(error) {
  const real = error?.code === 'ERR_TEST_FAILURE' && error.cause ? error.cause : error;
  return inspect(real, { depth: 6, colors: isTty, breakLength: 120 })
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

export default async function* readableReporter(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let dotsOnLine = 0;
  const failures = [];
  /** What a test file printed, shown only next to that file's failures (a passing file's output is noise). */
  const outputByFile = new Map();
  /** The names of the open suites, by nesting level, so a failure reads `suite > test`. */
  const path = [];

  for await (const { type, data } of source) {
    if (type === 'test:start') {
      path[data.nesting] = data.name;
      path.length = data.nesting + 1;
    } else if (type === 'test:stdout' || type === 'test:stderr') {
      const key = data.file ?? '';
      outputByFile.set(key, (outputByFile.get(key) ?? '') + data.message);
    } else if (type === 'test:pass' || type === 'test:fail') {
      // Suites and whole files report too; only tests are counted. A failing suite with no failing test (a hook
      // threw, a file did not load) is a failure of its own.
      const isSuite = data.details?.type === 'suite';
      if (type === 'test:pass') {
        if (isSuite) continue;
        if (data.skip || data.todo) skipped += 1;
        else passed += 1;
        yield '.';
      } else {
        const error = data.details?.error;
        // A suite fails because a test inside failed: that test is reported already.
        if (isSuite && error?.failureType === 'subtestsFailed') continue;
        failed += 1;
        failures.push({ file: data.file, name: [...path.slice(0, data.nesting), data.name].join(' > '), error });
        yield red('F');
      }
      dotsOnLine += 1;
      if (dotsOnLine === 100) {
        dotsOnLine = 0;
        yield '\n';
      }
    } else if (type === 'test:diagnostic' && data.nesting === 0 && !RUNNER_COUNTS.test(data.message)) {
      // Top-level diagnostics other than the runner's own counts (ours replace them).
      yield `\n${data.message}\n`;
    }
  }

  yield '\n';
  for (const [index, failure] of failures.entries()) {
    const file = failure.file ? relative(process.cwd(), failure.file) : 'unknown file';
    yield `\n${red(bold(`${index + 1}) ${failure.name}`))}\n    at ${file}\n${describeError(failure.error)}\n`;
    const output = outputByFile.get(failure.file ?? '');
    if (output) {
      yield `    output of ${file}:\n${output.trimEnd().split('\n').map((line) => `    | ${line}`).join('\n')}\n`;
      outputByFile.delete(failure.file ?? '');
    }
  }
  yield `\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`;
}
