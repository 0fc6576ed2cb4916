// The HTTP meaning of an exactly-once run's outcome (delivery/idempotency.ts), shared by the routes that run one.
import { idempotencyInProgress, idempotencyKeyReused } from '../errors.js';
import type { OnceOutcome, OnceResult } from '../delivery/idempotency.js';

/** The answer of a run that is done; 422 when the key holds another body, 409 while someone else holds the claim. */
export function onceAnswer(outcome: OnceOutcome): OnceResult {
  switch (outcome.kind) {
    case 'unfinished':
      return outcome.result; // never: only runs whose work can end unfinished have a result here
    case 'done':
      return { answer: outcome.answer, replayed: outcome.replayed };
    case 'mismatch':
      throw idempotencyKeyReused();
    case 'busy':
    case 'lost':
      throw idempotencyInProgress();
  }
}
