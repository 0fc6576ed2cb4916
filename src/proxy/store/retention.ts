// How long stores keep things: idempotency records outlive the widget's outbox (7 days) with a margin.

/** The widget's outbox keeps a submission and resends it with the same key for up to this long. */
export const OUTBOX_KEEP_MS = 7 * 24 * 60 * 60 * 1000;

/** How long an idempotency record (the key's first answer and its contact/conversation) is kept: twice the outbox. */
export const RECORD_TTL_MS = 14 * 24 * 60 * 60 * 1000;
