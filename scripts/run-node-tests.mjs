// Runs every `*.test.ts` under test/{emulator,proxy,node,types,e2e} with Node's test runner (Node 20's `--test` has no globs).
// The TypeScript is compiled once first (scripts/compile-tests.mjs) and the files run as JavaScript on plain Node;
// LEADRELAY_TEST_TSX=1 runs the sources through tsx instead (slower: tsx's loader starts in every file's process).
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { compileTests, removeMirror } from './compile-tests.mjs';

const roots = process.argv.slice(2).length ? process.argv.slice(2) : ['test/emulator', 'test/proxy', 'test/node', 'test/types', 'test/e2e'];

function collect(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const sources = roots.flatMap((root) => (root.endsWith('.ts') ? [root] : collect(root, [])));
if (sources.length === 0) {
  console.error('run-node-tests: no test files found under', roots.join(', '));
  process.exit(1);
}
const useTsx = process.env.LEADRELAY_TEST_TSX === '1';
let files = sources;
let mirror;
if (!useTsx) {
  mirror = await compileTests(process.pid);
  files = sources.map((source) => join(mirror, relative(process.cwd(), resolve(source))).replace(/\.ts$/, '.js'));
}
// Our reporter prints a dot per pass, failures in full and a closing `N passed, N failed`; LEADRELAY_TEST_REPORTER=spec
// (or tap) gives node's own.
const reporter = process.env.LEADRELAY_TEST_REPORTER ?? fileURLToPath(new URL('./node-test-reporter.mjs', import.meta.url));
// scripts/time-node-tests.mjs adds a reporter of its own (`reporter=destination`) to time each file.
const extra = process.env.LEADRELAY_TEST_EXTRA_REPORTER?.split('=');
const extraReporter = extra ? [`--test-reporter=${extra[0]}`, `--test-reporter-destination=${extra[1]}`] : [];
// Files run side by side in their own processes; LEADRELAY_TEST_CONCURRENCY overrides how many (to measure).
const concurrency = process.env.LEADRELAY_TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  [
    ...(useTsx ? ['--import', 'tsx'] : []),
    // Node 20 calls mock.timers (how our tests wait without sleeping) experimental and warns in every file using it.
    '--disable-warning=ExperimentalWarning',
    '--test',
    `--test-concurrency=${concurrency}`,
    `--test-reporter=${reporter}`,
    '--test-reporter-destination=stdout',
    ...extraReporter,
    ...files,
  ],
  { stdio: 'inherit' },
);
if (mirror) removeMirror(mirror);
process.exit(result.status ?? 1);
