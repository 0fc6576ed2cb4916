// Lead tokens: what they name, and every way a token can be bad.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidLeadTokenError, signLeadToken, verificationSecrets, verifyLeadToken } from '../../src/proxy/guards/lead-token.js';

const claims = { contactId: '6762f0dd1bb69f9f2193bb83', conversationId: '499', submissionId: '0b6f0b59-0c1f-4b35-9a40-0c6bcb3b0c4c' };

test('a signed lead token verifies to the contact, conversation and submission it names', async () => {
  const token = await signLeadToken({ ...claims, avatar: 'https://example.com/a.png' }, 'secret-1');
  assert.deepEqual(await verifyLeadToken(token, 'secret-1'), { ...claims, avatar: 'https://example.com/a.png' });
});

test('a token signed with another secret is invalid', async () => {
  const token = await signLeadToken(claims, 'secret-1');
  await assert.rejects(verifyLeadToken(token, 'secret-2'), (error: unknown) => error instanceof InvalidLeadTokenError && error.reason === 'invalid');
});

test('an expired token is rejected as expired', async () => {
  const token = await signLeadToken(claims, 'secret-1', -60);
  await assert.rejects(verifyLeadToken(token, 'secret-1'), (error: unknown) => error instanceof InvalidLeadTokenError && error.reason === 'expired');
});

test('a token with an edited payload or alg none is invalid', async () => {
  const [header, , signature] = (await signLeadToken(claims, 'secret-1')).split('.');
  const payload = Buffer.from(JSON.stringify({ sub: 'someone-else', sid: 'x', exp: 9999999999, iss: 'leadrelay', aud: 'leadrelay:lead' })).toString('base64url');
  await assert.rejects(verifyLeadToken(`${header}.${payload}.${signature}`, 'secret-1'), InvalidLeadTokenError);
  const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  await assert.rejects(verifyLeadToken(`${none}.${payload}.`, 'secret-1'), InvalidLeadTokenError);
  for (const junk of [undefined, 42, '', 'a.b', 'x'.repeat(5000)]) await assert.rejects(verifyLeadToken(junk, 'secret-1'), InvalidLeadTokenError);
});

test('after a rotation a token signed with a previous secret verifies; one signed with any other secret does not', async () => {
  const secrets = verificationSecrets({ secret: 'new-secret', previousSecrets: ['old-secret'] });
  assert.deepEqual(secrets, ['new-secret', 'old-secret'], 'the current secret first');
  const old = await signLeadToken(claims, 'old-secret');
  assert.deepEqual(await verifyLeadToken(old, secrets), { ...claims, avatar: undefined });
  const foreign = await signLeadToken(claims, 'someone-elses-secret');
  await assert.rejects(verifyLeadToken(foreign, secrets), (error: unknown) => error instanceof InvalidLeadTokenError && error.reason === 'invalid');
  const expiredOld = await signLeadToken(claims, 'old-secret', -60);
  await assert.rejects(verifyLeadToken(expiredOld, secrets), (error: unknown) => error instanceof InvalidLeadTokenError && error.reason === 'expired');
  await assert.rejects(verifyLeadToken(old, []), InvalidLeadTokenError, 'no secret verifies nothing');
});
