// Lead tokens: HS256 JWTs signed with LEADRELAY_SECRET that prove "this browser created that lead", nothing more.

/** jose, loaded on the first sign or verify rather than with `leadrelay/proxy`: it was a good part of its import time. */
let jose: Promise<typeof import('./jwt-library.js')> | undefined;
const loadJose = (): Promise<typeof import('./jwt-library.js')> => (jose ??= import('./jwt-library.js').catch((error: unknown) => {
  jose = undefined;
  throw error;
}));

const ISSUER = 'leadrelay';
const AUDIENCE = 'leadrelay:lead';

/** What a lead token names. */
export interface LeadTokenClaims {
  /** The Intercom contact id of the lead. */
  contactId: string;
  /** The conversation started by the submission (absent while a submission is only queued). */
  conversationId?: string;
  /** The submission id (the Idempotency-Key); the contact holds only its one-way reference (`leadrelay_submission_id`). */
  submissionId: string;
  /** An avatar URL to apply once the lead becomes a user (leads cannot show one). */
  avatar?: string;
}

/** A lead token that is forged, tampered with, signed by another secret, expired or malformed. */
export class InvalidLeadTokenError extends Error {
  constructor(readonly reason: 'expired' | 'invalid' | 'pending') {
    super(`lead token ${reason}`);
    this.name = 'InvalidLeadTokenError';
  }
}

/**
 * A valid token of a submission that was queued (202): it names the submission only. Routes that need the
 * contact resolve it with `resolveLeadToken` (lead-resolver.ts); code that does not is refused as invalid.
 */
export class PendingLeadTokenError extends InvalidLeadTokenError {
  constructor(readonly claims: { submissionId: string; avatar?: string }) {
    super('pending');
    this.name = 'PendingLeadTokenError';
  }
}

const keys = new Map<string, Promise<CryptoKey>>();

/** The HMAC key for `secret`, imported once: importing raw bytes on every sign/verify costs more than the HMAC. */
function keyOf(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    keys.set(secret, key);
  }
  return key;
}

/** Sign a lead token valid for `ttlSeconds` (default 90 days: long enough to sign in after filling the form). */
export async function signLeadToken(claims: Omit<LeadTokenClaims, 'contactId'> & { contactId?: string }, secret: string, ttlSeconds = 90 * 24 * 3600): Promise<string> {
  const payload: Record<string, string> = { sid: claims.submissionId };
  if (claims.conversationId) payload.cid = claims.conversationId;
  if (claims.avatar) payload.avt = claims.avatar;
  const { SignJWT } = await loadJose();
  const jwt = new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' });
  if (claims.contactId) jwt.setSubject(claims.contactId);
  return jwt
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(await keyOf(secret));
}

/**
 * The secrets a lead token may be signed with: `secret` first, then `previousSecrets` (after a rotation, so the
 * tokens browsers already hold keep working). Only `secret` ever signs.
 */
export function verificationSecrets(options: { secret: string; previousSecrets?: readonly string[] }): string[] {
  return [options.secret, ...(options.previousSecrets ?? []).filter((previous) => previous && previous !== options.secret)];
}

/**
 * The claims of a valid delivered lead token, signed with `secrets` (one, or the list from verificationSecrets);
 * throws InvalidLeadTokenError (PendingLeadTokenError when queued).
 */
export async function verifyLeadToken(token: unknown, secrets: string | readonly string[]): Promise<LeadTokenClaims> {
  if (typeof token !== 'string' || token.length === 0 || token.length > 4096) throw new InvalidLeadTokenError('invalid');
  let payload: Record<string, unknown> | undefined;
  const { jwtVerify } = await loadJose();
  for (const secret of typeof secrets === 'string' ? [secrets] : secrets) {
    try {
      ({ payload } = await jwtVerify(token, await keyOf(secret), {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        requiredClaims: ['sid', 'exp'],
      }));
      break;
    } catch (error) {
      const code = (error as { code?: string }).code;
      // Only a signature by another key is worth trying the next secret for: a token whose signature verified
      // but whose claims are wrong (expired, another audience) is that token's own fault under every secret.
      if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') continue;
      throw new InvalidLeadTokenError(code === 'ERR_JWT_EXPIRED' ? 'expired' : 'invalid');
    }
  }
  if (!payload) throw new InvalidLeadTokenError('invalid');
  const { sub, sid, cid, avt } = payload;
  if ((sub !== undefined && typeof sub !== 'string') || typeof sid !== 'string') throw new InvalidLeadTokenError('invalid');
  // A queued submission's token names no contact (and no conversation) yet.
  if (sub === undefined) throw new PendingLeadTokenError({ submissionId: sid, avatar: typeof avt === 'string' ? avt : undefined });
  return {
    contactId: sub,
    submissionId: sid,
    conversationId: typeof cid === 'string' ? cid : undefined,
    avatar: typeof avt === 'string' ? avt : undefined,
  };
}
