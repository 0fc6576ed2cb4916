// Keys outlive the outbox: the widget resends a submission with its key for up to 7 days, so the idempotency record
// lives longer (14 days). On day 6 the same key and body get the first answer and no second lead (fake clock).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { leadRecordKey } from '../../src/proxy/delivery/lead-resolver.js';
import type { Store } from '../../src/proxy/store/index.js';
import { MemoryStore } from '../../src/proxy/store/memory.js';
import { RedisStore } from '../../src/proxy/store/redis.js';
import { OUTBOX_KEEP_MS } from '../../src/proxy/store/retention.js';
import { SqliteStore } from '../../src/proxy/store/sqlite.js';
import { submissionReference } from '../../src/proxy/intercom/submission-reference.js';
import { SECRET, buildLead, startInProcessStack } from './harness.js';
import { startTestRedis } from './redis-server.js';

const DAY = 24 * 60 * 60 * 1000;
const dataDir = mkdtempSync(join(tmpdir(), 'leadrelay-day6-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

const clocks: Record<string, () => Promise<{ store: Store; travel: (ms: number) => void }>> = {
  sqlite: async () => {
    let offset = 0;
    const store = await SqliteStore.open({ path: join(dataDir, `${randomUUID()}.db`), now: () => Date.now() + offset });
    return { store, travel: (ms) => (offset += ms) };
  },
  memory: async () => {
    let offset = 0;
    return { store: new MemoryStore({ now: () => Date.now() + offset }), travel: (ms) => (offset += ms) };
  },
};

for (const [name, open] of Object.entries(clocks)) {
  test(`${name}: the same key and body on day 6 get the first answer and one lead; the record expires after 14 days`, async () => {
    const { store, travel } = await open();
    const stack = await startInProcessStack({ store });
    try {
      const key = randomUUID();
      const body = buildLead({ email: `day6-${name}@example.com` });
      const first = await stack.post('/leads', body, { key });
      assert.equal(first.status, 201, first.text);

      travel(6 * DAY);
      await store.claim(randomUUID(), { fingerprint: 'x', owner: 'sweeper', leaseMs: 1 }); // lets the store sweep
      const sixthDay = await stack.post('/leads', body, { key });
      assert.equal(sixthDay.status, 201);
      assert.equal(sixthDay.headers['idempotent-replayed'], 'true');
      assert.deepEqual(sixthDay.json, first.json);
      const leads = (await stack.emulatorState()).contacts.filter((contact) => contact.custom_attributes?.leadrelay_submission_id === submissionReference(SECRET, key));
      assert.equal(leads.length, 1);

      travel(9 * DAY); // day 15: past the record's lifetime, and long past the outbox's 7 days
      await store.claim(randomUUID(), { fingerprint: 'x', owner: 'sweeper', leaseMs: 1 });
      assert.equal(await store.get(leadRecordKey(key)), undefined, 'records do not live forever');
    } finally {
      await stack.close();
      await store.close();
    }
  });
}

describe('redis', () => {
  let redis: Awaited<ReturnType<typeof startTestRedis>>;
  before(async () => {
    redis = await startTestRedis();
  });
  after(() => redis.stop());

  test('redis: an idempotency record expires well after the outbox gives up (more than 8 days, at most 30)', async () => {
    const prefix = redis.prefix();
    const store = new RedisStore({ url: redis.url, prefix });
    const client = new Redis(redis.url);
    try {
      await store.claim('k', { fingerprint: 'fp', owner: 'o', leaseMs: 1000 });
      const ttl = await client.pttl(`${prefix}idem:k`);
      assert.ok(ttl > OUTBOX_KEEP_MS + DAY && ttl <= 30 * DAY, `ttl ${ttl} ms`);
    } finally {
      client.disconnect();
      await store.close();
    }
  });
});
