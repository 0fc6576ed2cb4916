// IPv6 clients are rate-limited per network (a /64 by default, `ipv6Prefix`), IPv4-mapped IPv6 as IPv4: issue 14 finding 4.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rateLimitKey } from '../../src/proxy/guards/client-address.js';
import { createProxy } from '../../src/proxy/app.js';
import { optionsFromEnv } from '../../src/proxy/cli.js';
import { ACCESS_TOKEN, SECRET, buildLead, startInProcessStack } from './harness.js';

/** Through a load balancer (trustProxy): the right-most X-Forwarded-For entry is the client. */
const from = (address: string) => ({ headers: { 'x-forwarded-for': `203.0.113.9, ${address}` } });

describe('the per-IP limit against one IPv6 subscriber', () => {
  test('30 addresses from one /64 get 429 past the limit, while another /64 is still served', async () => {
    const stack = await startInProcessStack({ clients: { rateLimit: 3, trustProxy: true } });
    try {
      const statuses: number[] = [];
      for (let i = 1; i <= 30; i += 1) statuses.push((await stack.post('/leads', buildLead(), from(`2001:db8:7:1::${i.toString(16)}`))).status);
      assert.deepEqual(statuses.slice(0, 3), [201, 201, 201]);
      assert.deepEqual([...new Set(statuses.slice(3))], [429], 'every address of the /64 past the limit is refused');
      assert.equal((await stack.post('/leads', buildLead(), from('2001:db8:7:2::1'))).status, 201, 'the next /64 is another client');
      const contacts = (await stack.emulatorState()).contacts.filter((contact) => contact.role === 'lead');
      assert.equal(contacts.length, 4, 'only the leads within the limit were created');
    } finally {
      await stack.close();
    }
  });

  test('an IPv4-mapped IPv6 address counts as that IPv4 address', async () => {
    const stack = await startInProcessStack({ clients: { rateLimit: 1, trustProxy: true } });
    try {
      assert.equal((await stack.post('/leads', buildLead(), from('198.51.100.20'))).status, 201);
      assert.equal((await stack.post('/leads', buildLead(), from('::ffff:198.51.100.20'))).status, 429);
      assert.equal((await stack.post('/leads', buildLead(), from('::ffff:c633:6414'))).status, 429);
    } finally {
      await stack.close();
    }
  });

  test('ipv6Prefix 128 counts each address on its own; 48 groups neighbouring /64s', async () => {
    const exact = await startInProcessStack({ clients: { rateLimit: 1, trustProxy: true, ipv6Prefix: 128 } });
    try {
      assert.equal((await exact.post('/leads', buildLead(), from('2001:db8:7:1::1'))).status, 201);
      assert.equal((await exact.post('/leads', buildLead(), from('2001:db8:7:1::2'))).status, 201);
    } finally {
      await exact.close();
    }
    const wide = await startInProcessStack({ clients: { rateLimit: 1, trustProxy: true, ipv6Prefix: 48 } });
    try {
      assert.equal((await wide.post('/leads', buildLead(), from('2001:db8:7:1::1'))).status, 201);
      assert.equal((await wide.post('/leads', buildLead(), from('2001:db8:7:ffff::1'))).status, 429);
    } finally {
      await wide.close();
    }
  });
});

describe('rateLimitKey', () => {
  test('masks IPv6 to the prefix, whatever the spelling, and keeps IPv4 as is', () => {
    const key = rateLimitKey('2001:db8:7:1::2a', 64);
    assert.equal(key, '2001:db8:7:1:0:0:0:0/64');
    for (const spelling of ['2001:0DB8:0007:0001:ffff:ffff:ffff:ffff', '[2001:db8:7:1::1]', '2001:db8:7:1::1%eth0', '2001:db8:7:1:0:0:0:0']) {
      assert.equal(rateLimitKey(spelling, 64), key, spelling);
    }
    assert.equal(rateLimitKey('2001:db8:7:1:aaaa::1', 72), '2001:db8:7:1:aa00:0:0:0/72');
    assert.equal(rateLimitKey('198.51.100.7', 64), '198.51.100.7');
    assert.equal(rateLimitKey('::ffff:198.51.100.7', 64), '198.51.100.7');
    assert.equal(rateLimitKey('::1', 64), '0:0:0:0:0:0:0:0/64');
  });

  test('keeps a value that is not an IP address as is, bounded in length', () => {
    assert.equal(rateLimitKey('session-42', 64), 'session-42');
    assert.equal(rateLimitKey('x'.repeat(500), 64).length, 100);
    assert.equal(rateLimitKey('1:2:3:4:5:6:7:8:9', 64), '1:2:3:4:5:6:7:8:9');
  });

  test('createProxy refuses an ipv6Prefix outside 1-128', () => {
    for (const ipv6Prefix of [0, 129, 64.5]) {
      assert.throws(() => createProxy({ intercom: { accessToken: ACCESS_TOKEN }, secret: SECRET, clients: { ipv6Prefix } }), /ipv6Prefix/);
    }
  });

  test('the CLI reads LEADRELAY_IPV6_PREFIX and LEADRELAY_PUBLIC_URL, and names a wrong value', () => {
    const env = { INTERCOM_ACCESS_TOKEN: 'tok', LEADRELAY_SECRET: SECRET };
    const options = optionsFromEnv({ ...env, LEADRELAY_IPV6_PREFIX: '56', LEADRELAY_PUBLIC_URL: 'https://www.example.com/api/leadrelay' }, false);
    assert.equal(options.clients?.ipv6Prefix, 56);
    assert.equal(options.origins?.publicUrl, 'https://www.example.com/api/leadrelay');
    assert.throws(() => optionsFromEnv({ ...env, LEADRELAY_IPV6_PREFIX: '129' }, false), /LEADRELAY_IPV6_PREFIX/);
    assert.throws(() => optionsFromEnv({ ...env, LEADRELAY_PUBLIC_URL: 'www.example.com' }, false), /LEADRELAY_PUBLIC_URL/);
  });
});
