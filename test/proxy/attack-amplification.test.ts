// Attack (issue 14, finding 2): hostile lead tokens must not make the proxy search Intercom again and again.
// N requests to each browser-facing route with tokens that are well formed but stale, forged or pending; the
// emulator's request log (GET /_emulator/requests) must show at most a small fixed number of calls per request.
// Each route prints its calls per request; the dot reporter shows a file's output only on failure, so read them with
// `LEADRELAY_TEST_REPORTER=spec node scripts/run-node-tests.mjs test/proxy/attack-amplification.test.ts`.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { computeUserHash } from '../../src/proxy/guards/identity.js';
import { signLeadToken } from '../../src/proxy/guards/lead-token.js';
import { SqliteStore } from '../../src/proxy/store/sqlite.js';
import { SECRET, apiCalls, buildLead, startInProcessStack, type Stack, testSecret } from './harness.js';

const N = 60;
const IDENTITY_SECRET = testSecret('identity-secret-for-amplification-tests');
/** Intercom calls one browser request may cause on /messages and /convert, beyond what a valid token costs: one
 * contact search and one conversation search, once per submission and lookup window, whatever the input. */
const LOOKUP_CALLS = 2;

/** Well-formed hostile tokens, in turn: stale (the record is gone), forged, pending (still queued). */
async function hostileTokens(pendingToken: string): Promise<{ kind: string; token: string }[]> {
  const staleSubmissions = Array.from({ length: 5 }, () => randomUUID());
  const tokens: { kind: string; token: string }[] = [];
  for (let i = 0; i < N; i++) {
    switch (i % 4) {
      case 0: // a queued submission's token whose record is gone (store restarted, or past its lifetime)
        tokens.push({ kind: 'stale', token: await signLeadToken({ submissionId: staleSubmissions[i % 5]! }, SECRET) });
        break;
      case 1: // a delivered token whose lead no longer exists
        tokens.push({ kind: 'stale-gone', token: await signLeadToken({ contactId: 'a'.repeat(24), conversationId: '424242', submissionId: randomUUID() }, SECRET) });
        break;
      case 2: // a token signed with another key
        tokens.push({ kind: 'forged', token: await signLeadToken({ submissionId: randomUUID() }, `not-${SECRET}`) });
        break;
      default:
        tokens.push({ kind: 'pending', token: pendingToken });
    }
  }
  return tokens;
}

describe(`hostile lead tokens: ${N} requests per route cost a small fixed number of Intercom calls each`, () => {
  let stack: Stack;
  let pendingToken: string;
  let tokens: { kind: string; token: string }[];
  let baselineLeadCalls: number;
  const dir = mkdtempSync(join(tmpdir(), 'leadrelay-amplification-'));
  let store: SqliteStore;

  before(async () => {
    // A new store file: the records behind older tokens are gone, as after losing a store or past their lifetime.
    store = await SqliteStore.open({ path: join(dir, 'store.db') });
    stack = await startInProcessStack({
      // No drain loop, so the queued submission stays pending and the log holds only what requests cause.
      store,
      testing: { queuePollMs: 0 },
      delivery: { rateWaitMs: 0, pendingLeadWaitMs: 500 },
      identity: { secret: IDENTITY_SECRET },
    });
    const before = apiCalls(await stack.emulatorRequests()).length;
    const plain = await stack.post('/leads', buildLead());
    assert.equal(plain.status, 201);
    baselineLeadCalls = apiCalls(await stack.emulatorRequests()).length - before;
    await stack.addFault({ route: 'POST /contacts', status: 429, times: 1 });
    const queued = await stack.post('/leads', buildLead({ email: 'queued@example.com' }));
    assert.equal(queued.status, 202, queued.text);
    pendingToken = queued.json.leadToken;
    tokens = await hostileTokens(pendingToken);
  });
  after(async () => {
    await stack.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Send every token to one route; answers the most calls one request caused and the total. */
  async function attack(send: (token: string) => Promise<{ status: number }>) {
    let most = 0;
    let total = 0;
    const statuses = new Set<number>();
    for (const { token } of tokens) {
      const before = apiCalls(await stack.emulatorRequests()).length;
      const response = await send(token);
      statuses.add(response.status);
      const calls = apiCalls(await stack.emulatorRequests()).length - before;
      most = Math.max(most, calls);
      total += calls;
    }
    return { most, total, statuses: [...statuses].sort() };
  }

  function report(route: string, result: { most: number; total: number }, bound: number) {
    console.log(`${route}: ${N} hostile requests -> ${result.total} Intercom calls (${(result.total / N).toFixed(2)} per request; most in one request ${result.most}, bound ${bound})`);
  }

  test('POST /messages', async () => {
    const result = await attack((leadToken) => stack.post('/messages', { leadToken, body: 'hello?' }, { key: null }));
    report('/messages', result, LOOKUP_CALLS + 1);
    assert.ok(result.most <= LOOKUP_CALLS + 1, `one request caused ${result.most} Intercom calls`);
    assert.ok(result.total <= 5 * LOOKUP_CALLS + N / 4, `${N} requests caused ${result.total} Intercom calls`);
    assert.ok(result.statuses.every((status) => status < 500 || status === 503), `statuses ${result.statuses}`);
  });

  test('POST /convert (the attacker signs in as themselves)', async () => {
    const identity = { userId: 'attacker-1', userHash: computeUserHash(IDENTITY_SECRET, 'attacker-1') };
    const result = await attack((leadToken) => stack.post('/convert', { leadToken, identity }, { key: null }));
    report('/convert', result, LOOKUP_CALLS + 2);
    assert.ok(result.most <= LOOKUP_CALLS + 2, `one request caused ${result.most} Intercom calls`);
    assert.ok(result.total <= 5 * LOOKUP_CALLS + (N / 4) * 2, `${N} requests caused ${result.total} Intercom calls`);
  });

  test('POST /leads with a hostile leadToken costs what a plain submission costs, plus the token check', async () => {
    const result = await attack((leadToken) => stack.post('/leads', buildLead({ leadToken })));
    report('/leads', result, baselineLeadCalls + LOOKUP_CALLS);
    assert.ok(result.most <= baselineLeadCalls + LOOKUP_CALLS, `one request caused ${result.most} Intercom calls (a plain one ${baselineLeadCalls})`);
  });
});
