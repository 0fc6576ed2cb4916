// Attack (issue 14, finding 3) through the proxy: the attacker's own user hash, reshaped into a JWT, must not sign them in
// as someone else; nor may a LeadRelay lead token pass for an identity JWT.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { computeUserHash } from '../../src/proxy/guards/identity.js';
import { verifyLeadToken } from '../../src/proxy/guards/lead-token.js';
import { SECRET, buildLead, startInProcessStack, type Stack, testSecret } from './harness.js';

const IDENTITY_SECRET = testSecret('identity-secret-for-jwt-confusion-tests');
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('identity JWT confusion, as an attacker runs it', () => {
  let stack: Stack;
  before(async () => {
    stack = await startInProcessStack({ identity: { secret: IDENTITY_SECRET } });
  });
  after(() => stack.close());

  async function submit() {
    const response = await stack.post('/leads', buildLead({ email: 'attacker@evil.example' }));
    assert.equal(response.status, 201);
    return { leadToken: response.json.leadToken as string, leadId: (await verifyLeadToken(response.json.leadToken, SECRET)).contactId };
  }

  async function contactsWithExternalId(externalId: string) {
    return (await stack.emulatorState()).contacts.filter((contact) => contact.external_id === externalId);
  }

  test('a user hash over a user id shaped like "header.payload" does not sign the attacker in as victim-42', async () => {
    const { leadToken } = await submit();
    // The attacker registers on the site with this user id; the site hands out its user hash for the Messenger.
    const exp = Math.floor(Date.now() / 1000) + 300;
    const userId = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: 'victim-42', exp, aud: 'leadrelay:convert', iss: 'leadrelay:site' })}`;
    const userHash = computeUserHash(IDENTITY_SECRET, userId);
    const jwt = `${userId}.${Buffer.from(userHash, 'hex').toString('base64url')}`;

    const response = await stack.post('/convert', { leadToken, identity: { jwt } }, { key: null });
    assert.equal(response.status, 401, response.text);
    assert.equal(response.json.error.code, 'identity_unverified');
    assert.deepEqual(await contactsWithExternalId('victim-42'), [], 'a user victim-42 was created or merged into');
  });

  test('a lead token passed as identity.jwt is refused', async () => {
    const { leadToken } = await submit();
    const response = await stack.post('/convert', { leadToken, identity: { jwt: leadToken } }, { key: null });
    assert.equal(response.status, 401, response.text);
    assert.equal(response.json.error.code, 'identity_unverified');
  });

  test('the attacker\'s own hash still signs them in as themselves, and only that', async () => {
    const { leadToken } = await submit();
    const identity = { userId: 'attacker-7', userHash: computeUserHash(IDENTITY_SECRET, 'attacker-7') };
    const response = await stack.post('/convert', { leadToken, identity }, { key: null });
    assert.equal(response.status, 200, response.text);
    assert.equal((await contactsWithExternalId('attacker-7')).length, 1);
  });
});
