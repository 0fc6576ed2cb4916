// Attacks by someone on the same machine or the same browser, and leaks into the logs: the SQLite store's files read
// by another local account, the emulator's hooks driven by a page the developer opens, a lead token for a lead an
// agent merged away, and the dead-letter log line.
import assert from 'node:assert/strict';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openStore } from '../../src/proxy/store/open-store.js';

const mode = (path: string) => statSync(path).mode & 0o777;
const octal = (value: number) => value.toString(8).padStart(4, '0');

const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** Write to the store so SQLite has its -wal and -shm files open, then return the four modes. */
async function modesAfterUse(dataDir: string): Promise<Record<string, string>> {
  const opened = await openStore({ dataDir });
  try {
    await opened.store.claim('attack-round3-key', { fingerprint: 'f', owner: 'o', leaseMs: 1000 });
    const db = join(dataDir, 'leadrelay.db');
    return {
      folder: octal(mode(dataDir)),
      db: octal(mode(db)),
      wal: octal(mode(`${db}-wal`)),
      shm: octal(mode(`${db}-shm`)),
    };
  } finally {
    await opened.store.close();
  }
}

test('another local account cannot read the SQLite store: folder 0700, database, -wal and -shm 0600 under umask 022', async () => {
  const previous = process.umask(0o022);
  try {
    const parent = mkdtempSync(join(tmpdir(), 'leadrelay-modes-'));
    folders.push(parent);
    const dataDir = join(parent, 'leadrelay-data');
    assert.deepEqual(await modesAfterUse(dataDir), { folder: '0700', db: '0600', wal: '0600', shm: '0600' });
  } finally {
    process.umask(previous);
  }
});

test('a store an older version left world-readable (folder 0755, files 0644) is narrowed on the next start', async () => {
  const previous = process.umask(0o022);
  try {
    const parent = mkdtempSync(join(tmpdir(), 'leadrelay-modes-'));
    folders.push(parent);
    const dataDir = join(parent, 'leadrelay-data');
    // The state an older version left: its own umask-derived modes.
    await (await openStore({ dataDir })).store.close();
    mkdirSync(dataDir, { recursive: true });
    chmodSync(dataDir, 0o755);
    const db = join(dataDir, 'leadrelay.db');
    for (const file of [db, `${db}-wal`, `${db}-shm`]) {
      closeSync(openSync(file, 'a'));
      chmodSync(file, 0o644);
    }
    assert.deepEqual(await modesAfterUse(dataDir), { folder: '0700', db: '0600', wal: '0600', shm: '0600' });
  } finally {
    process.umask(previous);
  }
});

test('LEADRELAY_STORE=sqlite:<path> in a new folder gets the same modes', async () => {
  const previous = process.umask(0o022);
  try {
    const parent = mkdtempSync(join(tmpdir(), 'leadrelay-modes-'));
    folders.push(parent);
    const path = join(parent, 'nested', 'store.db');
    const opened = await openStore({ url: `sqlite:${path}` });
    await opened.store.claim('attack-round3-key', { fingerprint: 'f', owner: 'o', leaseMs: 1000 });
    try {
      assert.equal(octal(mode(join(parent, 'nested'))), '0700');
      for (const file of [path, `${path}-wal`, `${path}-shm`]) assert.equal(octal(mode(file)), '0600', file);
    } finally {
      await opened.store.close();
    }
  } finally {
    process.umask(previous);
  }
});
