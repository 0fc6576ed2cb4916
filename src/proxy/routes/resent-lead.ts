// A resend of a submission the proxy already accepted answers as it did then, whatever the questions file says now.
//
// The widget's outbox sends the very same request again when an answer was lost; meanwhile the questions file may
// have changed (a proxy restarted with a new one, or another instance already running it). Checked against today's
// file, that resend would be 409 questions_changed or 400 invalid_field, and the visitor would be asked to send again
// a submission that already made its lead. Idempotency wins: when today's check refuses a body, the Idempotency-Key's
// record is looked at, and a record that holds an answer (or a queued 202) for the very same body is replayed.
import type { LeadResponse } from '../../protocol/wire.js';
import { ProxyError } from '../errors.js';
import { QUEUED_TOKEN } from '../delivery/accept-lead.js';
import { leadRecordKey } from '../delivery/lead-resolver.js';
import { checkResentLead, fingerprintSubmission } from '../guards/lead-request.js';
import type { ProxyDeps } from '../options.js';

/** Refusals that depend on the questions file of the day; any other refusal stands for a resend too. */
const FILE_DEPENDENT = new Set(['questions_changed', 'invalid_field']);

/** True for a refusal that today's questions file may cause: worth looking for an earlier acceptance of the body. */
export function mayBeResend(refusal: unknown): boolean {
  return refusal instanceof ProxyError && FILE_DEPENDENT.has(refusal.code);
}

/**
 * The stored answer for `submissionId` when `body` is that submission sent again; otherwise throws `refusal` (what
 * today's check answered). Only a record that already answered or queued is replayed, and only when the body, its
 * answers as sent included, has the record's fingerprint: nothing is delivered from here.
 */
export async function replayResentLead(
  deps: ProxyDeps,
  submissionId: string,
  body: Record<string, unknown>,
  refusal: unknown,
): Promise<{ status: number; body: LeadResponse }> {
  if (!mayBeResend(refusal)) throw refusal;
  const record = await deps.store.get(leadRecordKey(submissionId));
  const queuedToken = record?.steps[QUEUED_TOKEN];
  if (!record || (!record.answer && !queuedToken)) throw refusal;
  let resent;
  try {
    resent = checkResentLead(body);
  } catch {
    throw refusal;
  }
  // Another body under the key is no resend: today's refusal says what is wrong with it.
  if (fingerprintSubmission(resent.submission) !== record.fingerprint) throw refusal;
  if (record.answer) return { status: record.answer.status, body: record.answer.body as LeadResponse };
  return { status: 202, body: { status: 'queued', leadToken: queuedToken! } };
}
