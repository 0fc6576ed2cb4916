// Intercom's failures as plain data for the routes, which translate them to HTTP without knowing the client.
import type { UpstreamFailure } from '../errors.js';
import { IntercomError } from '../intercom/intercom-client.js';

/** The failure when `error` is an Intercom call's, else undefined (a bug or a store failure: the caller rethrows). */
export function upstreamFailureOf(error: unknown): UpstreamFailure | undefined {
  return error instanceof IntercomError ? error : undefined;
}
