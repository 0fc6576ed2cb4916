// Identity JWTs have their own key and must name LeadRelay's audience and the site's issuer (issue 14, finding 3).
import assert from 'node:assert/strict';
import { hkdfSync } from 'node:crypto';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import { computeUserHash, IdentityError, verifyIdentity } from '../../src/proxy/guards/identity.js';
import { signLeadToken } from '../../src/proxy/guards/lead-token.js';
import { resolveOptions } from '../../src/proxy/options.js';
import { testSecret } from './harness.js';

const IDENTITY_SECRET = 'identity-secret-for-jwt-tests';
const request = () => new Request('http://proxy.test/convert', { method: 'POST' });
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const inFiveMinutes = () => Math.floor(Date.now() / 1000) + 300;

/** The documented derivation, computed here independently: HKDF-SHA256(identity secret, salt "leadrelay", info "leadrelay identity jwt v1"). */
const derivedKey = () => new Uint8Array(hkdfSync('sha256', IDENTITY_SECRET, 'leadrelay', 'leadrelay identity jwt v1', 32));

function sign(claims: Record<string, unknown>, key: Uint8Array, { aud = 'leadrelay:convert', iss = 'leadrelay:site' } = {} as { aud?: string | null; iss?: string | null }) {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m');
  if (aud) jwt.setAudience(aud);
  if (iss) jwt.setIssuer(iss);
  return jwt.sign(key);
}

async function refused(promise: Promise<unknown>) {
  await assert.rejects(promise, (error: unknown) => error instanceof IdentityError);
}

test('attack: a user hash over a user id shaped like "header.payload" is not a JWT signature for another subject', async () => {
  // The attacker signs up with this user id; the site hands them its user hash, as it must for the Messenger.
  const header = b64url({ alg: 'HS256', typ: 'JWT' });
  const payload = b64url({ sub: 'victim-42', exp: inFiveMinutes(), aud: 'leadrelay:convert', iss: 'leadrelay:site' });
  const attackerUserId = `${header}.${payload}`;
  const hash = computeUserHash(IDENTITY_SECRET, attackerUserId);
  const jwt = `${attackerUserId}.${Buffer.from(hash, 'hex').toString('base64url')}`;
  await refused(verifyIdentity(request(), { jwt }, { identitySecret: IDENTITY_SECRET }));
  // The hash itself still proves the attacker's own (odd) user id, and only that.
  const own = await verifyIdentity(request(), { userId: attackerUserId, userHash: hash }, { identitySecret: IDENTITY_SECRET });
  assert.deepEqual(own, { userId: attackerUserId, method: 'user_hash' });
});

test('attack: a LeadRelay lead token passed as identity.jwt is refused, even when one secret signs both', async () => {
  const leadToken = await signLeadToken({ contactId: 'lead-contact-1', conversationId: '7', submissionId: 's-1' }, IDENTITY_SECRET);
  await refused(verifyIdentity(request(), { jwt: leadToken }, { identitySecret: IDENTITY_SECRET }));
});

test('attack: an HS256 token signed with the raw identity secret (its other use) is refused', async () => {
  const raw = new TextEncoder().encode(IDENTITY_SECRET);
  await refused(verifyIdentity(request(), { jwt: await sign({ sub: 'u-1' }, raw) }, { identitySecret: IDENTITY_SECRET }));
});

test('a JWT signed with the key derived from the identity secret, for the default audience and issuer, verifies', async () => {
  const jwt = await sign({ sub: 'u-7', email: 'grace@example.com' }, derivedKey());
  const user = await verifyIdentity(request(), { jwt }, { identitySecret: IDENTITY_SECRET });
  assert.deepEqual(user, { userId: 'u-7', email: 'grace@example.com', method: 'jwt' });
});

test('a JWT without aud or iss, or naming another audience or issuer, is refused', async () => {
  const key = derivedKey();
  const options = { identitySecret: IDENTITY_SECRET };
  await refused(verifyIdentity(request(), { jwt: await sign({ sub: 'u-7' }, key, { aud: null }) }, options));
  await refused(verifyIdentity(request(), { jwt: await sign({ sub: 'u-7' }, key, { iss: null }) }, options));
  await refused(verifyIdentity(request(), { jwt: await sign({ sub: 'u-7' }, key, { aud: 'leadrelay:lead' }) }, options));
  await refused(verifyIdentity(request(), { jwt: await sign({ sub: 'u-7' }, key, { iss: 'someone-else' }) }, options));
});

test('jwtSecret, jwtAudience and jwtIssuer replace the derived key and the defaults', async () => {
  const jwtSecret = 'a-separate-jwt-secret';
  const options = { identitySecret: IDENTITY_SECRET, jwtSecret, jwtAudience: 'https://api.example.com/leadrelay', jwtIssuer: 'https://auth.example.com' };
  const own = new TextEncoder().encode(jwtSecret);
  const jwt = await sign({ sub: 'u-9' }, own, { aud: options.jwtAudience, iss: options.jwtIssuer });
  assert.equal((await verifyIdentity(request(), { jwt }, options)).userId, 'u-9');
  // With its own secret configured, the derived key no longer signs anything, nor do the defaults.
  await refused(verifyIdentity(request(), { jwt: await sign({ sub: 'u-9' }, derivedKey(), { aud: options.jwtAudience, iss: options.jwtIssuer }) }, options));
  await refused(verifyIdentity(request(), { jwt: await sign({ sub: 'u-9' }, own) }, options));
  // A JWT secret alone (no identity secret) verifies JWTs but no user hash.
  assert.equal((await verifyIdentity(request(), { jwt }, { ...options, identitySecret: undefined })).userId, 'u-9');
  await refused(verifyIdentity(request(), { userId: 'u-9', userHash: computeUserHash(jwtSecret, 'u-9') }, { ...options, identitySecret: undefined }));
});

test('the proxy refuses to start when one value is configured as two of its secrets', () => {
  const [lead, identity, jwt] = [testSecret('lead'), testSecret('identity'), testSecret('jwt')];
  const base = { intercom: { accessToken: 'tok' }, secret: lead };
  assert.throws(() => resolveOptions({ ...base, identity: { secret: lead } }), /must be three different values/);
  assert.throws(() => resolveOptions({ ...base, identity: { secret: identity, jwtSecret: identity } }), /must be three different values/);
  assert.throws(() => resolveOptions({ ...base, identity: { jwtSecret: lead } }), /must be three different values/);
  assert.doesNotThrow(() => resolveOptions({ ...base, identity: { secret: identity, jwtSecret: jwt } }));
});

test('identity.jwtMaxAgeSeconds must be a whole number of seconds, 1 or more; the CLI reads LEADRELAY_JWT_MAX_AGE_SECONDS', async () => {
  const base = { intercom: { accessToken: 'tok' }, secret: testSecret('lead') };
  for (const jwtMaxAgeSeconds of [0, -60, 1.5, Number.NaN]) {
    assert.throws(() => resolveOptions({ ...base, identity: { jwtMaxAgeSeconds } }), /identity\.jwtMaxAgeSeconds/);
  }
  assert.equal(resolveOptions({ ...base, identity: { jwtMaxAgeSeconds: 60 } }).identity.jwtMaxAgeSeconds, 60);

  const { optionsFromEnv } = await import('../../src/proxy/cli.js');
  const env = { INTERCOM_ACCESS_TOKEN: 'tok', LEADRELAY_SECRET: testSecret('lead') };
  assert.deepEqual(optionsFromEnv({ ...env, LEADRELAY_JWT_MAX_AGE_SECONDS: '120' }, false).identity, { jwtMaxAgeSeconds: 120 });
  assert.equal(optionsFromEnv(env, false).identity, undefined);
  for (const value of ['0', 'ten minutes', '1.5']) {
    assert.throws(() => optionsFromEnv({ ...env, LEADRELAY_JWT_MAX_AGE_SECONDS: value }, false), /LEADRELAY_JWT_MAX_AGE_SECONDS/);
  }
});
