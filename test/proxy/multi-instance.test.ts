// Several proxy instances on one Redis: retries of a submission spread over them (some racing) create it once,
// and an instance killed with SIGKILL mid-run and started again loses nothing and duplicates nothing.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { auditWhenDelivered, buildSubmission, driveSubmissions } from '../../bench/fault-load.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { serve, type ServedProxy } from '../../src/proxy/node.js';
import { RedisStore } from '../../src/proxy/store/redis.js';
import { ACCESS_TOKEN, SECRET, testProxyOptions } from './harness.js';
import { startProxyProcess, type ProxyProcess } from './proxy-process.js';
import { startTestRedis, type TestRedis } from './redis-server.js';

/** A short claim lease (renewed by a heartbeat while its holder lives), so a killed instance's work is taken over in a second. */
const LEASE_MS = 1_000;
/** The CLI child's tuning: the same short lease and recovery bound as the in-process instance. */
const CHILD_ENV = { LEADRELAY_LEASE_MS: String(LEASE_MS), LEADRELAY_RECOVERY_LAG_MS: '200' };

let redis: TestRedis;
before(async () => {
  redis = await startTestRedis();
});
after(() => redis.stop());

interface Instance {
  proxy: ServedProxy;
  store: RedisStore;
  logs: Record<string, unknown>[];
}

async function startInstance(emulator: RunningEmulator, prefix: string): Promise<Instance> {
  const store = new RedisStore({ url: redis.url, prefix });
  const logs: Record<string, unknown>[] = [];
  const proxy = await serve({
    port: 0,
    ...testProxyOptions(emulator.url, logs),
    store,
    intercom: { ...(testProxyOptions(emulator.url, logs)).intercom, retryBaseMs: 10 },
    // The emulator's search has no lag here: a 503 before commit is proven harmless after this bound (leads.ts).
    delivery: { recoveryLagMs: 200, leaseMs: LEASE_MS },
    testing: { queuePollMs: 20 },
    // The queue's backoff is the one retry of a queued delivery: short here, as the faults stay on while it drains.
    queue: { retry: { firstMs: 20, maxMs: 200 } },
  });
  return { proxy, store, logs };
}

async function addFaults(emulator: RunningEmulator, faults: Record<string, unknown>[]): Promise<void> {
  const response = await fetch(`${emulator.url}/_emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  assert.equal(response.status, 200);
}

async function postLead(url: string, key: string, body: string): Promise<{ status: number; json: any; text: string }> {
  try {
    const response = await fetch(`${url}/leads`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined, text };
  } catch {
    return { status: 0, json: undefined, text: '' };
  }
}

describe('two proxy instances on one Redis', () => {
  let emulator: RunningEmulator;
  let a: Instance;
  let b: Instance;
  before(async () => {
    emulator = await startEmulator({ port: 0 });
    const prefix = redis.prefix();
    a = await startInstance(emulator, prefix);
    b = await startInstance(emulator, prefix);
  });
  after(async () => {
    for (const instance of [a, b]) {
      await instance.proxy.close();
      await instance.store.close();
    }
    await emulator.close();
  });

  test('racing and alternating retries of each submission over both instances create one lead and one conversation', async () => {
    // Failures before commit on both creating calls, so many submissions need several attempts to finish.
    await addFaults(emulator, [
      { route: 'POST /contacts', status: 503, rate: 0.3 },
      { route: 'POST /conversations', status: 503, rate: 0.3 },
    ]);
    const n = 60;
    const answers = new Map<string, { status: number; json: any; text: string }[]>();
    await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const key = randomUUID();
        const body = JSON.stringify(buildSubmission(i));
        const seen: { status: number; json: any; text: string }[] = [];
        answers.set(key, seen);
        // First attempt: the same key to both instances at once.
        seen.push(...(await Promise.all([postLead(a.proxy.url, key, body), postLead(b.proxy.url, key, body)])));
        // Then alternate instances until one accepts, as a client with a list of upstreams would.
        for (let k = 0; !seen.some((answer) => answer.status === 201 || answer.status === 202) && k < 50; k += 1) {
          seen.push(await postLead((k % 2 ? a : b).proxy.url, key, body));
        }
        // And once more on each: both replay the stored answer.
        seen.push(await postLead(a.proxy.url, key, body), await postLead(b.proxy.url, key, body));
      }),
    );

    for (const [key, seen] of answers) {
      // 201 created, or 202 queued (accepted durably, delivered by the drain loop); replays carry the first answer.
      const accepted = seen.filter((answer) => answer.status === 201 || answer.status === 202);
      const statuses = seen.map((answer) => `${answer.status} ${answer.json?.error?.code ?? ''}`).join(', ');
      assert.ok(accepted.length >= 2, `${key} was accepted and replayed: ${statuses}`);
      // A 202 may be followed by a 201 once the queued submission is delivered; every 201 names one conversation.
      const created = accepted.filter((answer) => answer.status === 201);
      assert.ok(new Set(created.map((answer) => answer.json.conversationId)).size <= 1, `${key}: one conversation id: ${statuses}`);
      for (const answer of seen) assert.ok([201, 202, 409, 502, 503].includes(answer.status), `${key}: ${answer.status} ${answer.text}`);
    }
    const results = [...answers.keys()].map((key) => ({ key, status: 201, attempts: 0, latencyMs: 0 }));
    const audit = await auditWhenDelivered(emulator.url, results, 30_000, SECRET);
    assert.deepEqual({ created: audit.created, duplicated: audit.duplicated, lost: audit.lost, leads: audit.leads, conversations: audit.conversations }, {
      created: n,
      duplicated: 0,
      lost: 0,
      leads: n,
      conversations: n,
    });
    const served = (instance: Instance) =>
      instance.logs.filter((line) => line.route === '/leads' && (line.status === 201 || line.status === 202)).length;
    assert.ok(served(a) > 0 && served(b) > 0, 'both instances answered');
    for (const line of [...a.logs, ...b.logs]) assert.ok(!JSON.stringify(line).includes(ACCESS_TOKEN));
  });
});

describe('an instance killed with SIGKILL mid-run', () => {
  let emulator: RunningEmulator;
  let a: Instance;
  let child: ProxyProcess;
  const childOutput: string[] = [];
  before(async () => {
    emulator = await startEmulator({ port: 0 });
    // The child uses the CLI's default prefix; the in-process instance must share it.
    a = await startInstance(emulator, 'leadrelay:');
    child = await startProxyProcess({ emulatorUrl: emulator.url, accessToken: ACCESS_TOKEN, secret: SECRET, redisUrl: redis.url, env: CHILD_ENV });
  });
  after(async () => {
    await child.stop();
    childOutput.push(child.output());
    await a.proxy.close();
    await a.store.close();
    await emulator.close();
  });

  // A request in flight in the killed instance is an ambiguous failure: the emulator may have created the object
  // with nobody left to record it. The claim it held lapses after LEASE_MS; whoever resumes finds the step pending
  // and searches for the submission before creating again (settleStep, lead-steps.ts), so nothing is made twice.
  test('clients retrying with the same keys lose nothing and duplicate nothing across the kill and restart', async () => {
    // Slow conversation calls keep requests in flight in the child when it is killed.
    await addFaults(emulator, [{ route: 'POST /conversations', delayMs: 150, rate: 0.5 }]);
    const n = 40;
    let killedAt = 0;
    const results = await driveSubmissions({
      n,
      concurrency: 8,
      proxyUrls: () => [a.proxy.url, child.url],
      raceEvery: 3,
      maxRetryDelayMs: 500,
      onSettled: async (done) => {
        if (killedAt || done < 10) return;
        killedAt = done;
        const port = child.port;
        await child.kill();
        childOutput.push(child.output());
        child = await startProxyProcess({ emulatorUrl: emulator.url, accessToken: ACCESS_TOKEN, secret: SECRET, redisUrl: redis.url, port, env: CHILD_ENV });
      },
    });
    assert.ok(killedAt > 0, 'the child was killed during the run');
    assert.equal(results.filter((result) => result.status === 201 || result.status === 202).length, n, 'every submission was accepted');
    const audit = await auditWhenDelivered(emulator.url, results, 90_000, SECRET);
    const detail = `leads ${audit.leads}, conversations ${audit.conversations}, duplicate ids ${audit.duplicateIds.join(' ')}`;
    assert.deepEqual({ created: audit.created, duplicated: audit.duplicated, lost: audit.lost }, { created: n, duplicated: 0, lost: 0 }, detail);
    assert.equal(audit.leads, n);
    assert.equal(audit.conversations, n);
    for (const text of [...childOutput, child.output()]) assert.ok(!text.includes(ACCESS_TOKEN), 'the token is in no log line');
  });
});
