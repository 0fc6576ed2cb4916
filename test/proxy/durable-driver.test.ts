// Without a SQLite driver (Node 20 and no better-sqlite3), leadrelay-proxy refuses to start with one sentence that
// names the fixes, instead of a stack trace or a silent fall back to a store that loses submissions.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LOADER_ARGS, moduleUrl } from '../support/child-node.js';

/** A loader hook that makes both drivers missing, as on Node 20 without better-sqlite3 installed. */
const HIDE_DRIVERS = `data:text/javascript,${encodeURIComponent(`
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`
export async function resolve(specifier, context, next) {
  if (specifier === 'better-sqlite3' || specifier === 'node:sqlite') throw Object.assign(new Error('hidden'), { code: 'ERR_MODULE_NOT_FOUND' });
  return next(specifier, context);
}\`));
`)}`;

test('no SQLite driver: exit 1 with a sentence naming better-sqlite3@12, Node 22+ and LEADRELAY_STORE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leadrelay-nodriver-'));
  try {
    const cli = moduleUrl('src/proxy/cli.ts');
    const result = spawnSync(
      process.execPath,
      [...LOADER_ARGS, '--import', HIDE_DRIVERS, '--input-type=module', '-e', `import { main } from ${JSON.stringify(cli)}; await main([]);`],
      {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, INTERCOM_ACCESS_TOKEN: 'tok_x', LEADRELAY_SECRET: randomBytes(32).toString('hex'), LEADRELAY_DATA_DIR: dir, PORT: '0' },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    assert.equal(result.status, 1, result.stdout + result.stderr);
    assert.match(result.stderr, /install better-sqlite3@12, or run on Node 22\+, or set LEADRELAY_STORE=redis:\/\/… \(several instances\) or LEADRELAY_STORE=memory:/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
