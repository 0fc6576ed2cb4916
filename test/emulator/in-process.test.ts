// The emulator as a plain fetch handler (no port), and startEmulator's close() with keep-alive connections open.
import assert from 'node:assert/strict';
import { request as httpRequest, Agent } from 'node:http';
import { test } from 'node:test';
import { createEmulator, startEmulator } from '../../src/emulator/index.js';

const authorized = { Authorization: 'Bearer t', 'Content-Type': 'application/json' };

test('createEmulator answers Requests directly, and reset() forgets what it holds', async () => {
  const emulator = createEmulator();
  const created = await emulator.fetch(new Request('http://intercom.test/contacts', { method: 'POST', headers: authorized, body: '{"role":"lead"}' }));
  assert.equal(created.status, 200);
  const before = (await (await emulator.fetch(new Request('http://intercom.test/_emulator/state'))).json()) as { contacts: unknown[] };
  assert.equal(before.contacts.length, 1);
  emulator.reset();
  const after = (await (await emulator.fetch(new Request('http://intercom.test/_emulator/state'))).json()) as { contacts: unknown[] };
  assert.equal(after.contacts.length, 0);
});

test('without a socket to cut, a drop fault rejects like a network failure', async () => {
  const emulator = createEmulator();
  await emulator.fetch(new Request('http://intercom.test/_emulator/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"route":"*","drop":true}' }));
  await assert.rejects(emulator.fetch(new Request('http://intercom.test/contacts', { method: 'POST', headers: authorized, body: '{"role":"lead"}' })), TypeError);
});

test('close() ends idle keep-alive connections and frees the port', async () => {
  const running = await startEmulator();
  assert.match(running.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const agent = new Agent({ keepAlive: true });
  const status = await new Promise<number>((resolve, reject) => {
    const call = httpRequest(`${running.url}/data_attributes`, { agent, headers: { Authorization: 'Bearer t' } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    call.on('error', reject);
    call.end();
  });
  assert.equal(status, 200);
  await running.close();
  await assert.rejects(fetch(`${running.url}/data_attributes`, { headers: { Authorization: 'Bearer t' } }));
  agent.destroy();
});
