// POST /convert: at sign-in, a verified user takes over the lead this browser created and its Messenger visitor.
import { sha256, toBase64Url } from '../web-crypto.js';
import {
  LIMITS,
  validateEmail,
  validateText,
  validateUrl,
  type ConvertResponse,
  type FieldErrorCode,
  type Identity,
} from '../../protocol/wire.js';
import { ProxyError, invalidFields, invalidLeadToken, leadPending, upstreamError, type FieldErrors } from '../errors.js';
import { emailUserExternalId, IdentityError, normaliseEmail, verifyIdentity, type VerifiedUser } from '../guards/identity.js';
import { runExactlyOnce, unfinished } from '../delivery/idempotency.js';
import { onceAnswer } from './once-answer.js';
import { upstreamFailureOf } from '../delivery/upstream-failure.js';
import { resolveLeadToken } from '../delivery/lead-resolver.js';
import { InvalidLeadTokenError, type LeadTokenClaims } from '../guards/lead-token.js';
import type { ProxyDeps, RouteHandler } from '../options.js';
import { isPlainObject, readJsonObject, rejectUnknownKeys } from '../guards/request-body.js';
import {
  applyAvatar,
  convertVisitorIntoUser,
  mergeLeadIntoVerifiedUser,
  type ConversionContext,
  type ConversionResult,
} from '../delivery/user-conversion.js';

const CONVERT_KEYS = ['leadToken', 'visitorId', 'identity'] as const;
const IDENTITY_KEYS = ['userId', 'email', 'userHash', 'jwt', 'avatar'] as const;
/** Longer than a conversion ever takes (a handful of Intercom calls with their retries). */
const LEASE_MS = 60_000;

interface ConvertInput {
  leadToken?: string;
  visitorId?: string;
  identity: Identity;
}

const IDENTITY_VALIDATORS: Record<(typeof IDENTITY_KEYS)[number], (value: unknown) => FieldErrorCode | undefined> = {
  userId: (value) => validateText(value, LIMITS.userId.max),
  email: validateEmail,
  userHash: (value) => validateText(value, LIMITS.userHash.max),
  jwt: (value) => validateText(value, LIMITS.jwt.max),
  avatar: (value) => validateText(value, LIMITS.avatar.max) ?? validateUrl(value),
};

const absent = (value: unknown) => value === undefined || value === null || value === '';

/**
 * The shape of an Intercom object id (24 hex digits), which is what a Messenger visitor's public `id` looks like.
 * `visitorId` must be the visitor's `user_id`, the random value in that browser's Messenger cookie: knowing it is
 * close to proof of being that browser. The public id also appears in payloads, webhooks and Inbox URLs, so it is
 * refused rather than passed on. Intercom's visitor user_ids are UUIDs.
 */
const INTERCOM_OBJECT_ID = /^[0-9a-f]{24}$/i;

/**
 * The body, checked for shape only. Values are kept exactly as sent (no trimming): a user hash covers the exact
 * user id. A missing `identity` is allowed here: the authenticate hook may know the user from the session.
 */
function readConvertRequest(input: Record<string, unknown>): ConvertInput {
  const fields: FieldErrors = {};
  rejectUnknownKeys(input, CONVERT_KEYS, fields);
  const result: ConvertInput = { identity: {} };
  for (const [key, max] of [
    ['leadToken', LIMITS.leadToken.max],
    ['visitorId', LIMITS.visitorId.max],
  ] as const) {
    if (absent(input[key])) continue;
    const code = validateText(input[key], max);
    if (code) fields[key] = code;
    else if (key === 'visitorId' && INTERCOM_OBJECT_ID.test(input[key] as string)) fields[key] = 'invalid_type';
    else result[key] = input[key] as string;
  }
  if (!result.leadToken && !result.visitorId && !fields.leadToken && !fields.visitorId) fields.leadToken = 'required';

  if (isPlainObject(input.identity)) {
    rejectUnknownKeys(input.identity, IDENTITY_KEYS, fields, 'identity.');
    for (const key of IDENTITY_KEYS) {
      const value = input.identity[key];
      if (absent(value)) continue;
      const code = IDENTITY_VALIDATORS[key](value);
      if (code) fields[`identity.${key}`] = code;
      else result.identity[key] = value as string;
    }
  } else if (!absent(input.identity)) {
    fields.identity = 'invalid_type';
  }
  if (Object.keys(fields).length) throw invalidFields(fields);
  return result;
}

function identityUnverified(): ProxyError {
  return new ProxyError(401, 'identity_unverified', 'The signed-in user could not be verified; nothing was converted.');
}

/** The wire error for a conversion that did not happen: refused by the delivery layer, or Intercom failed. */
function notConverted(result: Exclude<ConversionResult, { kind: 'converted' }>): ProxyError {
  if (result.kind === 'failed') return upstreamError(result.failure);
  switch (result.reason) {
    case 'identity_conflict':
      return new ProxyError(
        409,
        'identity_conflict',
        'Intercom already has another user with this email; nothing was merged. Sign in with the user id Intercom knows.',
      );
    case 'lead_already_converted':
      return new ProxyError(409, 'lead_already_converted', 'This lead already belongs to another user.');
    case 'visitor_not_found':
      return new ProxyError(404, 'not_found', 'There is no Messenger visitor with this id.');
  }
}

/** One conversion record per lead and verified user: the same user converting again gets the first answer. */
function conversionKey(claims: LeadTokenClaims, user: VerifiedUser): string {
  const subject = toBase64Url(sha256(JSON.stringify([user.userId ?? null, user.email === undefined ? null : normaliseEmail(user.email)])));
  return `convert:${claims.contactId}:${subject}`;
}

export function createConvertRoute(deps: ProxyDeps): RouteHandler {
  const { intercom, store, options } = deps;
  return async (c) => {
    const request = c.req.raw;
    const input = readConvertRequest(await readJsonObject(request, options.limits.maxBodyBytes));

    // Identity first: nothing reaches Intercom, and the lead token is not even read, for an unverified user.
    let user: VerifiedUser;
    try {
      user = await verifyIdentity(request, input.identity, options.identity);
    } catch (error) {
      if (error instanceof IdentityError) throw identityUnverified();
      throw error;
    }
    // Someone verified by email alone may need a user of their own beside one that holds their email under another
    // external id (user-conversion.ts). Keyed with the identity secret, which the email hashes already depend on,
    // else (an authenticate hook alone) the lead-token secret.
    if (!user.userId && user.email) {
      user = { ...user, emailUserId: emailUserExternalId(options.identity.identitySecret || options.secret, user.email) };
    }
    let claims: LeadTokenClaims | undefined;
    if (input.leadToken !== undefined) {
      let resolved: LeadTokenClaims | 'pending';
      try {
        // A queued submission's token waits for its delivery (resolveLeadToken, lead-resolver.ts; 503 lead_pending).
        resolved = await resolveLeadToken(deps, input.leadToken, options.delivery.pendingLeadWaitMs);
      } catch (error) {
        if (error instanceof InvalidLeadTokenError) throw invalidLeadToken();
        throw error;
      }
      if (resolved === 'pending') throw leadPending();
      claims = resolved;
    }

    const ctx: ConversionContext = { intercom, trace: c.get('trace') };
    // The customer's own avatar wins over one typed into the form; either is set on the user, never on the lead.
    const avatar = input.identity.avatar ?? claims?.avatar;
    try {
      let result: ConvertResponse | undefined;
      if (claims) {
        const lead = claims;
        const outcome = await runExactlyOnce<Exclude<ConversionResult, { kind: 'converted' }>>(
          store,
          conversionKey(lead, user),
          'convert',
          { leaseMs: LEASE_MS, waitMs: options.delivery.idempotencyWaitMs },
          async (progress) => {
            const merged = await mergeLeadIntoVerifiedUser(ctx, lead, user, progress);
            if (merged.kind !== 'converted') return unfinished(merged);
            if (avatar) await applyAvatar(ctx, merged.body.contactId, avatar);
            return { status: 200, body: merged.body };
          },
        );
        if (outcome.kind === 'unfinished') throw notConverted(outcome.result);
        result = onceAnswer(outcome).answer.body as ConvertResponse;
      }
      if (input.visitorId) {
        // With a lead as well, the visitor joins the same user and the answer stays the lead's (merged or created).
        const converted = await convertVisitorIntoUser(ctx, input.visitorId, user, result?.contactId);
        if (converted.kind !== 'converted') throw notConverted(converted);
        if (!result) {
          if (avatar) await applyAvatar(ctx, converted.body.contactId, avatar);
          result = converted.body;
        }
      }
      return c.json(result!, 200);
    } catch (error) {
      if (error instanceof ProxyError) throw error;
      // The avatar's PUT: an Intercom failure as the wire error.
      const failure = upstreamFailureOf(error);
      if (failure) throw upstreamError(failure);
      throw error;
    }
  };
}
