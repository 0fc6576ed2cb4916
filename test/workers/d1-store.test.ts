// The Store contract against Cloudflare D1: D1Store over the D1 binding of a real workerd (Miniflare, from npm), each
// store on a database of its own. Also two stores on one database racing, as two Workers sharing one D1 would.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Miniflare } from 'miniflare';
import { D1Store, type D1DatabaseLike } from '../../src/proxy/store/d1.js';
import { describeStoreContract } from '../proxy/store-contract.js';

let mf: Miniflare;
let databases = 0;
const MAX_DATABASES = 64;
before(async () => {
  // Databases are declared up front (a binding each); a store takes the next unused one.
  mf = new Miniflare({
    modules: true,
    script: 'export default { fetch() { return new Response(null, { status: 404 }); } };',
    compatibilityDate: '2025-09-01',
    d1Databases: Array.from({ length: MAX_DATABASES }, (_, i) => `DB${i}`),
  });
  await mf.ready;
});
after(async () => {
  await mf.dispose();
});

async function database(): Promise<D1DatabaseLike> {
  assert.ok(databases < MAX_DATABASES, 'more D1 databases than declared');
  return (await mf.getD1Database(`DB${databases++}`)) as unknown as D1DatabaseLike;
}

// Each call crosses from Node into workerd, which is slower than a Worker's own call to D1: the tables are made
// before the test starts, and waiters re-read every 500 ms instead of 100, so ten of them do not crowd out the holder
// on a loaded machine (a Worker's own D1 calls are cheaper; there the default stands).
describeStoreContract('d1', async () => {
  const store = new D1Store(await database(), { pollMs: 500 });
  await store.get('create-the-tables');
  return store;
});

describe('D1Store: two Workers on one database', () => {
  test('racing to claim one key: exactly one winner, the rest busy', async () => {
    const db = await database();
    const [a, b] = [new D1Store(db), new D1Store(db)];
    for (let round = 0; round < 10; round += 1) {
      const key = randomUUID();
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).claim(key, { fingerprint: 'fp', owner: `o${i}`, leaseMs: 10_000 })),
      );
      assert.equal(claims.filter((claim) => claim.outcome === 'claimed').length, 1, `round ${round}`);
      assert.equal(claims.filter((claim) => claim.outcome === 'busy').length, 7);
    }
  });

  test('racing to lease one queue: each item leased once, never more than the limit at a time', async () => {
    const db = await database();
    const [a, b] = [new D1Store(db), new D1Store(db)];
    for (let i = 0; i < 6; i += 1) await a.enqueue('q', `item-${i}`, '{}');
    const leases = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).leaseNext('q', `owner-${i}`, 10_000, 4)));
    const taken = leases.filter((item) => item !== undefined).map((item) => item.id);
    assert.equal(taken.length, 4, 'the limit holds across both stores');
    assert.equal(new Set(taken).size, 4, 'no item leased twice');
    assert.deepEqual([...taken].sort(), ['item-0', 'item-1', 'item-2', 'item-3'], 'in queue order');
  });
});
