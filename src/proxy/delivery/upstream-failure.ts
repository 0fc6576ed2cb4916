// Intercom's failures as plain data: for the routes, which translate them to HTTP without knowing the client; and
// for a delivery, which answers them as results (deferred until a time, or refused for good), never as exceptions.
import type { UpstreamFailure } from '../errors.js';
import { IntercomError } from '../intercom/intercom-client.js';

/** The failure when `error` is an Intercom call's, else undefined (a bug or a store failure: the caller rethrows). */
export function upstreamFailureOf(error: unknown): UpstreamFailure | undefined {
  return error instanceof IntercomError ? error : undefined;
}

/** Why a delivery cannot finish now. */
export type DeferReason = 'rate_limited' | 'recovering' | 'upstream_unavailable' | 'data_attribute_missing' | 'data_attribute_clash';

/** A step (or the whole delivery) cannot be settled yet: try again at `retryAt` (epoch ms), inline when soon, else from the queue. */
export interface Deferred {
  kind: 'deferred';
  reason: DeferReason;
  retryAt: number;
}

export const deferred = (reason: DeferReason, retryAt: number): Deferred => ({ kind: 'deferred', reason, retryAt });

/** Intercom refused the submission for good (a 4xx other than 404, 409, 429): the wire error, and the dead-letter reason. */
export interface Refused {
  kind: 'refused';
  failure: UpstreamFailure;
  /** Intercom's status and code, never its text. */
  reason: string;
}

/**
 * A failed Intercom call as a result: a transient failure is deferred (with when), a refusal for good refused. Any
 * other error (a bug, a store failure) is not Intercom's answer and is thrown on.
 */
export function failureOf(error: unknown): Deferred | Refused {
  if (!(error instanceof IntercomError)) throw error;
  if (error.kind === 'http' && error.status === 429) {
    return deferred('rate_limited', Date.now() + Math.max(50, (error.retryAfterSeconds ?? 1) * 1000));
  }
  // A contact we created answers 404 until it can be messaged, and a 409 is a conflict that may clear: transient too.
  if (error.kind !== 'http' || error.status >= 500 || error.status === 404 || error.status === 409) {
    return deferred('upstream_unavailable', Date.now());
  }
  return {
    kind: 'refused',
    failure: { kind: error.kind, status: error.status, retryAfterSeconds: error.retryAfterSeconds },
    reason: `intercom_refused ${error.status}${error.intercomCode ? ` ${error.intercomCode}` : ''}`,
  };
}
