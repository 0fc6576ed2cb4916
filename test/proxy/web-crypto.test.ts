// src/proxy/web-crypto.ts gives the bytes node:crypto gave before it replaced it: every stored user hash, lead
// record key, company_id and email-derived id stays what it was. Fixed inputs, compared with node:crypto itself.
import assert from 'node:assert/strict';
import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { test } from 'node:test';
import { computeEmailHash, computeUserHash, emailHashKey, emailUserExternalId, identityJwtKey } from '../../src/proxy/guards/identity.js';
import { normalizeCompanyName } from '../../src/protocol/questions.js';
import { companyReference } from '../../src/proxy/intercom/company-reference.js';
import { submissionReference } from '../../src/proxy/intercom/submission-reference.js';
import { constantTimeEqual, hkdfSha256, hmacSha256, randomId, sha256, toBase64, toBase64Url, toHex } from '../../src/proxy/web-crypto.js';

const SECRET = 'k3VJ8m1Qx0pZr5Tn7bWc2yHd9LfA4sGe6uNo0iXv3Ea';
/** Texts with what trips encodings: empty, multi-byte UTF-8, an astral character, a lone surrogate, a long one. */
const TEXTS = ['', 'u-42', 'ada@example.com', 'Grüße, 東京 🦊', '\u212Aate@corp.example', 'x\uD800y', 'a'.repeat(1000)];
/** Lengths around SHA-256's padding edges (55 bytes fit one block with the length, 56 need two) and block sizes. */
const EDGES = [55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129].map((length) => 'x'.repeat(length));
const bytes = (text: string) => new TextEncoder().encode(text);

test('SHA-256 in hex, base64 and base64url equals node:crypto for text and bytes', () => {
  for (const text of [...TEXTS, ...EDGES]) {
    assert.equal(toHex(sha256(text)), createHash('sha256').update(text).digest('hex'), text);
    assert.equal(toBase64(sha256(text)), createHash('sha256').update(text).digest('base64'), text);
    assert.equal(toBase64Url(sha256(text)), createHash('sha256').update(text).digest('base64url'), text);
    assert.equal(toHex(sha256(bytes(text))), createHash('sha256').update(bytes(text)).digest('hex'), text);
  }
  // Lengths whose base64 ends in one and two '=' (which base64url drops), and none.
  for (const length of [1, 2, 3, 31, 32, 33]) {
    const data = Uint8Array.from({ length }, (_, index) => (index * 37 + 251) % 256);
    assert.equal(toBase64(data), Buffer.from(data).toString('base64'));
    assert.equal(toBase64Url(data), Buffer.from(data).toString('base64url'));
  }
});

test('SHA-256, HMAC and HKDF give the test vectors of FIPS 180-4, RFC 4231 and RFC 5869', () => {
  const hex = (text: string) => Uint8Array.from(text.match(/../g)!.map((pair) => parseInt(pair, 16)));
  assert.equal(toHex(sha256('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(toHex(sha256('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')), '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  assert.equal(toHex(hmacSha256(new Uint8Array(20).fill(0x0b), 'Hi There')), 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
  assert.equal(
    toHex(hmacSha256(new Uint8Array(131).fill(0xaa), 'Test Using Larger Than Block-Size Key - Hash Key First')),
    '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
  );
  const ikm = new Uint8Array(22).fill(0x0b);
  assert.equal(
    toHex(hkdfSha256(ikm, hex('000102030405060708090a0b0c'), hex('f0f1f2f3f4f5f6f7f8f9'), 42)),
    '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
  );
  assert.equal(toHex(hkdfSha256(ikm, '', '', 42)), '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8');
});

test('HMAC-SHA256 equals node:crypto for string and byte keys', () => {
  const longKey = 'k'.repeat(100); // longer than the block: hashed first
  for (const key of [SECRET, '', longKey, 'k'.repeat(64), 'k'.repeat(65), 'Grüße']) {
    for (const text of TEXTS) {
      assert.equal(toHex(hmacSha256(key, text)), createHmac('sha256', key).update(text, 'utf8').digest('hex'), `${key} ${text}`);
      assert.equal(toBase64Url(hmacSha256(bytes(key), text)), createHmac('sha256', bytes(key)).update(text).digest('base64url'));
    }
  }
});

test('HKDF-SHA256 equals node:crypto hkdfSync', () => {
  for (const [key, salt, info, length] of [
    [SECRET, 'leadrelay', 'leadrelay email hash v1', 32],
    [SECRET, 'leadrelay', 'leadrelay identity jwt v1', 32],
    ['Grüße', '', '', 64],
  ] as const) {
    assert.deepEqual(hkdfSha256(key, salt, info, length), new Uint8Array(hkdfSync('sha256', key, salt, info, length)));
  }
});

test('the proxy helpers built on them keep their old values (what node:crypto computed)', () => {
  const nodeEmailKey = new Uint8Array(hkdfSync('sha256', SECRET, 'leadrelay', 'leadrelay email hash v1', 32));
  assert.equal(computeUserHash(SECRET, 'u-42'), createHmac('sha256', SECRET).update('u-42', 'utf8').digest('hex'));
  assert.deepEqual(emailHashKey(SECRET), nodeEmailKey);
  assert.equal(computeEmailHash(SECRET, 'ada@example.com'), createHmac('sha256', nodeEmailKey).update('ada@example.com', 'utf8').digest('hex'));
  assert.deepEqual(identityJwtKey(SECRET), new Uint8Array(hkdfSync('sha256', SECRET, 'leadrelay', 'leadrelay identity jwt v1', 32)));
  const userIdKey = new Uint8Array(hkdfSync('sha256', SECRET, 'leadrelay', 'leadrelay email user id v1', 32));
  assert.equal(emailUserExternalId(SECRET, 'Ada@Example.com'), `leadrelay-email:${createHmac('sha256', userIdKey).update('ada@example.com', 'utf8').digest('base64url')}`);
  assert.equal(submissionReference(SECRET, 'sub-1'), createHmac('sha256', SECRET).update('leadrelay:submission:sub-1', 'utf8').digest('base64url'));
  const company = createHmac('sha256', SECRET).update(`leadrelay:company:${normalizeCompanyName('Acme GmbH')}`, 'utf8').digest('base64url');
  assert.equal(companyReference(SECRET, 'Acme GmbH'), `leadrelay-${company.slice(0, 32)}`);
});

test('constantTimeEqual answers as timingSafeEqual, and false for unequal lengths', () => {
  const pairs: [string, string][] = [['', ''], ['abc', 'abc'], ['abc', 'abd'], ['abc', 'ab'], ['ab', 'abc'], ['', 'a'], ['a', ''], ['abcd', 'abab']];
  for (const [a, b] of pairs) {
    const expected = a.length === b.length && timingSafeEqual(bytes(a), bytes(b));
    assert.equal(constantTimeEqual(bytes(a), bytes(b)), expected, `${a} vs ${b}`);
  }
});

test('randomId is a version 4 UUID, a new one each call', () => {
  const ids = new Set(Array.from({ length: 100 }, randomId));
  assert.equal(ids.size, 100);
  for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});
