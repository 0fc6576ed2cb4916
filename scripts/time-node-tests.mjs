// Times the node test files: runs them as scripts/run-node-tests.mjs does (same flags, same concurrency), prints the
// usual dots and counts, then the wall time of the run and the slowest files (wall time of each file's process,
// which includes waiting for a CPU when files run side by side).
//   node scripts/time-node-tests.mjs [files or folders…]   (TIME_TOP=20 for more rows, TIME_JSON=out.json to keep all)
// Used as a node:test reporter (it is one as well), it collects each file's duration.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);

/**
 * The reporter half: one JSON line per test file. Node 20 reports no pass or fail for a whole file, but it dequeues
 * the file (starts its process) and completes it under the file's own path as the name: a file's time is the span
 * between the two as they reach the runner (a file whose end never came counts its top-level tests' durations).
 */
export default async function* fileTimes(source) {
  const files = new Map();
  const line = (path, file, ms) => `${JSON.stringify({ file: relative(process.cwd(), path), ms: Math.round(ms), ok: file.ok })}\n`;
  for await (const { type, data } of source) {
    if (!data?.file) continue;
    const file = files.get(data.file) ?? { start: 0, tests: 0, ok: true, done: false };
    files.set(data.file, file);
    const isFile = data.nesting === 0 && data.name === data.file;
    if (isFile && type === 'test:dequeue') file.start = performance.now();
    else if (isFile && type === 'test:complete' && file.start) {
      // Written as each file ends, so a run cut short still says which files took how long.
      file.done = true;
      yield line(data.file, file, performance.now() - file.start);
    } else if ((type === 'test:pass' || type === 'test:fail') && data.nesting === 0) {
      file.tests += data.details?.duration_ms ?? 0;
      if (type === 'test:fail') file.ok = false;
    }
  }
  for (const [path, file] of files) if (!file.done) yield line(path, file, file.tests);
}

if (process.argv[1] === self) {
  const dir = mkdtempSync(join(tmpdir(), 'leadrelay-times-'));
  const timesFile = join(dir, 'times.jsonl');
  const started = Date.now();
  const result = spawnSync(process.execPath, [fileURLToPath(new URL('./run-node-tests.mjs', import.meta.url)), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, LEADRELAY_TEST_EXTRA_REPORTER: `${self}=${timesFile}` },
  });
  const wallMs = Date.now() - started;
  let rows = [];
  try {
    rows = readFileSync(timesFile, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
  } catch {}
  rmSync(dir, { recursive: true, force: true });
  rows.sort((a, b) => b.ms - a.ms);
  const top = Number(process.env.TIME_TOP ?? 10);
  const sum = rows.reduce((total, row) => total + row.ms, 0);
  console.log(`\nwall ${(wallMs / 1000).toFixed(1)} s for ${rows.length} files (file times add up to ${(sum / 1000).toFixed(1)} s)`);
  for (const row of rows.slice(0, top)) console.log(`${(row.ms / 1000).toFixed(1).padStart(7)} s  ${row.file}${row.ok ? '' : '  (failed)'}`);
  if (process.env.TIME_JSON) writeFileSync(process.env.TIME_JSON, JSON.stringify({ wallMs, rows }, null, 2));
  process.exit(result.status ?? 1);
}
