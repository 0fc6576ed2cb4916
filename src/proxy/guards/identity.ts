// Verifies who the signed-in user is before a lead may be merged into them: an authenticate hook, a JWT, or a user hash.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { jwtVerify, errors as joseErrors } from 'jose';
import type { Identity } from '../../protocol/wire.js';

/** A user whose identity the proxy has verified. At least one of `userId` and `email` is set. */
export interface VerifiedUser {
  userId?: string;
  email?: string;
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
}

/** The `aud` an identity JWT must carry unless `jwtAudience` says otherwise (a lead token's is `leadrelay:lead`). */
export const JWT_AUDIENCE = 'leadrelay:convert';
/** The `iss` an identity JWT must carry unless `jwtIssuer` says otherwise. */
export const JWT_ISSUER = 'leadrelay:site';

/** Why verification failed; never shown in detail to the browser (it always gets `identity_unverified`). */
export class IdentityError extends Error {
  constructor(readonly reason: string) {
    super(`identity not verified: ${reason}`);
    this.name = 'IdentityError';
  }
}

/**
 * The Intercom identity-verification hash: hex(HMAC-SHA256(secret, userId ?? email)).
 * Customers who already compute `user_hash` for the Messenger can pass the same value.
 */
export function computeUserHash(secret: string, subject: string): string {
  return createHmac('sha256', secret).update(subject, 'utf8').digest('hex');
}

/**
 * The HS256 key for identity JWTs when no `jwtSecret` is set: HKDF-SHA256(identity secret, salt "leadrelay",
 * info "leadrelay identity jwt v1"), 32 bytes. HKDF keys its first HMAC with the public salt, so no user hash
 * (HMAC keyed with the identity secret, over any user id) can ever equal this key or a signature made with it.
 */
export function identityJwtKey(identitySecret: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', identitySecret, 'leadrelay', 'leadrelay identity jwt v1', 32));
}

function constantTimeEqualHex(a: string, b: string): boolean {
  const left = Buffer.from(a.toLowerCase(), 'utf8');
  const right = Buffer.from(b.toLowerCase(), 'utf8');
  // Compare equal-length buffers so the time does not tell how much of the hash matched.
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
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
  try {
    // `aud` and `iss` are required: an HS256 token made for another purpose (a lead token, another service's
    // session token) never passes for a sign-in, even if someone configured one secret for both.
    const { payload } = await jwtVerify(jwt, key, {
      algorithms: ['HS256'],
      audience: options.jwtAudience || JWT_AUDIENCE,
      issuer: options.jwtIssuer || JWT_ISSUER,
      requiredClaims: ['exp', 'sub', 'aud', 'iss'],
    });
    const email = nonEmpty(payload.email) ? payload.email : undefined;
    return { userId: payload.sub, email, method: 'jwt' };
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw new IdentityError('jwt expired');
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
    const subject = nonEmpty(identity.userId) ? identity.userId : nonEmpty(identity.email) ? identity.email : undefined;
    if (!subject) throw new IdentityError('user hash without userId or email');
    if (!constantTimeEqualHex(computeUserHash(secret, subject), identity.userHash)) {
      throw new IdentityError('user hash mismatch');
    }
    // With a userId the hash covers only the id; the email beside it is then not verified and is not used to find a user.
    return nonEmpty(identity.userId)
      ? { userId: identity.userId, method: 'user_hash' }
      : { email: identity.email, method: 'user_hash' };
  }

  throw new IdentityError('no proof of identity');
}
