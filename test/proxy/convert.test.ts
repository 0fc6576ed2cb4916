// POST /convert against the emulator, in-process: verified users only, lead merged or user created, twice is harmless.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { computeEmailHash, computeUserHash, identityJwtKey, JWT_AUDIENCE, JWT_ISSUER } from '../../src/proxy/guards/identity.js';
import { signLeadToken, verifyLeadToken } from '../../src/proxy/guards/lead-token.js';
import type { Identity } from '../../src/protocol/wire.js';
import { validateRequest } from '../fixtures/intercom/validate.js';
import { ACCESS_TOKEN, SECRET, apiCalls, buildLead, startInProcessStack, type Stack, testSecret } from './harness.js';
import { serveInProcess } from './in-process.js';

const IDENTITY_SECRET = testSecret('identity-secret-for-convert-tests');
const AVATAR = 'https://cdn.example.com/avatars/ada.png';

/** A user hash identity, as the customer's server computes it for Intercom's Messenger. */
function hashIdentity(userId: string, extra: Partial<Identity> = {}): Identity {
  return { userId, userHash: computeUserHash(IDENTITY_SECRET, userId), ...extra };
}

/** A JWT identity: HS256, `sub` = user id, `exp` in `expiresIn` seconds (negative: already expired). */
async function jwtIdentity(sub: string, { email, expiresIn = 300, secret = IDENTITY_SECRET } = {} as {
  email?: string;
  expiresIn?: number;
  secret?: string;
}): Promise<Identity> {
  const now = Math.floor(Date.now() / 1000);
  const claims = email ? { email } : {};
  const jwt = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setAudience(JWT_AUDIENCE)
    .setIssuer(JWT_ISSUER)
    .setIssuedAt(now - 60)
    .setExpirationTime(now + expiresIn)
    .sign(identityJwtKey(secret));
  return { jwt };
}

/** Submit the widget's POST /leads body; answers the lead token and the ids it names. */
async function submitLead(stack: Stack, overrides: Record<string, unknown> = {}) {
  const response = await stack.post('/leads', buildLead(overrides));
  assert.equal(response.status, 201, response.text);
  const claims = await verifyLeadToken(response.json.leadToken, SECRET);
  return { leadToken: response.json.leadToken as string, leadId: claims.contactId, conversationId: response.json.conversationId as string };
}

/** Call the emulator's REST API directly, as another Intercom client of the same workspace would. */
async function intercom(stack: Stack, version: string, method: string, path: string, body?: unknown) {
  const response = await stack.emulatorFetch(path, {
    method,
    headers: { authorization: `Bearer ${ACCESS_TOKEN}`, 'intercom-version': version, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, json: (await response.json()) as any };
}

async function createUser(stack: Stack, version: string, fields: { external_id?: string; email?: string }) {
  const response = await intercom(stack, version, 'POST', '/contacts', { role: 'user', ...fields });
  assert.equal(response.status, 200);
  return response.json.id as string;
}

async function conversationOwner(stack: Stack, version: string, conversationId: string): Promise<string> {
  const response = await intercom(stack, version, 'GET', `/conversations/${conversationId}`);
  assert.equal(response.status, 200);
  return response.json.contacts.contacts[0].id;
}

const convert = (stack: Stack, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  stack.post('/convert', body, { key: null, headers });

for (const version of ['2.14', '2.16'] as const) {
  describe(`POST /convert on Intercom ${version}`, () => {
    let stack: Stack;
    before(async () => {
      stack = await startInProcessStack({
        intercom: { version },
        identity: {
          secret: IDENTITY_SECRET,
          // The customer's session check when the proxy is mounted in their backend.
          authenticate: async (request) => (request.headers.get('x-test-session') === 'grace' ? { userId: 'u-grace' } : null),
        },
      });
    });
    after(() => stack.close());
    beforeEach(() => stack.reset());

    const goneStatus = version === '2.14' ? 404 : 410;

    test('a valid user hash for a user Intercom lacks creates them; the lead is gone and its conversation is theirs', async () => {
      const lead = await submitLead(stack);
      const response = await convert(stack, { leadToken: lead.leadToken, identity: hashIdentity('u-new') });
      assert.equal(response.status, 200, response.text);
      assert.equal(response.json.status, 'created');
      const user = await intercom(stack, version, 'GET', `/contacts/${response.json.contactId}`);
      assert.equal(user.json.role, 'user');
      assert.equal(user.json.external_id, 'u-new');
      assert.equal((await intercom(stack, version, 'GET', `/contacts/${lead.leadId}`)).status, goneStatus);
      assert.equal(await conversationOwner(stack, version, lead.conversationId), response.json.contactId);
    });

    test('a valid user hash for an existing user merges the lead into them', async () => {
      const userId = await createUser(stack, version, { external_id: 'u-ada', email: 'ada.work@example.com' });
      const lead = await submitLead(stack);
      const response = await convert(stack, { leadToken: lead.leadToken, identity: hashIdentity('u-ada') });
      assert.deepEqual(response.json, { status: 'merged', contactId: userId });
      assert.equal((await intercom(stack, version, 'GET', `/contacts/${lead.leadId}`)).status, goneStatus);
      assert.equal(await conversationOwner(stack, version, lead.conversationId), userId);
      const merge = apiCalls(await stack.emulatorRequests()).find((r) => r.path === '/contacts/merge')!;
      // The emails differ, so 2.16 would refuse the merge without the skip flag; 2.14 has no such flag.
      const expected: Record<string, unknown> = { from: lead.leadId, into: userId };
      if (version === '2.16') expected.skip_duplicate_validation = true;
      assert.deepEqual(merge.body, expected);
    });

    test('every request a conversion sends validates against the version\'s request schemas', async () => {
      await createUser(stack, version, { email: 'ada@example.com' });
      const lead = await submitLead(stack, { avatar: AVATAR });
      const response = await convert(stack, { leadToken: lead.leadToken, identity: await jwtIdentity('u-ada', { email: 'ada@example.com' }) });
      assert.equal(response.status, 200, response.text);
      for (const request of apiCalls(await stack.emulatorRequests())) {
        const result = validateRequest(version, request.method, request.path, request.body);
        assert.ok(result.valid, `${request.method} ${request.path}: ${result.errors.join('; ')}`);
      }
    });

    test('a valid JWT with a verified email merges into the user with that email; without a match it creates one', async () => {
      const userId = await createUser(stack, version, { email: 'grace@example.com' });
      const first = await submitLead(stack, { email: 'grace@example.com' });
      const merged = await convert(stack, { leadToken: first.leadToken, identity: await jwtIdentity('u-grace', { email: 'grace@example.com' }) });
      assert.deepEqual(merged.json, { status: 'merged', contactId: userId });
      assert.equal(await conversationOwner(stack, version, first.conversationId), userId);

      const second = await submitLead(stack);
      const created = await convert(stack, { leadToken: second.leadToken, identity: await jwtIdentity('u-linus') });
      assert.equal(created.json.status, 'created');
      assert.equal((await intercom(stack, version, 'GET', `/contacts/${second.leadId}`)).status, goneStatus);
      assert.equal(await conversationOwner(stack, version, second.conversationId), created.json.contactId);
    });

    test('an email hash (no user id) merges into the user with that email', async () => {
      const userId = await createUser(stack, version, { email: 'ada@example.com' });
      const lead = await submitLead(stack);
      const identity = { email: 'ada@example.com', userHash: computeEmailHash(IDENTITY_SECRET, 'ada@example.com') };
      const response = await convert(stack, { leadToken: lead.leadToken, identity });
      assert.deepEqual(response.json, { status: 'merged', contactId: userId });
      // Same email on lead and user: 2.16's duplicate check passes without the skip flag.
      const merge = apiCalls(await stack.emulatorRequests()).find((r) => r.path === '/contacts/merge')!;
      assert.deepEqual(merge.body, { from: lead.leadId, into: userId });
    });

    test('the authenticate hook verifies the session user without any identity in the body', async () => {
      const lead = await submitLead(stack);
      const response = await convert(stack, { leadToken: lead.leadToken }, { 'x-test-session': 'grace' });
      assert.equal(response.status, 200, response.text);
      assert.equal(response.json.status, 'created');
      assert.equal((await intercom(stack, version, 'GET', `/contacts/${response.json.contactId}`)).json.external_id, 'u-grace');
      assert.equal(await conversationOwner(stack, version, lead.conversationId), response.json.contactId);
    });

    test('converting twice answers the same user, also from a proxy that never saw the first conversion', async () => {
      const lead = await submitLead(stack);
      const first = await convert(stack, { leadToken: lead.leadToken, identity: hashIdentity('u-twice') });
      const again = await convert(stack, { leadToken: lead.leadToken, identity: hashIdentity('u-twice') });
      assert.deepEqual(again.json, first.json);

      // A second instance with its own store only has Intercom to ask: the lead is gone (404/410), its conversation is not.
      const other = serveInProcess({ port: 0, intercom: { accessToken: ACCESS_TOKEN, baseUrl: stack.emulator.url, version }, secret: SECRET, identity: { secret: IDENTITY_SECRET }, testing: { setupDataAttributes: false } });
      try {
        const response = await other.request('/convert', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ leadToken: lead.leadToken, identity: hashIdentity('u-twice') }),
        });
        assert.equal(response.status, 200);
        assert.deepEqual(await response.json(), { status: 'merged', contactId: first.json.contactId });
      } finally {
        await other.close();
      }
      const users = (await stack.emulatorState()).contacts.filter((contact) => contact.external_id === 'u-twice');
      assert.equal(users.length, 1, 'one user, not one per conversion');
    });

    test('a lead already merged into another user is refused, without naming that user', async () => {
      const lead = await submitLead(stack);
      const first = await convert(stack, { leadToken: lead.leadToken, identity: hashIdentity('u-first') });
      const response = await convert(stack, { leadToken: lead.leadToken, identity: hashIdentity('u-second') });
      assert.equal(response.status, 409);
      assert.equal(response.json.error.code, 'lead_already_converted');
      assert.ok(!response.text.includes(first.json.contactId));
    });

    test('a Messenger visitor is converted with /visitors/convert into the verified user', async () => {
      const visitor = await (await stack.emulatorFetch('/_emulator/visitors', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ada' }) })).json();
      const response = await convert(stack, { visitorId: visitor.user_id, identity: hashIdentity('u-visitor') });
      assert.equal(response.status, 200, response.text);
      assert.equal(response.json.status, 'converted');
      const call = apiCalls(await stack.emulatorRequests()).find((r) => r.path === '/visitors/convert')!;
      assert.deepEqual(call.body, { type: 'user', visitor: { user_id: visitor.user_id }, user: { user_id: 'u-visitor' } });
      const state = await stack.emulatorState();
      assert.equal(state.contacts.find((c) => c.id === response.json.contactId)?.external_id, 'u-visitor');
      assert.equal((state as any).visitors.length, 0);
      const again = await convert(stack, { visitorId: visitor.user_id, identity: hashIdentity('u-visitor') });
      assert.deepEqual(again.json, response.json);
    });

    test('a lead token and a visitor id together end on one user; the answer is the lead\'s', async () => {
      const lead = await submitLead(stack);
      const visitor = await (await stack.emulatorFetch('/_emulator/visitors', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json();
      const response = await convert(stack, { leadToken: lead.leadToken, visitorId: visitor.user_id, identity: hashIdentity('u-both') });
      assert.equal(response.json.status, 'created');
      const call = apiCalls(await stack.emulatorRequests()).find((r) => r.path === '/visitors/convert')!;
      assert.deepEqual((call.body as any).user, { id: response.json.contactId });
      assert.equal((await stack.emulatorState()).contacts.filter((c) => c.external_id === 'u-both').length, 1);
    });

    test('the avatar from the form lands on the user after the merge and is never sent on the lead', async () => {
      const lead = await submitLead(stack, { avatar: AVATAR });
      const response = await convert(stack, { leadToken: lead.leadToken, identity: hashIdentity('u-avatar') });
      const user = await intercom(stack, version, 'GET', `/contacts/${response.json.contactId}`);
      assert.equal(user.json.avatar?.image_url, AVATAR);
      const calls = apiCalls(await stack.emulatorRequests());
      const leadWrites = calls.filter((r) => r.method !== 'GET' && JSON.stringify(r.body ?? {}).includes('"role":"lead"'));
      assert.ok(leadWrites.length > 0);
      for (const call of calls.filter((r) => r.path === '/contacts' || r.path === `/contacts/${lead.leadId}`)) {
        assert.ok(!JSON.stringify(call.body ?? {}).includes(AVATAR), `${call.method} ${call.path} carried the avatar`);
      }
      const put = calls.findIndex((r) => r.method === 'PUT' && r.path === `/contacts/${response.json.contactId}`);
      const merge = calls.findIndex((r) => r.path === '/contacts/merge');
      assert.ok(put > merge && merge >= 0, 'the avatar is set after the merge');
    });

    test('identity.avatar is set on the user, and wins over the one from the form', async () => {
      const lead = await submitLead(stack, { avatar: AVATAR });
      const own = 'https://app.example.com/u/42.jpg';
      const response = await convert(stack, { leadToken: lead.leadToken, identity: hashIdentity('u-own', { avatar: own }) });
      assert.equal((await intercom(stack, version, 'GET', `/contacts/${response.json.contactId}`)).json.avatar?.image_url, own);
    });
  });
}

describe('POST /convert refuses anything unverified, before calling Intercom', () => {
  let stack: Stack;
  let leadToken: string;
  before(async () => {
    stack = await startInProcessStack({ identity: { secret: IDENTITY_SECRET } });
    ({ leadToken } = await submitLead(stack));
  });
  after(() => stack.close());

  /** POST /convert, asserting 401 with `code` and no Intercom call made for it. */
  async function assertRefused(body: Record<string, unknown>, code: string): Promise<void> {
    const before = (await stack.emulatorRequests()).length;
    const response = await convert(stack, body);
    assert.equal(response.status, 401, response.text);
    assert.equal(response.json.error.code, code);
    assert.equal((await stack.emulatorRequests()).length, before, 'no request reached Intercom');
  }

  test('a forged user hash', () => assertRefused({ leadToken, identity: { userId: 'u-1', userHash: 'ab'.repeat(32) } }, 'identity_unverified'));
  test('a user hash made for another user', () =>
    assertRefused({ leadToken, identity: { userId: 'u-victim', userHash: hashIdentity('u-attacker').userHash } }, 'identity_unverified'));
  test('an email with no proof at all', () => assertRefused({ leadToken, identity: { email: 'ada@example.com' } }, 'identity_unverified'));
  test('no identity', () => assertRefused({ leadToken }, 'identity_unverified'));
  test('an expired JWT', async () => assertRefused({ leadToken, identity: await jwtIdentity('u-1', { expiresIn: -60 }) }, 'identity_unverified'));
  test('a JWT signed with another secret', async () =>
    assertRefused({ leadToken, identity: await jwtIdentity('u-1', { secret: 'someone-elses-secret' }) }, 'identity_unverified'));
  test('a lead token signed by another secret', async () => {
    const claims = await verifyLeadToken(leadToken, SECRET);
    const forged = await signLeadToken(claims, 'not-the-proxy-secret');
    await assertRefused({ leadToken: forged, identity: hashIdentity('u-1') }, 'invalid_lead_token');
  });
  test('a tampered lead token', async () => {
    const [header, payload, signature] = leadToken.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    claims.sub = '0123456789abcdef01234567';
    const tampered = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
    await assertRefused({ leadToken: tampered, identity: hashIdentity('u-1') }, 'invalid_lead_token');
  });

  test('an email beside a user hash over the user id is not verified and finds nobody by email', async () => {
    const ownerOfEmail = await createUser(stack, '2.14', { email: 'victim@example.com' });
    const { leadToken: token } = await submitLead(stack);
    const response = await convert(stack, { leadToken: token, identity: hashIdentity('u-attacker', { email: 'victim@example.com' }) });
    assert.equal(response.json.status, 'created');
    assert.notEqual(response.json.contactId, ownerOfEmail);
    const searches = apiCalls(await stack.emulatorRequests()).filter((r) => r.path === '/contacts/search');
    assert.ok(!JSON.stringify(searches).includes('victim@example.com'), 'the unverified email was never searched');
    const victim = (await stack.emulatorState()).contacts.find((c) => c.id === ownerOfEmail);
    assert.equal(victim.external_id, null);
  });

  test('a body with neither a lead token nor a visitor id, or with unknown fields, is a 400', async () => {
    const missing = await convert(stack, { identity: hashIdentity('u-1') });
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error.fields.leadToken, 'required');
    const unknown = await convert(stack, { leadToken, identity: { ...hashIdentity('u-1'), role: 'admin' } });
    assert.equal(unknown.json.error.fields['identity.role'], 'unknown_field');
    const badAvatar = await convert(stack, { leadToken, identity: hashIdentity('u-1', { avatar: 'javascript:alert(1)' }) });
    assert.equal(badAvatar.json.error.fields['identity.avatar'], 'invalid_url');
  });
});
