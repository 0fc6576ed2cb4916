// The one place a wire error is built: `{error: {code, message, fields?}}` with its HTTP status and headers.
import type { ErrorCode, FieldErrorCode, WireError } from '../protocol/wire.js';

export type FieldErrors = Partial<Record<string, FieldErrorCode>>;

/** An error the proxy answers with; thrown anywhere in a route and turned into a response by the app. */
export class ProxyError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly fields?: FieldErrors,
    readonly headers?: Record<string, string>,
    /** Machine-readable values beside the code (`questionsHash` with questions_changed, `unlistedFields` with invalid_field). */
    readonly details?: { questionsHash?: string; unlistedFields?: number },
  ) {
    super(message);
    this.name = 'ProxyError';
  }
}

/** The JSON body of a wire error. */
export function wireErrorBody(code: ErrorCode, message: string, fields?: FieldErrors, details?: ProxyError['details']): WireError {
  return { error: { code, message, ...(fields ? { fields } : {}), ...details } };
}

/** A Response carrying a wire error. */
export function wireErrorResponse(
  status: number,
  code: ErrorCode,
  message: string,
  fields?: FieldErrors,
  headers?: Record<string, string>,
  details?: ProxyError['details'],
): Response {
  return Response.json(wireErrorBody(code, message, fields, details), { status, headers });
}

/** Any thrown value as a wire error response; unknown errors become a 500 that says nothing about their cause. */
export function errorToResponse(error: unknown): Response {
  if (error instanceof ProxyError) {
    return wireErrorResponse(error.status, error.code, error.message, error.fields, error.headers, error.details);
  }
  return wireErrorResponse(500, 'internal_error', 'The proxy failed unexpectedly. Try again later.');
}

/** Shorthand for the common 400 with per-field codes. */
export function invalidFields(fields: FieldErrors, unlisted = 0): ProxyError {
  const more = unlisted > 0 ? ` ${unlisted} more unknown field${unlisted === 1 ? ' is' : 's are'} not listed.` : '';
  return new ProxyError(400, 'invalid_field', `Some fields are missing or invalid.${more}`, fields, undefined, unlisted > 0 ? { unlistedFields: unlisted } : undefined);
}

/** 422 for an Idempotency-Key (or a derived submission id) already used for a different body. */
export function idempotencyKeyReused(): ProxyError {
  return new ProxyError(422, 'idempotency_key_reused', 'This Idempotency-Key was already used for a different submission.');
}

/** 409 while another request (or the drain loop) holds the same Idempotency-Key's claim. */
export function idempotencyInProgress(): ProxyError {
  return new ProxyError(409, 'idempotency_in_progress', 'This submission is being processed by another request.', undefined, {
    'retry-after': '1',
  });
}

/** What the browser may learn of a failed Intercom call (an IntercomError has this shape). */
export interface UpstreamFailure {
  kind: 'http' | 'timeout' | 'network';
  status: number;
  retryAfterSeconds?: number;
}

/** An Intercom failure as the wire error the browser gets: nothing of Intercom's own text, never a 4xx it caused. */
export function upstreamError(failure: UpstreamFailure): ProxyError {
  if (failure.kind === 'timeout') return new ProxyError(504, 'upstream_unavailable', 'Intercom did not answer in time. Try again.');
  if (failure.kind === 'network') return new ProxyError(502, 'upstream_unavailable', 'Intercom could not be reached. Try again.');
  if (failure.status === 429) {
    const seconds = String(Math.max(1, Math.ceil(failure.retryAfterSeconds ?? 10)));
    return new ProxyError(503, 'upstream_unavailable', 'Intercom is busy. Try again shortly.', undefined, {
      'retry-after': seconds,
    });
  }
  if (failure.status >= 500) return new ProxyError(502, 'upstream_unavailable', 'Intercom failed to answer. Try again.');
  return new ProxyError(502, 'upstream_rejected', 'Intercom refused the request; the proxy may be misconfigured.');
}

/** 401 for a lead token that names nothing this proxy can act on (what /messages and /convert answer for it). */
export function invalidLeadToken(): ProxyError {
  return new ProxyError(401, 'invalid_lead_token', 'The lead token is missing, expired or not valid for this proxy.');
}

/** 503 for a lead still waiting in the delivery queue: the same call works once it is delivered. */
export function leadPending(): ProxyError {
  return new ProxyError(503, 'lead_pending', 'This lead is queued for delivery to Intercom. Try again shortly.', undefined, {
    'retry-after': '5',
  });
}

/**
 * A setting that cannot work, refused before the proxy serves anything. `setting` names it (the option and its
 * environment variable), `problem` says what is wrong with it, `fix` what to do. It never carries the setting's
 * value: the access token and the secrets are settings too. The command prints its message and exits 1.
 */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${setting} ${problem}. ${fix}`);
    this.name = 'ConfigError';
  }
}
