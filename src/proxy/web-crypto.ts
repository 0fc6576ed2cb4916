// The proxy's hashes, HMACs, key derivation, random ids and constant-time comparison, on web standards only: the same
// bytes on Node 20+, Deno, Bun and Cloudflare Workers without `nodejs_compat` (no node:crypto, no Buffer).
//
// SHA-256 (FIPS 180-4), HMAC (RFC 2104) and HKDF (RFC 5869) are written out here because they must stay synchronous
// (WebCrypto's are async, and the helpers built on them, computeUserHash, emailHashKey…, are synchronous public
// API) and cheap to import: @noble/hashes, tried first, cost about 0.7x Hono's whole import time on Node (its
// SHA-512 tables and node:crypto load with it). test/proxy/web-crypto.test.ts holds them to node:crypto's output and
// to the RFCs' test vectors. Random values come from the platform's `crypto` global, never at module scope.

/** Text is hashed as its UTF-8 bytes, as node:crypto's `update(text)` does. */
export type BytesLike = string | Uint8Array;

const encoder = new TextEncoder();
const bytesOf = (data: BytesLike): Uint8Array => (typeof data === 'string' ? encoder.encode(data) : data);

// The first 32 bits of the fractional parts of the cube roots of the first 64 primes (FIPS 180-4, 4.2.2).
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
// The first 32 bits of the fractional parts of the square roots of the first 8 primes (5.3.3).
const H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/** SHA-256 of `data`. */
export function sha256(data: BytesLike): Uint8Array {
  const message = bytesOf(data);
  // Padding (5.1.1): a 1 bit, zeros, and the length in bits as a 64-bit big-endian number, to a multiple of 64 bytes.
  const blocks = new Uint8Array(Math.ceil((message.length + 9) / 64) * 64);
  blocks.set(message);
  blocks[message.length] = 0x80;
  const view = new DataView(blocks.buffer);
  view.setUint32(blocks.length - 8, Math.floor(message.length / 0x20000000));
  view.setUint32(blocks.length - 4, (message.length * 8) >>> 0);
  const h = H0.slice();
  const w = new Uint32Array(64);
  const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
  for (let offset = 0; offset < blocks.length; offset += 64) {
    for (let t = 0; t < 16; t++) w[t] = view.getUint32(offset + t * 4);
    for (let t = 16; t < 64; t++) {
      const s0 = rotr(w[t - 15]!, 7) ^ rotr(w[t - 15]!, 18) ^ (w[t - 15]! >>> 3);
      const s1 = rotr(w[t - 2]!, 17) ^ rotr(w[t - 2]!, 19) ^ (w[t - 2]! >>> 10);
      w[t] = w[t - 16]! + s0 + w[t - 7]! + s1;
    }
    let [a, b, c, d, e, f, g, hh] = h as [number, number, number, number, number, number, number, number];
    for (let t = 0; t < 64; t++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t]! + w[t]!) | 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = (h[0]! + a) | 0;
    h[1] = (h[1]! + b) | 0;
    h[2] = (h[2]! + c) | 0;
    h[3] = (h[3]! + d) | 0;
    h[4] = (h[4]! + e) | 0;
    h[5] = (h[5]! + f) | 0;
    h[6] = (h[6]! + g) | 0;
    h[7] = (h[7]! + hh) | 0;
  }
  const digest = new Uint8Array(32);
  const out = new DataView(digest.buffer);
  h.forEach((word, index) => out.setUint32(index * 4, word >>> 0));
  return digest;
}

const BLOCK = 64;
const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
};

/** HMAC-SHA256 of `data` under `key` (RFC 2104: a key longer than a block is hashed first). */
export function hmacSha256(key: BytesLike, data: BytesLike): Uint8Array {
  let keyBytes = bytesOf(key);
  if (keyBytes.length > BLOCK) keyBytes = sha256(keyBytes);
  const inner = new Uint8Array(BLOCK);
  const outer = new Uint8Array(BLOCK);
  for (let index = 0; index < BLOCK; index++) {
    inner[index] = (keyBytes[index] ?? 0) ^ 0x36;
    outer[index] = (keyBytes[index] ?? 0) ^ 0x5c;
  }
  return sha256(concat(outer, sha256(concat(inner, bytesOf(data)))));
}

/** HKDF-SHA256 (RFC 5869): `length` bytes (at most 255 x 32) derived from `key` with `salt` and `info`. */
export function hkdfSha256(key: BytesLike, salt: BytesLike, info: BytesLike, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 255 * 32) throw new RangeError('HKDF-SHA256 derives 0 to 8160 bytes');
  const saltBytes = bytesOf(salt);
  const prk = hmacSha256(saltBytes.length ? saltBytes : new Uint8Array(32), key);
  const infoBytes = bytesOf(info);
  const okm = new Uint8Array(length);
  let previous: Uint8Array = new Uint8Array(0);
  for (let counter = 1, at = 0; at < length; counter++, at += 32) {
    previous = hmacSha256(prk, concat(concat(previous, infoBytes), Uint8Array.of(counter)));
    okm.set(previous.subarray(0, Math.min(32, length - at)), at);
  }
  return okm;
}

/** Lower-case hex, as node:crypto's `digest('hex')`. */
export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** Standard base64 with padding, as node:crypto's `digest('base64')`. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** base64url without padding (RFC 4648 §5), as node:crypto's `digest('base64url')`. */
export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A random version 4 UUID from the platform's CSPRNG. Call it inside a request or event, never at module scope. */
export function randomId(): string {
  return crypto.randomUUID();
}

/**
 * Whether `a` and `b` hold the same bytes, in a time that depends on their length only, not on where they differ
 * (node:crypto's timingSafeEqual, which also allows unequal lengths here: those answer false after the same work).
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let index = 0; index < a.length; index++) difference |= a[index]! ^ (b[index % b.length] ?? 0);
  return difference === 0;
}
