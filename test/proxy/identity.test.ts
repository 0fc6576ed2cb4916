// Unit tests for identity verification: hook, JWT, user hash, and every way a proof can be wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { computeUserHash, IdentityError, identityJwtKey, JWT_AUDIENCE, JWT_ISSUER, verifyIdentity } from '../../src/proxy/guards/identity.js';

const SECRET = 'identity-secret-for-tests';
const request = () => new Request('http://proxy.test/convert', { method: 'POST' });

function jwtFor(claims: { sub?: string; email?: string }, options: { secret?: string; expiresIn?: string | number } = {}) {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setAudience(JWT_AUDIENCE).setIssuer(JWT_ISSUER);
  if (options.expiresIn !== undefined) jwt.setExpirationTime(options.expiresIn);
  // Identity JWTs are signed with the key derived from the identity secret (identity-jwt.test.ts checks the derivation).
  return jwt.sign(identityJwtKey(options.secret ?? SECRET));
}

async function rejects(promise: Promise<unknown>, reason: RegExp) {
  await assert.rejects(promise, (error: unknown) => error instanceof IdentityError && reason.test(error.reason));
}

test('the user hash is the Intercom one: hex HMAC-SHA256 of the user id', () => {
  // Reference value computed independently: printf 'u-42' | openssl dgst -sha256 -hmac identity-secret-for-tests
  assert.equal(computeUserHash(SECRET, 'u-42'), 'e31645b61901c99686c91a7e2fb4e5d8e57eefda0565b07d1a31942bf1937eef');
  assert.notEqual(computeUserHash(SECRET, 'u-42'), computeUserHash(SECRET, 'u-43'));
  assert.notEqual(computeUserHash(SECRET, 'u-42'), computeUserHash('other', 'u-42'));
});

test('a user hash for the user id verifies that user id, not the email beside it', async () => {
  const user = await verifyIdentity(
    request(),
    { userId: 'u-42', email: 'someone-else@example.com', userHash: computeUserHash(SECRET, 'u-42') },
    { identitySecret: SECRET },
  );
  assert.deepEqual(user, { userId: 'u-42', method: 'user_hash' });
});

test('a user hash for the email verifies the email when there is no user id', async () => {
  const user = await verifyIdentity(
    request(),
    { email: 'ada@example.com', userHash: computeUserHash(SECRET, 'ada@example.com') },
    { identitySecret: SECRET },
  );
  assert.deepEqual(user, { email: 'ada@example.com', method: 'user_hash' });
});

test('a forged hash, a hash for another user, or a hash without a subject is refused', async () => {
  const options = { identitySecret: SECRET };
  await rejects(verifyIdentity(request(), { userId: 'u-42', userHash: 'f'.repeat(64) }, options), /mismatch/);
  await rejects(verifyIdentity(request(), { userId: 'u-42', userHash: computeUserHash(SECRET, 'u-43') }, options), /mismatch/);
  await rejects(verifyIdentity(request(), { userId: 'u-42', userHash: 'short' }, options), /mismatch/);
  await rejects(verifyIdentity(request(), { userHash: computeUserHash(SECRET, '') }, options), /without userId/);
});

test('an email alone, with no proof, verifies nothing', async () => {
  await rejects(verifyIdentity(request(), { email: 'ada@example.com' }, { identitySecret: SECRET }), /no proof/);
});

test('a valid JWT verifies its subject and email', async () => {
  const jwt = await jwtFor({ sub: 'u-7', email: 'grace@example.com' }, { expiresIn: '5m' });
  const user = await verifyIdentity(request(), { jwt }, { identitySecret: SECRET });
  assert.deepEqual(user, { userId: 'u-7', email: 'grace@example.com', method: 'jwt' });
});

test('an expired JWT, one signed with another secret, one without exp, or a tampered one is refused', async () => {
  const options = { identitySecret: SECRET };
  const expired = await jwtFor({ sub: 'u-7' }, { expiresIn: Math.floor(Date.now() / 1000) - 60 });
  await rejects(verifyIdentity(request(), { jwt: expired }, options), /expired/);
  const foreign = await jwtFor({ sub: 'u-7' }, { expiresIn: '5m', secret: 'another-secret' });
  await rejects(verifyIdentity(request(), { jwt: foreign }, options), /invalid/);
  const noExp = await jwtFor({ sub: 'u-7' });
  await rejects(verifyIdentity(request(), { jwt: noExp }, options), /invalid/);
  const good = await jwtFor({ sub: 'u-7' }, { expiresIn: '5m' });
  const [header, , signature] = good.split('.');
  const forgedPayload = Buffer.from(JSON.stringify({ sub: 'u-8', exp: Math.floor(Date.now() / 1000) + 300 })).toString('base64url');
  await rejects(verifyIdentity(request(), { jwt: `${header}.${forgedPayload}.${signature}` }, options), /invalid/);
});

test('a JWT beside a different user id is refused', async () => {
  const jwt = await jwtFor({ sub: 'u-7' }, { expiresIn: '5m' });
  await rejects(verifyIdentity(request(), { jwt, userId: 'u-8' }, { identitySecret: SECRET }), /differs/);
});

test('the authenticate hook wins over anything the browser claims', async () => {
  const user = await verifyIdentity(
    request(),
    { userId: 'forged', userHash: 'nope' },
    { identitySecret: SECRET, authenticate: async () => ({ userId: 'session-user', email: 's@example.com' }) },
  );
  assert.deepEqual(user, { userId: 'session-user', email: 's@example.com', method: 'authenticate' });
});

test('a hook that finds nobody signed in falls back to the JWT or hash, and without them refuses', async () => {
  const options = { identitySecret: SECRET, authenticate: async () => null };
  await rejects(verifyIdentity(request(), { userId: 'u-1' }, options), /no proof/);
  const user = await verifyIdentity(request(), { userId: 'u-1', userHash: computeUserHash(SECRET, 'u-1') }, options);
  assert.equal(user.userId, 'u-1');
});

test('without an identity secret nothing but the hook can verify', async () => {
  await rejects(verifyIdentity(request(), { userId: 'u-1', userHash: computeUserHash('', 'u-1') }, {}), /no identity secret/);
});
