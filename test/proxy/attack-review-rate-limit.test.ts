// Attack: dodge the per-IP limit behind a balancer that writes the client's source port into X-Forwarded-For
// (Azure Application Gateway appends `203.0.113.7:52144`; `[2001:db8::7]:52144` for IPv6). A new connection gets a
// new port, so counting the entry as written would give every connection its own bucket.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { clientAddress, rateLimitKey } from '../../src/proxy/guards/client-address.js';
import { buildLead, startInProcessStack, type Stack } from './harness.js';

let stack: Stack;
before(async () => {
  stack = await startInProcessStack({ clients: { rateLimit: 3, trustProxy: true } });
});
after(() => stack.close());

/** What the balancer appends: the client's address and the port its connection came from. */
const through = (entry: string) => ({ headers: { 'x-forwarded-for': entry } });

test('an IPv4 client whose balancer appends its source port gets 429 past the limit, whatever the port', async () => {
  const statuses: number[] = [];
  for (let port = 40001; port <= 40010; port += 1) statuses.push((await stack.post('/leads', buildLead(), through(`198.51.100.7:${port}`))).status);
  assert.deepEqual(statuses.slice(0, 3), [201, 201, 201]);
  assert.deepEqual([...new Set(statuses.slice(3))], [429], 'a new source port is not a new client');
  assert.equal((await stack.post('/leads', buildLead(), through('198.51.100.8:40001'))).status, 201, 'another address still is');
});

test('an IPv6 client written as [address]:port counts under its /64, whatever the port and address inside it', async () => {
  const statuses: number[] = [];
  for (let i = 1; i <= 10; i += 1) statuses.push((await stack.post('/leads', buildLead(), through(`[2001:db8:9:1::${i}]:${50000 + i}`))).status);
  assert.deepEqual(statuses.slice(0, 3), [201, 201, 201]);
  assert.deepEqual([...new Set(statuses.slice(3))], [429]);
});

test('the key of an address with a port is the key of the address alone; a bare IPv6 address keeps all its groups', () => {
  assert.equal(rateLimitKey('192.0.2.1:8080', 64), rateLimitKey('192.0.2.1', 64));
  assert.equal(rateLimitKey('[2001:db8::1]:443', 64), rateLimitKey('2001:db8::1', 64));
  assert.equal(rateLimitKey('[::ffff:192.0.2.1]:443', 64), '192.0.2.1');
  // Eight groups, no brackets: the last group is part of the address, not a port.
  assert.notEqual(rateLimitKey('2001:db8:0:0:0:0:0:1', 128), rateLimitKey('2001:db8:0:0:0:0:0:2', 128));
});

test('with trustProxy, the client address is the X-Forwarded-For entry without its port', () => {
  const request = (entry: string) => new Request('http://proxy.internal/leads', { headers: { 'x-forwarded-for': `198.51.100.1, ${entry}` } });
  assert.equal(clientAddress(request('203.0.113.7:52144'), undefined, true), '203.0.113.7');
  assert.equal(clientAddress(request('[2001:db8::7]:52144'), undefined, true), '2001:db8::7');
  assert.equal(clientAddress(request('2001:db8::7'), undefined, true), '2001:db8::7');
});

test('a form posted twice through a port-appending balancer (two connections) is one submission: one lead', async () => {
  const email = `double.click.${Date.now().toString(36)}@example.com`;
  const post = (port: number) =>
    stack.send('/leads', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': `192.0.2.77:${port}` },
      body: new URLSearchParams({ name: 'Ada', email, message: 'Hello', hp: '' }).toString(),
    });
  assert.equal((await post(41001)).status, 201);
  assert.equal((await post(41002)).status, 201);
  const leads = (await stack.emulatorState()).contacts.filter((contact) => contact.email === email);
  assert.equal(leads.length, 1, 'the second connection\'s post was the same submission');
});
