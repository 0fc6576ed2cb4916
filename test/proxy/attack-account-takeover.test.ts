// Attack (issue 14, finding 1): an attacker plants a victim's email on their own user; the victim's lead must never follow.
// Written as the attacker runs it: only the proxy's public routes, on a site that verifies some users by user id
// and others by an email hash. Intercom's own REST API is read only to check where things ended up.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { computeEmailHash, computeUserHash } from '../../src/proxy/guards/identity.js';
import { verifyLeadToken } from '../../src/proxy/guards/lead-token.js';
import { ACCESS_TOKEN, SECRET, apiCalls, buildLead, startInProcessStack, type Stack, testSecret } from './harness.js';

const IDENTITY_SECRET = testSecret('identity-secret-for-takeover-tests');
const VICTIM_EMAIL = 'victim@corp.example';

/** What the site's backend hands each signed-in person, by how it knows them. */
const byUserId = (userId: string) => ({ userId, userHash: computeUserHash(IDENTITY_SECRET, userId) });
const byEmail = (email: string) => ({ email, userHash: computeEmailHash(IDENTITY_SECRET, email) });

async function submit(stack: Stack, email: string, message: string) {
  const response = await stack.post('/leads', buildLead({ name: 'Someone', email, phone: undefined, message }));
  assert.equal(response.status, 201, response.text);
  const claims = await verifyLeadToken(response.json.leadToken, SECRET);
  return { leadToken: response.json.leadToken as string, leadId: claims.contactId, conversationId: response.json.conversationId as string };
}

async function intercom(stack: Stack, version: string, method: string, path: string, body?: unknown) {
  const response = await stack.emulatorFetch(path, {
    method,
    headers: { authorization: `Bearer ${ACCESS_TOKEN}`, 'intercom-version': version, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as any };
}

async function conversationOwner(stack: Stack, version: string, conversationId: string): Promise<string> {
  const response = await intercom(stack, version, 'GET', `/conversations/${conversationId}`);
  assert.equal(response.status, 200);
  return response.json.contacts.contacts[0].id;
}

const convert = (stack: Stack, body: Record<string, unknown>) => stack.post('/convert', body, { key: null });

const setSearchLag = (stack: Stack, searchLagMs: number) =>
  stack.emulatorFetch('/_emulator/config', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ searchLagMs }) });

for (const version of ['2.14', '2.16'] as const) {
  describe(`someone else's lead never lands in the attacker's account (Intercom ${version})`, () => {
    let stack: Stack;
    before(async () => {
      stack = await startInProcessStack({ intercom: { version }, identity: { secret: IDENTITY_SECRET } });
    });
    after(() => stack.close());
    beforeEach(async () => {
      await setSearchLag(stack, 0);
      await stack.reset();
    });

    test('the full sequence: the victim\'s conversation never reaches the attacker; she gets a user of her own', async () => {
      // 1. The attacker fills the form with the victim's address, then signs in with their own user id.
      const planted = await submit(stack, VICTIM_EMAIL, 'Hello, this is totally the victim.');
      const attackerSignIn = await convert(stack, { leadToken: planted.leadToken, identity: byUserId('attacker-1') });
      assert.equal(attackerSignIn.status, 200, attackerSignIn.text);
      const attackerId = attackerSignIn.json.contactId as string;
      // The merge filled the attacker's empty email with the typed, unverified one: the plant is in place.
      assert.equal((await intercom(stack, version, 'GET', `/contacts/${attackerId}`)).json.email, VICTIM_EMAIL);

      // 2. Later the real victim writes in, then signs in; the site verifies them by their email.
      const victim = await submit(stack, VICTIM_EMAIL, 'Please call me about our contract.');
      const victimSignIn = await convert(stack, { leadToken: victim.leadToken, identity: byEmail(VICTIM_EMAIL) });

      assert.notEqual(victimSignIn.json?.contactId, attackerId, 'the victim was merged into the attacker');
      // The planted email blocks nothing (attack-round3-identity.test.ts has the rest): she has a user of her own.
      assert.equal(victimSignIn.status, 200, victimSignIn.text);
      assert.equal(await conversationOwner(stack, version, victim.conversationId), victimSignIn.json.contactId);
      assert.ok(!victimSignIn.text.includes(attackerId), 'the answer names the other account');
      const merges = apiCalls(await stack.emulatorRequests()).filter((r) => r.path === '/contacts/merge');
      assert.deepEqual(merges.map((r) => (r.body as { into: string }).into).filter((into) => into === attackerId).length, 1);
    });

    test('after a 409 on create user, a contact that is not the verified user is never merged into', async () => {
      // The attacker's user holds the victim's email and is not in the search index yet: the proxy's search misses
      // it, the create answers 409 naming it, and that contact must be checked before it is used.
      await setSearchLag(stack, 60_000);
      const attacker = await intercom(stack, version, 'POST', '/contacts', { role: 'user', external_id: 'attacker-2', email: VICTIM_EMAIL });
      assert.equal(attacker.status, 200);
      const victim = await submit(stack, VICTIM_EMAIL, 'Please call me.');
      const response = await convert(stack, { leadToken: victim.leadToken, identity: byEmail(VICTIM_EMAIL) });
      assert.equal(response.status, 200, response.text);
      assert.notEqual(response.json.contactId, attacker.json.id);
      assert.ok(apiCalls(await stack.emulatorRequests()).some((r) => r.method === 'POST' && r.path === '/contacts' && r.status === 409));
      const merges = apiCalls(await stack.emulatorRequests()).filter((r) => r.path === '/contacts/merge');
      assert.ok(!merges.some((r) => (r.body as { into: string }).into === attacker.json.id), 'merged into the attacker');
      assert.equal(await conversationOwner(stack, version, victim.conversationId), response.json.contactId);
    });

    test('an email-verified identity still merges into the user Intercom knows by that email alone', async () => {
      const owner = await intercom(stack, version, 'POST', '/contacts', { role: 'user', email: 'ada@corp.example' });
      const lead = await submit(stack, 'ada@corp.example', 'Hi again.');
      const response = await convert(stack, { leadToken: lead.leadToken, identity: byEmail('ada@corp.example') });
      assert.deepEqual(response.json, { status: 'merged', contactId: owner.json.id });
      assert.equal(await conversationOwner(stack, version, lead.conversationId), owner.json.id);
    });

    test('a user id identity is never found through an email: a same-email user with another external_id is left alone', async () => {
      const other = await intercom(stack, version, 'POST', '/contacts', { role: 'user', external_id: 'someone-else', email: 'shared@corp.example' });
      const lead = await submit(stack, 'shared@corp.example', 'Hello.');
      const jwtLike = { ...byUserId('u-77'), email: 'shared@corp.example' };
      const response = await convert(stack, { leadToken: lead.leadToken, identity: jwtLike });
      assert.equal(response.status, 200, response.text);
      assert.notEqual(response.json.contactId, other.json.id);
      assert.equal((await intercom(stack, version, 'GET', `/contacts/${response.json.contactId}`)).json.external_id, 'u-77');
    });
  });
}
