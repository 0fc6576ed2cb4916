// The one-way reference to a submission id that the proxy stores on a lead in Intercom (leadrelay_submission_id).
//
// A submission id is the widget's Idempotency-Key (or a form post's derived id): whoever sends it again within the
// idempotency record's life gets the first answer replayed, lead token included. Intercom is read by webhooks,
// apps and teammates, so the lead carries a keyed hash of the id instead: the proxy can still find the lead by
// its submission (recovery, a lead token whose record expired), a reader of Intercom cannot rebuild the key.
import { hmacSha256, toBase64Url } from '../web-crypto.js';

/** base64url(HMAC-SHA256(LEADRELAY_SECRET, 'leadrelay:submission:' + submissionId)): what Intercom holds for a submission. */
export function submissionReference(secret: string, submissionId: string): string {
  return toBase64Url(hmacSha256(secret, `leadrelay:submission:${submissionId}`));
}
