// Verifies who the signed-in user is before a lead may be merged into them: an authenticate hook, a JWT, or a user hash.
import { constantTimeEqual, hkdfSha256, hmacSha256, toBase64Url, toHex } from '../web-crypto.js';
import type { Identity } from '../../protocol/wire.js';

/** A user whose identity the proxy has verified. At least one of `userId` and `email` is set. */
export interface VerifiedUser {
  userId?: string;
  email?: string;
  /**
   * For a user verified by email alone: the `external_id` the proxy gives their Intercom user when another user with
   * an `external_id` already holds the email (emailUserExternalId). Set by the /convert route, which holds the key.
   */
  emailUserId?: string;
  /** How it was verified, for logs and tests. */
  method: 'authenticate' | 'jwt' | 'user_hash';
}

/** What the customer's own backend returns for the request's session, or null when nobody is signed in. */
export type AuthenticateHook = (request: Request) => Promise<{ userId?: string; email?: string } | null | undefined>;

export interface IdentityOptions {
  authenticate?: AuthenticateHook;
  /** LEADRELAY_IDENTITY_SECRET: verifies Intercom-style user hashes; JWTs use a key derived from it (identityJwtKey). */
  identitySecret?: string;
  /** LEADRELAY_JWT_SECRET: the HS256 key for identity JWTs, instead of the one derived from `identitySecret`. */
  jwtSecret?: string;
  /** LEADRELAY_JWT_AUDIENCE: the `aud` an identity JWT must name (default JWT_AUDIENCE). */
  jwtAudience?: string;
  /** LEADRELAY_JWT_ISSUER: the `iss` an identity JWT must name (default JWT_ISSUER). */
  jwtIssuer?: string;
  /** LEADRELAY_JWT_MAX_AGE_SECONDS: how long after its `iat` an identity JWT is accepted (default JWT_MAX_AGE_SECONDS). */
  jwtMaxAgeSeconds?: number;
}

/** The `aud` an identity JWT must carry unless `jwtAudience` says otherwise (a lead token's is `leadrelay:lead`). */
export const JWT_AUDIENCE = 'leadrelay:convert';
/** The `iss` an identity JWT must carry unless `jwtIssuer` says otherwise. */
export const JWT_ISSUER = 'leadrelay:site';
/**
 * How long after its `iat` an identity JWT is accepted unless `jwtMaxAgeSeconds` says otherwise: a sign-in token is
 * made for one page load, so a leaked one (a log, a shared screenshot, a browser history) should not work for days
 * even when the site set a distant `exp`.
 */
export const JWT_MAX_AGE_SECONDS = 600;
/** Clock difference tolerated between the site that signs JWTs and the proxy (for `iat` in the future, and `exp`). */
const JWT_CLOCK_TOLERANCE_SECONDS = 30;
/**
 * The prefix of the `external_id` the proxy gives a user verified by email alone (emailUserExternalId). No verified
 * user id may start with it, so a site whose users choose their own ids can never hand one out that finds such a user.
 */
export const EMAIL_USER_ID_PREFIX = 'leadrelay-email:';

/** Why verification failed; never shown in detail to the browser (it always gets `identity_unverified`). */
export class IdentityError extends Error {
  constructor(readonly reason: string) {
    super(`identity not verified: ${reason}`);
    this.name = 'IdentityError';
  }
}

/**
 * The hash that verifies a user id: hex(HMAC-SHA256(secret, userId)), Intercom's Messenger `user_hash` for a user
 * with a `user_id`, so a site that computes it for the Messenger can pass the same value. It verifies the id only,
 * never an email: a site whose users choose their ids (or whose ids look like emails) would otherwise hand out an
 * email's proof to whoever picked that email as their id.
 */
export function computeUserHash(secret: string, userId: string): string {
  return toHex(hmacSha256(secret, userId));
}

/**
 * An email in the form the proxy compares emails in: trimmed, ASCII letters lower-cased. Only ASCII: full Unicode
 * lower-casing folds other characters onto ASCII ones (the Kelvin sign K onto k), which would let someone verified
 * for one address match another.
 */
export function normaliseEmail(email: string): string {
  return email.trim().replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/**
 * The key email hashes are made with: HKDF-SHA256(identity secret, salt "leadrelay", info "leadrelay email hash v1"),
 * 32 bytes. HKDF keys its first HMAC with the public salt, so no user hash (an HMAC keyed with the identity secret,
 * over any user id anyone could choose) can equal this key or an email hash made with it. A prefix on the email
 * (HMAC(secret, "email:" + email)) would not do: a user could choose "email:victim@example.com" as their id.
 */
export function emailHashKey(identitySecret: string): Uint8Array {
  return hkdfSha256(identitySecret, 'leadrelay', 'leadrelay email hash v1', 32);
}

/**
 * The hash that verifies an email for a user with no user id: hex(HMAC-SHA256(emailHashKey(secret), email)), over
 * the email exactly as sent, like a user hash over the exact id (the site computes both the hash and the email it
 * sends, so no folding is needed, and none can make two addresses share a hash). Deliberately not Intercom's
 * Messenger `user_hash` for email-only users, HMAC(secret, email), which is the same computation as a user hash over
 * an id that happens to be that email.
 */
export function computeEmailHash(identitySecret: string, email: string): string {
  return toHex(hmacSha256(emailHashKey(identitySecret), email));
}

/**
 * The `external_id` of the Intercom user the proxy makes for someone verified by email alone when a user with
 * another `external_id` already holds that email (it may have been planted there by a merge of a typed, unverified
 * email). Intercom lets two users share an email only when both carry different `external_id`s, so this is what
 * lets the verified owner of the email have a user of their own without ever being merged into that other user.
 * Keyed with a proxy secret so nobody can predict it and register it as their id elsewhere.
 */
export function emailUserExternalId(key: string, email: string): string {
  const keyBytes = hkdfSha256(key, 'leadrelay', 'leadrelay email user id v1', 32);
  const digest = toBase64Url(hmacSha256(keyBytes, normaliseEmail(email)));
  return `${EMAIL_USER_ID_PREFIX}${digest}`;
}

/**
 * The HS256 key for identity JWTs when no `jwtSecret` is set: HKDF-SHA256(identity secret, salt "leadrelay",
 * info "leadrelay identity jwt v1"), 32 bytes. HKDF keys its first HMAC with the public salt, so no user hash
 * (HMAC keyed with the identity secret, over any user id) can ever equal this key or a signature made with it.
 */
export function identityJwtKey(identitySecret: string): Uint8Array {
  return hkdfSha256(identitySecret, 'leadrelay', 'leadrelay identity jwt v1', 32);
}

function constantTimeEqualHex(a: string, b: string): boolean {
  // The time does not tell how much of the hash matched (it depends on the expected hash's length only).
  const encoder = new TextEncoder();
  return constantTimeEqual(encoder.encode(a.toLowerCase()), encoder.encode(b.toLowerCase()));
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/** The key identity JWTs are checked with, or undefined when neither secret is configured. */
function jwtKeyOf(options: IdentityOptions): Uint8Array | undefined {
  if (nonEmpty(options.jwtSecret)) return new TextEncoder().encode(options.jwtSecret);
  if (nonEmpty(options.identitySecret)) return identityJwtKey(options.identitySecret);
  return undefined;
}

async function verifyJwt(jwt: string, key: Uint8Array, options: IdentityOptions): Promise<VerifiedUser> {
  // Loaded here, not with `leadrelay/proxy` (most proxies never verify a sign-in), and before the try: a library
  // that fails to load is the server's fault, not the token's.
  const { jwtVerify, errors: joseErrors } = await import('./jwt-library.js');
  try {
    // `aud` and `iss` are required: an HS256 token made for another purpose (a lead token, another service's
    // session token) never passes for a sign-in, even if someone configured one secret for both.
    // `iat` is required too: the age limit counts from it, whatever `exp` the site chose.
    const { payload } = await jwtVerify(jwt, key, {
      algorithms: ['HS256'],
      audience: options.jwtAudience || JWT_AUDIENCE,
      issuer: options.jwtIssuer || JWT_ISSUER,
      requiredClaims: ['exp', 'iat', 'sub', 'aud', 'iss'],
      maxTokenAge: options.jwtMaxAgeSeconds ?? JWT_MAX_AGE_SECONDS,
      clockTolerance: JWT_CLOCK_TOLERANCE_SECONDS,
    });
    const email = nonEmpty(payload.email) ? payload.email : undefined;
    return { userId: payload.sub, email, method: 'jwt' };
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw new IdentityError(error.claim === 'iat' ? 'jwt too old' : 'jwt expired');
    throw new IdentityError('jwt invalid');
  }
}

/**
 * Verifies the identity in this order: the authenticate hook, a JWT, a user hash. An unverified
 * email never verifies anything: the caller must throw away the request unless this resolves.
 */
export async function verifyIdentity(
  request: Request,
  identity: Identity,
  options: IdentityOptions,
): Promise<VerifiedUser> {
  const user = await verifyProof(request, identity, options);
  // An id in the proxy's own namespace would find the user it made for someone verified by email alone.
  if (user.userId?.startsWith(EMAIL_USER_ID_PREFIX)) throw new IdentityError('user id in the reserved namespace');
  return user;
}

async function verifyProof(request: Request, identity: Identity, options: IdentityOptions): Promise<VerifiedUser> {
  if (options.authenticate) {
    const user = await options.authenticate(request);
    if (user && (nonEmpty(user.userId) || nonEmpty(user.email))) {
      return {
        userId: nonEmpty(user.userId) ? user.userId : undefined,
        email: nonEmpty(user.email) ? user.email : undefined,
        method: 'authenticate',
      };
    }
    // A mounted proxy whose session has nobody signed in may still accept a JWT or hash below.
  }
  const secret = options.identitySecret;
  const jwtKey = jwtKeyOf(options);
  if (!jwtKey) throw new IdentityError('no identity secret configured');

  if (nonEmpty(identity.jwt)) {
    const user = await verifyJwt(identity.jwt, jwtKey, options);
    // A JWT names its own user; a different userId beside it would be a second, unverified claim.
    if (nonEmpty(identity.userId) && identity.userId !== user.userId) throw new IdentityError('userId differs from jwt');
    return user;
  }

  if (nonEmpty(identity.userHash)) {
    if (!nonEmpty(secret)) throw new IdentityError('no identity secret configured');
    // The subject decides the hash: over the id when there is one, else over the email with the email key, so
    // an id's hash never verifies an email (an id may be chosen by its user, or look like an email).
    const expected = nonEmpty(identity.userId)
      ? computeUserHash(secret, identity.userId)
      : nonEmpty(identity.email)
        ? computeEmailHash(secret, identity.email)
        : undefined;
    if (!expected) throw new IdentityError('user hash without userId or email');
    if (!constantTimeEqualHex(expected, identity.userHash)) throw new IdentityError('user hash mismatch');
    // With a userId the hash covers only the id; the email beside it is then not verified and is not used to find a user.
    return nonEmpty(identity.userId)
      ? { userId: identity.userId, method: 'user_hash' }
      : { email: identity.email, method: 'user_hash' };
  }

  throw new IdentityError('no proof of identity');
}
