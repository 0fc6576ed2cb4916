// Which Messenger visitor id POST /convert takes (issue 14, finding 5): the cookie's user_id, never Intercom's public id.
// The user_id is the random value in that browser's Messenger cookie, so knowing it is close to proof of being that
// browser; the public `id` shows up elsewhere (conversation and contact payloads, webhooks, the Inbox URL).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { computeUserHash, identityJwtKey, JWT_AUDIENCE, JWT_ISSUER } from '../../src/proxy/guards/identity.js';
import { apiCalls, startInProcessStack, type Stack, testSecret } from './harness.js';

const IDENTITY_SECRET = testSecret('identity-secret-for-visitor-tests');
const identity = (userId: string) => ({ userId, userHash: computeUserHash(IDENTITY_SECRET, userId) });

describe('POST /convert with a Messenger visitor id', () => {
  let stack: Stack;
  before(async () => {
    stack = await startInProcessStack({ identity: { secret: IDENTITY_SECRET } });
  });
  after(() => stack.close());
  beforeEach(() => stack.reset());

  const newVisitor = async () =>
    (await (await stack.emulatorFetch('/_emulator/visitors', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Victim' }) })).json()) as {
      id: string;
      user_id: string;
    };
  const visitorCalls = async () => apiCalls(await stack.emulatorRequests()).filter((r) => r.path.startsWith('/visitors'));

  test('attack: a visitor\'s public Intercom id is refused with 400 and nothing is sent to Intercom', async () => {
    const victim = await newVisitor();
    // The attacker has seen the victim's public visitor id (say, in a shared screenshot of the Inbox URL).
    const response = await stack.post('/convert', { visitorId: victim.id, identity: identity('attacker-1') }, { key: null });
    assert.equal(response.status, 400, response.text);
    assert.deepEqual(response.json.error.fields, { visitorId: 'invalid_type' });
    assert.deepEqual(await visitorCalls(), []);
    assert.equal((await stack.emulatorState() as any).visitors.length, 1, 'the victim\'s visitor is untouched');
    assert.ok(!(await stack.emulatorState()).contacts.some((c) => c.external_id === 'attacker-1'));
  });

  test('the cookie\'s user_id converts the visitor, sent to Intercom as visitor.user_id and never as visitor.id', async () => {
    const visitor = await newVisitor();
    const response = await stack.post('/convert', { visitorId: visitor.user_id, identity: identity('u-1') }, { key: null });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.json.status, 'converted');
    const calls = await visitorCalls();
    assert.equal(calls.length, 1);
    assert.deepEqual((calls[0]!.body as { visitor: unknown }).visitor, { user_id: visitor.user_id });
    assert.equal((await stack.emulatorState() as any).visitors.length, 0);
  });

  test('with a user id and a verified email, the visitor joins the user by user id alone; the email is not sent', async () => {
    const visitor = await newVisitor();
    const jwt = await new SignJWT({ email: 'victim@corp.example' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('victim-9')
      .setAudience(JWT_AUDIENCE)
      .setIssuer(JWT_ISSUER)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(identityJwtKey(IDENTITY_SECRET));
    const response = await stack.post('/convert', { visitorId: visitor.user_id, identity: { jwt } }, { key: null });
    assert.equal(response.status, 200, response.text);
    const [call] = await visitorCalls();
    // Intercom could take a user holding that email (perhaps planted there by a merge) for the target.
    assert.deepEqual((call!.body as { user: unknown }).user, { user_id: 'victim-9' });
  });
});
