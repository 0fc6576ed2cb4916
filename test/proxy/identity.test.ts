// Unit tests for identity verification: hook, JWT, user hash, and every way a proof can be wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { computeEmailHash, computeUserHash, IdentityError, identityJwtKey, JWT_AUDIENCE, JWT_ISSUER, verifyIdentity } from '../../src/proxy/guards/identity.js';

const SECRET = 'identity-secret-for-tests';
const EMAIL_HASH_REFERENCE = '64b307f698e0f915587de1f7de2814beb39782ae7166c44f9ac8db88b2d04fc7';
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

test('an email hash verifies the email when there is no user id', async () => {
  const user = await verifyIdentity(
    request(),
    { email: 'ada@example.com', userHash: computeEmailHash(SECRET, 'ada@example.com') },
    { identitySecret: SECRET },
  );
  assert.deepEqual(user, { email: 'ada@example.com', method: 'user_hash' });
});

test('the email hash is HMAC-SHA256 under an HKDF-derived key, over the email exactly as sent', async () => {
  // Reference computed with Python's standard library only (the recipe in docs/sign-in.md):
  //   prk = hmac.new(b"leadrelay", b"identity-secret-for-tests", sha256).digest()
  //   key = hmac.new(prk, b"leadrelay email hash v1\x01", sha256).digest()
  //   hmac.new(key, b"ada@example.com", sha256).hexdigest()
  assert.equal(computeEmailHash(SECRET, 'ada@example.com'), EMAIL_HASH_REFERENCE);
  // No folding: a hash the site made for one spelling verifies that spelling only. Unicode lower-casing would fold
  // the Kelvin sign onto "k", so a site that verified someone's "\u212Aate@corp.example" would vouch for kate's.
  assert.notEqual(computeEmailHash(SECRET, 'Ada@example.com'), EMAIL_HASH_REFERENCE);
  const kelvin = computeEmailHash(SECRET, '\u212Aate@corp.example');
  await rejects(verifyIdentity(request(), { email: 'kate@corp.example', userHash: kelvin }, { identitySecret: SECRET }), /mismatch/);
});

test('an id hash never verifies an email: not the hash over the email as an id, not Intercom\'s email-only user_hash', async () => {
  const options = { identitySecret: SECRET };
  // A site whose users choose their ids hands out HMAC(secret, id); one user chose the victim's email as their id.
  // That is also exactly Intercom's Messenger user_hash for an email-only user.
  const idHash = computeUserHash(SECRET, 'victim@corp.example');
  await rejects(verifyIdentity(request(), { email: 'victim@corp.example', userHash: idHash }, options), /mismatch/);
  await rejects(verifyIdentity(request(), { email: 'VICTIM@corp.example', userHash: idHash }, options), /mismatch/);
  // Nor any id shaped like a domain-separating prefix would be.
  for (const chosenId of ['email:victim@corp.example', 'email\nvictim@corp.example', 'leadrelay email hash v1victim@corp.example']) {
    await rejects(verifyIdentity(request(), { email: 'victim@corp.example', userHash: computeUserHash(SECRET, chosenId) }, options), /mismatch/);
  }
  // And the email hash verifies no user id.
  const emailHash = computeEmailHash(SECRET, 'victim@corp.example');
  await rejects(verifyIdentity(request(), { userId: 'victim@corp.example', userHash: emailHash }, options), /mismatch/);
});

test('no verified user id may start with the prefix of the ids the proxy gives email-verified users', async () => {
  const options = { identitySecret: SECRET };
  const userId = 'leadrelay-email:anything';
  await rejects(verifyIdentity(request(), { userId, userHash: computeUserHash(SECRET, userId) }, options), /reserved/);
  await rejects(verifyIdentity(request(), {}, { authenticate: async () => ({ userId }) }), /reserved/);
  const jwt = await jwtFor({ sub: userId }, { expiresIn: '5m' });
  await rejects(verifyIdentity(request(), { jwt }, options), /reserved/);
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

test('a JWT older than the maximum age is refused whatever its exp; the age is configurable', async () => {
  const now = Math.floor(Date.now() / 1000);
  const sign = (iat: number | undefined, exp: number) => {
    const jwt = new SignJWT({ sub: 'u-7' }).setProtectedHeader({ alg: 'HS256' }).setAudience(JWT_AUDIENCE).setIssuer(JWT_ISSUER).setExpirationTime(exp);
    if (iat !== undefined) jwt.setIssuedAt(iat);
    return jwt.sign(identityJwtKey(SECRET));
  };
  const options = { identitySecret: SECRET };
  // Issued an hour ago with a year of validity: a leaked sign-in token must not work for a year.
  await rejects(verifyIdentity(request(), { jwt: await sign(now - 3600, now + 365 * 86400) }, options), /too old/);
  // The default is 10 minutes: 11 minutes old is refused, 2 minutes old is accepted.
  await rejects(verifyIdentity(request(), { jwt: await sign(now - 660, now + 3600) }, options), /too old/);
  assert.equal((await verifyIdentity(request(), { jwt: await sign(now - 120, now + 3600) }, options)).userId, 'u-7');
  // Without iat there is nothing to count from.
  await rejects(verifyIdentity(request(), { jwt: await sign(undefined, now + 300) }, options), /invalid/);
  // Issued well in the future (beyond the clock tolerance): refused.
  await rejects(verifyIdentity(request(), { jwt: await sign(now + 3600, now + 7200) }, options), /invalid/);
  // Configured: 1 hour lets the 11-minute-old token in, 60 seconds refuses the 2-minute-old one.
  assert.equal((await verifyIdentity(request(), { jwt: await sign(now - 660, now + 3600) }, { ...options, jwtMaxAgeSeconds: 3600 })).userId, 'u-7');
  await rejects(verifyIdentity(request(), { jwt: await sign(now - 120, now + 3600) }, { ...options, jwtMaxAgeSeconds: 60 }), /too old/);
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
