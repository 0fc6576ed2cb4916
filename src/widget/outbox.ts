// Submissions not yet delivered, kept in localStorage with their Idempotency-Key until the proxy takes them, and
// their delivery. Loaded with the submit code (not for first paint); the widget's OutboxController drives it.
import type { LeadRequest } from '../protocol/wire.js';
import { STORAGE_KEYS, localStore, storeLeadToken } from '../client/lead-session.js';
import { sendLead, type SendOutcome } from '../client/proxy-client.js';

export interface PendingSubmission {
  /** The Idempotency-Key: the same on every send of this submission, so the proxy creates it once. */
  key: string;
  proxy: string;
  body: LeadRequest;
  /** When it was first submitted (ms since epoch). */
  at: number;
}

/** Older submissions are dropped: a week-old contact request is stale and the proxy forgets keys eventually. */
const MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;

export function readOutbox(): PendingSubmission[] {
  try {
    const items = JSON.parse(localStore()?.getItem(STORAGE_KEYS.outbox) ?? '[]') as PendingSubmission[];
    return Array.isArray(items) ? items.filter((item) => Date.now() - item.at < MAX_AGE_MS) : [];
  } catch {
    return [];
  }
}

function writeOutbox(items: PendingSubmission[]): void {
  try {
    const store = localStore();
    if (items.length) store?.setItem(STORAGE_KEYS.outbox, JSON.stringify(items));
    else store?.removeItem(STORAGE_KEYS.outbox);
  } catch {
    // Storage full or refused: the submission is still tried now; it just cannot wait for a later page.
  }
}

export function putInOutbox(item: PendingSubmission): void {
  writeOutbox([...readOutbox().filter((other) => other.key !== item.key), item]);
}

export function removeFromOutbox(key: string): void {
  writeOutbox(readOutbox().filter((item) => item.key !== key));
}

// Per page, not per element: two widgets (or a reconnect) must not send the same submission at once.
const inFlight = new Map<string, Promise<SendOutcome>>();

/** Send one waiting submission (with its original key); once the proxy has decided, it leaves the outbox. */
export function deliver(item: PendingSubmission): Promise<SendOutcome> {
  let sending = inFlight.get(item.key);
  if (!sending) {
    sending = sendLead(item.proxy, item.key, item.body).then((outcome) => {
      inFlight.delete(item.key);
      // Unreachable: keep it for the next `online`, page load or connect. Otherwise the proxy has decided.
      if (outcome.kind !== 'unreachable') removeFromOutbox(item.key);
      if (outcome.kind === 'accepted') storeLeadToken(outcome.response.leadToken);
      return outcome;
    });
    inFlight.set(item.key, sending);
  }
  return sending;
}
