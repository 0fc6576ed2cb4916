// Attacks by someone on the same machine or the same browser, and leaks into the logs: the SQLite store's files read
// by another local account, the emulator's hooks driven by a page the developer opens, a lead token for a lead an
// agent merged away, and the dead-letter log line.
import assert from 'node:assert/strict';
import { chmodSync, closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { verifyLeadToken } from '../../src/proxy/guards/lead-token.js';
import { submissionReference } from '../../src/proxy/intercom/submission-reference.js';
import { openStore } from '../../src/proxy/store/open-store.js';
import { ACCESS_TOKEN, SECRET, apiCalls, buildLead, startInProcessStack, type Stack } from './harness.js';
import { waitUntil } from '../support/wait.js';

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

test('a store an older version left after a crash (-wal and -shm holding data, 0644) is narrowed on the next start', async () => {
  const previous = process.umask(0o022);
  try {
    const parent = mkdtempSync(join(tmpdir(), 'leadrelay-modes-'));
    folders.push(parent);
    const running = join(parent, 'running');
    const dataDir = join(parent, 'leadrelay-data');
    // The files an older version left when it was killed while running: the database with its -wal and -shm, written
    // to and not yet checkpointed away, with that version's umask-derived modes.
    const opened = await openStore({ dataDir: running });
    try {
      await opened.store.claim('written-before-the-crash', { fingerprint: 'f', owner: 'o', leaseMs: 1000 });
      mkdirSync(dataDir);
      chmodSync(dataDir, 0o755);
      for (const suffix of ['', '-wal', '-shm']) {
        const file = join(dataDir, `leadrelay.db${suffix}`);
        copyFileSync(join(running, `leadrelay.db${suffix}`), file);
        chmodSync(file, 0o644);
        // Not empty: SQLite itself gives an empty side file the database's mode when it opens it, data or not.
        assert.ok(statSync(file).size > 0, `${file} holds data`);
      }
    } finally {
      await opened.store.close();
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

for (const version of ['2.14', '2.16'] as const) {
  describe(`a stored lead token whose lead an agent merged into a user (Intercom ${version})`, () => {
    let stack: Stack;
    before(async () => {
      stack = await startInProcessStack({ intercom: { version } });
    });
    after(() => stack.close());

    /** What an agent does in the Inbox, through Intercom's own API: the lead is merged into a user with its email. */
    async function mergeInInbox(leadId: string, email: string): Promise<string> {
      const call = async (path: string, body: unknown) => {
        const response = await stack.emulatorFetch(path, {
          method: 'POST',
          headers: { authorization: `Bearer ${ACCESS_TOKEN}`, 'intercom-version': version, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        assert.equal(response.status, 200, path);
        return (await response.json()) as { id: string };
      };
      const user = await call('/contacts', { role: 'user', email, external_id: `agent-made-${version}` });
      await call('/contacts/merge', { from: leadId, into: user.id });
      return user.id;
    }

    test('the next submission from that browser is delivered as a new lead (201), nothing typed is lost', async () => {
      const email = `merged-away-${version}@example.com`;
      const first = await stack.post('/leads', buildLead({ email }));
      assert.equal(first.status, 201, first.text);
      const { contactId: leadId } = await verifyLeadToken(first.json.leadToken, SECRET);
      const userId = await mergeInInbox(leadId, email);

      const message = `Still there? (${version})`;
      const second = await stack.post('/leads', buildLead({ email, message, leadToken: first.json.leadToken }));
      assert.equal(second.status, 201, second.text);
      assert.equal(second.json.status, 'created');

      const { contacts, conversations } = await stack.emulatorState();
      const started = conversations.find((conversation: any) => String(conversation.id) === second.json.conversationId);
      assert.ok(started, 'the conversation exists');
      assert.equal(started.source.body, message);
      const author = contacts.find((contact: any) => contact.id === started.source.author.id);
      assert.equal(author.role, 'lead', 'a new lead, never the user the agent merged into');
      assert.notEqual(author.id, userId);
      assert.notEqual(author.id, leadId);
      const claims = await verifyLeadToken(second.json.leadToken, SECRET);
      assert.equal(claims.contactId, author.id, 'the new token names the new lead');
      assert.ok(stack.logs.some((line) => line.leadTokenIgnored), 'the merged-away token was ignored');
      // One look at the merged-away contact, not a loop of retries.
      const looks = apiCalls(await stack.emulatorRequests()).filter((call) => call.method === 'GET' && call.path === `/contacts/${leadId}`);
      assert.equal(looks.length, 1, JSON.stringify(looks.map((call) => call.status)));
    });
  });
}

describe('the dead-letter log line', () => {
  let stack: Stack;
  before(async () => {
    // Time compressed: queue at once, retry every few ms, and give up after 300 ms.
    stack = await startInProcessStack({ delivery: { recoveryWaitMs: 0 }, queue: { retentionMs: 300, retry: { firstMs: 2, maxMs: 20 } }, testing: { queuePollMs: 5 }, intercom: { retryBaseMs: 5, maxRetries: 0 } });
  });
  after(() => stack.close());

  test('never carries the Idempotency-Key (it replays the lead token), only its one-way reference', async () => {
    await stack.addFault({ route: 'POST /contacts', status: 503 });
    const key = randomUUID();
    const queued = await stack.post('/leads', buildLead(), { key });
    assert.equal(queued.status, 202, queued.text);
    await waitUntil(() => stack.logs.some((line) => line.event === 'queue_dead_letter'), 'the dead letter', { timeoutMs: 30_000 });
    const dead = stack.logs.filter((line) => line.event === 'queue_dead_letter');
    assert.equal(dead.length, 1, 'the submission became a dead letter');
    for (const line of stack.logs) assert.ok(!JSON.stringify(line).includes(key), `a log line carries the raw key: ${JSON.stringify(line)}`);
    assert.equal(dead[0]!.submissionRef, submissionReference(SECRET, key), 'the operator can still find it in Intercom');
  });
});
