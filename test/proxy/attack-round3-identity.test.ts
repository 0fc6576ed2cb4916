// Attacks on sign-in (POST /convert), written as an outsider runs them: only the proxy's public routes and what a site
// hands its own users. Intercom's REST API (the emulator) is read only to check where things ended up.
//  - A site whose users choose their own ids hands out id hashes; one user chose the victim's email as their id.
//  - A sign-in JWT that leaked (a log, a screenshot) long after it was issued, with a distant `exp`.
//  - An attacker planted the victim's email on their own user, to block the victim's sign-in for good or catch it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { computeEmailHash, computeUserHash, identityJwtKey, JWT_AUDIENCE, JWT_ISSUER } from '../../src/proxy/guards/identity.js';
import { verifyLeadToken } from '../../src/proxy/guards/lead-token.js';
import { ACCESS_TOKEN, SECRET, apiCalls, buildLead, startInProcessStack, type Stack } from './harness.js';

const IDENTITY_SECRET = randomBytes(32).toString('hex');
const VICTIM_EMAIL = 'victim@corp.example';

/** What the site's backend hands a signed-in person it knows by id. */
const byUserId = (userId: string) => ({ userId, userHash: computeUserHash(IDENTITY_SECRET, userId) });
/** What the site's backend hands a signed-in person it knows by email alone. */
const byEmail = (email: string) => ({ email, userHash: computeEmailHash(IDENTITY_SECRET, email) });

async function submit(stack: Stack, fields: { email: string; phone?: string; message: string }) {
  const response = await stack.post('/leads', buildLead({ name: 'Someone', phone: undefined, ...fields }));
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

async function newVisitor(stack: Stack) {
  const response = await stack.emulatorFetch('/_emulator/visitors', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Someone' }),
  });
  return ((await response.json()) as { user_id: string }).user_id;
}

const convert = (stack: Stack, body: Record<string, unknown>) => stack.post('/convert', body, { key: null });

const merges = async (stack: Stack) =>
  apiCalls(await stack.emulatorRequests()).filter((r) => r.path === '/contacts/merge').map((r) => r.body as { from: string; into: string });

for (const version of ['2.14', '2.16'] as const) {
  describe(`attack: an id hash over a chosen id passes as the victim's verified email (Intercom ${version})`, () => {
    let stack: Stack;
    before(async () => {
      stack = await startInProcessStack({ intercom: { version }, identity: { secret: IDENTITY_SECRET } });
    });
    after(() => stack.close());
    beforeEach(() => stack.reset());

    test('the id hash is refused with identity_unverified, and nothing of the victim\'s changes', async () => {
      // The victim's Intercom user, known by email alone, no phone, no avatar.
      const victim = await intercom(stack, version, 'POST', '/contacts', { role: 'user', email: VICTIM_EMAIL });
      assert.equal(victim.status, 200);
      // The attacker signs up on the site choosing the victim's email as their user id, and the site hands them
      // their id hash: HMAC(secret, "victim@corp.example"), which is also Intercom's Messenger user_hash for her.
      const handedOut = byUserId(VICTIM_EMAIL).userHash;
      const lead = await submit(stack, { email: 'attacker@evil.example', phone: '+14155550100', message: 'Hi' });
      const visitorId = await newVisitor(stack);

      const response = await convert(stack, {
        leadToken: lead.leadToken,
        visitorId,
        identity: { email: VICTIM_EMAIL, userHash: handedOut, avatar: 'https://evil.example/a.png' },
      });

      assert.equal(response.status, 401, response.text);
      assert.equal(response.json.error.code, 'identity_unverified');
      assert.deepEqual(await merges(stack), []);
      assert.ok(!apiCalls(await stack.emulatorRequests()).some((r) => r.path.startsWith('/visitors')), 'the visitor was converted');
      const after = (await intercom(stack, version, 'GET', `/contacts/${victim.json.id}`)).json;
      assert.ok(!after.phone, 'the victim\'s phone was filled');
      assert.equal(after.avatar, null, 'an avatar was set on the victim');
      assert.equal(await conversationOwner(stack, version, lead.conversationId), lead.leadId);
      // The same request with the email hash the site makes for the victim herself goes through (the control).
      const own = await convert(stack, { leadToken: (await submit(stack, { email: VICTIM_EMAIL, message: 'Me' })).leadToken, identity: byEmail(VICTIM_EMAIL) });
      assert.deepEqual(own.json, { status: 'merged', contactId: victim.json.id });
    });
  });

  describe(`attack: an address that folds onto the victim's under Unicode lower-casing (Intercom ${version})`, () => {
    let stack: Stack;
    before(async () => {
      stack = await startInProcessStack({ intercom: { version }, identity: { secret: IDENTITY_SECRET } });
    });
    after(() => stack.close());
    beforeEach(() => stack.reset());

    test('a sign-in JWT whose verified email is "\u212Aate@…" (Kelvin sign) is never merged into kate@…\'s user', async () => {
      // The attacker registers on the site with the Kelvin sign where kate has a k, and the site signs their JWT with
      // the address exactly as registered. "\u212A".toLowerCase() is "k"; ASCII-only folding keeps them apart.
      const kate = await intercom(stack, version, 'POST', '/contacts', { role: 'user', email: 'kate@corp.example' });
      assert.equal(kate.status, 200);
      const now = Math.floor(Date.now() / 1000);
      const jwt = await new SignJWT({ email: '\u212Aate@corp.example' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('attacker-kelvin')
        .setAudience(JWT_AUDIENCE)
        .setIssuer(JWT_ISSUER)
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(identityJwtKey(IDENTITY_SECRET));
      const lead = await submit(stack, { email: 'attacker@evil.example', message: 'Hi' });
      const response = await convert(stack, { leadToken: lead.leadToken, identity: { jwt } });
      assert.notEqual(response.json.contactId, kate.json.id, `merged into kate's user: ${response.text}`);
      assert.ok(!(await merges(stack)).some((m) => m.into === kate.json.id), "a merge into kate's user");
      assert.notEqual(await conversationOwner(stack, version, lead.conversationId), kate.json.id);
    });
  });

  describe(`attack: a planted email never blocks the victim's sign-in and never catches it (Intercom ${version})`, () => {
    let stack: Stack;
    before(async () => {
      stack = await startInProcessStack({ intercom: { version }, identity: { secret: IDENTITY_SECRET } });
    });
    after(() => stack.close());
    beforeEach(async () => {
      await stack.emulatorFetch('/_emulator/config', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ searchLagMs: 0 }) });
      await stack.reset();
    });

    /** The attacker fills the form with the victim's email and signs in with their own id: the merge plants it. */
    async function plant(): Promise<string> {
      const planted = await submit(stack, { email: VICTIM_EMAIL, message: 'Hello, this is totally the victim.' });
      const response = await convert(stack, { leadToken: planted.leadToken, identity: byUserId('attacker-1') });
      assert.equal(response.status, 200, response.text);
      const attackerId = response.json.contactId as string;
      assert.equal((await intercom(stack, version, 'GET', `/contacts/${attackerId}`)).json.email, VICTIM_EMAIL, 'the plant is in place');
      return attackerId;
    }

    test('the victim signs in by email: her own user, her conversation with her, again and again; the attacker gets nothing', async () => {
      const attackerId = await plant();

      const first = await submit(stack, { email: VICTIM_EMAIL, message: 'Please call me about our contract.' });
      const signIn = await convert(stack, { leadToken: first.leadToken, identity: byEmail(VICTIM_EMAIL) });
      assert.equal(signIn.status, 200, signIn.text);
      assert.equal(signIn.json.status, 'created');
      const victimId = signIn.json.contactId as string;
      assert.notEqual(victimId, attackerId, 'the victim was merged into the attacker');
      assert.equal(await conversationOwner(stack, version, first.conversationId), victimId);
      const victim = (await intercom(stack, version, 'GET', `/contacts/${victimId}`)).json;
      assert.equal(victim.role, 'user');
      assert.equal(victim.email, VICTIM_EMAIL);
      assert.match(victim.external_id, /^leadrelay-email:/);

      // Later sign-ins (a new lead, then a Messenger visitor) find the same user, never the attacker's.
      const second = await submit(stack, { email: VICTIM_EMAIL, message: 'Following up.' });
      const again = await convert(stack, { leadToken: second.leadToken, identity: byEmail(VICTIM_EMAIL) });
      assert.deepEqual(again.json, { status: 'merged', contactId: victimId });
      const visitor = await convert(stack, { visitorId: await newVisitor(stack), identity: byEmail(VICTIM_EMAIL) });
      assert.deepEqual(visitor.json, { status: 'converted', contactId: victimId });

      // Nothing of hers went into the attacker's user: only the attacker's own planted lead was merged there.
      assert.deepEqual((await merges(stack)).filter((m) => m.into === attackerId).length, 1);
      const attackerConversations = (await stack.emulatorState()).conversations.filter((c: any) => c.contacts?.contacts?.[0]?.id === attackerId);
      assert.ok(attackerConversations.every((c: any) => c.id !== first.conversationId && c.id !== second.conversationId));
    });

    test('the victim is not blocked when the attacker\'s user is missing from search (409 on create)', async () => {
      await stack.emulatorFetch('/_emulator/config', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ searchLagMs: 60_000 }) });
      const attacker = await intercom(stack, version, 'POST', '/contacts', { role: 'user', external_id: 'attacker-2', email: VICTIM_EMAIL });
      const lead = await submit(stack, { email: VICTIM_EMAIL, message: 'Please call me.' });
      const response = await convert(stack, { leadToken: lead.leadToken, identity: byEmail(VICTIM_EMAIL) });
      assert.equal(response.status, 200, response.text);
      assert.notEqual(response.json.contactId, attacker.json.id);
      assert.ok(!(await merges(stack)).some((m) => m.into === attacker.json.id), 'merged into the attacker');
      assert.equal(await conversationOwner(stack, version, lead.conversationId), response.json.contactId);
    });

    test('the attacker cannot claim the victim\'s new user by choosing its external id as their own id', async () => {
      await plant();
      const first = await submit(stack, { email: VICTIM_EMAIL, message: 'Mine.' });
      const victimId = (await convert(stack, { leadToken: first.leadToken, identity: byEmail(VICTIM_EMAIL) })).json.contactId as string;
      // Suppose the attacker learned the victim's external id (an agent's screenshot) and the site let them take it as their id.
      const externalId = (await intercom(stack, version, 'GET', `/contacts/${victimId}`)).json.external_id as string;
      const theirs = await submit(stack, { email: 'attacker@evil.example', message: 'Let me in.' });
      const response = await convert(stack, { leadToken: theirs.leadToken, identity: byUserId(externalId) });
      assert.equal(response.status, 401, response.text);
      assert.equal(response.json.error.code, 'identity_unverified');
      assert.equal(await conversationOwner(stack, version, theirs.conversationId), theirs.leadId);
    });
  });
}

describe('attack: a leaked sign-in JWT with a distant exp, long after it was issued', () => {
  let stack: Stack;
  const jwtSecret = randomBytes(32).toString('hex');
  const signed = (issuedSecondsAgo: number) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('victim-5')
      .setAudience(JWT_AUDIENCE)
      .setIssuer(JWT_ISSUER)
      .setIssuedAt(now - issuedSecondsAgo)
      .setExpirationTime(now + 30 * 86400)
      .sign(new TextEncoder().encode(jwtSecret));
  };
  before(async () => {
    stack = await startInProcessStack({ identity: { jwtSecret } });
  });
  after(() => stack.close());

  test('a JWT issued an hour ago is refused (default 10 minutes), one issued a minute ago is accepted', async () => {
    const old = await submit(stack, { email: 'someone@evil.example', message: 'Hi' });
    const refused = await convert(stack, { leadToken: old.leadToken, identity: { jwt: await signed(3600) } });
    assert.equal(refused.status, 401, refused.text);
    assert.equal(refused.json.error.code, 'identity_unverified');
    assert.equal(await conversationOwner(stack, '2.14', old.conversationId), old.leadId);
    const fresh = await convert(stack, { leadToken: old.leadToken, identity: { jwt: await signed(60) } });
    assert.equal(fresh.status, 200, fresh.text);
  });

  test('identity.jwtMaxAgeSeconds changes the limit', async () => {
    const strict = await startInProcessStack({ identity: { jwtSecret, jwtMaxAgeSeconds: 30 } });
    try {
      const lead = await submit(strict, { email: 'someone@evil.example', message: 'Hi' });
      const response = await convert(strict, { leadToken: lead.leadToken, identity: { jwt: await signed(120) } });
      assert.equal(response.status, 401, response.text);
    } finally {
      await strict.close();
    }
  });
});
