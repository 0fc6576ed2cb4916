// The proxy's hashes, HMACs, key derivation, random ids and constant-time comparison, on web standards only: the same
// bytes on Node 20+, Deno, Bun and Cloudflare Workers without `nodejs_compat` (no node:crypto, no Buffer).
//
// SHA-256, HMAC and HKDF come from @noble/hashes (audited, no dependencies) because they must stay synchronous:
// WebCrypto's are async, and the exported helpers built on them (computeUserHash, emailHashKey…) are synchronous
// public API. Random values come from the platform's `crypto` global, never at module scope (Workers forbid it).
import { hkdf } from '@noble/hashes/hkdf';
import { hmac } from '@noble/hashes/hmac';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2';

/** Text is hashed as its UTF-8 bytes, as node:crypto's `update(text)` does. */
export type BytesLike = string | Uint8Array;

const encoder = new TextEncoder();
const bytesOf = (data: BytesLike): Uint8Array => (typeof data === 'string' ? encoder.encode(data) : data);

/** SHA-256 of `data`. */
export function sha256(data: BytesLike): Uint8Array {
  return nobleSha256(bytesOf(data));
}

/** HMAC-SHA256 of `data` under `key`. */
export function hmacSha256(key: BytesLike, data: BytesLike): Uint8Array {
  return hmac(nobleSha256, bytesOf(key), bytesOf(data));
}

/** HKDF-SHA256 (RFC 5869): `length` bytes derived from `key` with `salt` and `info`. */
export function hkdfSha256(key: BytesLike, salt: BytesLike, info: BytesLike, length: number): Uint8Array {
  return hkdf(nobleSha256, bytesOf(key), bytesOf(salt), bytesOf(info), length);
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
