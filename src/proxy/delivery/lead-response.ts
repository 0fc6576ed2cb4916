// What a submission is answered, and the one place its lead tokens are signed: 201 created, naming the lead's contact
// and conversation; or 202 queued, naming the submission only (resolved once it is delivered, lead-resolver.ts).
import type { LeadResponse } from '../../protocol/wire.js';
import { signLeadToken } from '../guards/lead-token.js';
import type { ProxyDeps } from '../options.js';
import type { StoredAnswer } from '../store/index.js';
import type { Progress } from './idempotency.js';

/** The step note holding the queued answer's lead token, so a retry replays the same 202. */
export const QUEUED_TOKEN = 'queuedToken';

/** A submission as its answer names it: the id, and the avatar to apply once the lead becomes a user. */
interface Answered {
  submissionId: string;
  submission: { avatar?: string };
}

/** The 201 of a delivered submission (its record's answer, replayed to a resend): a lead token naming its lead. */
export async function createdAnswer(deps: Pick<ProxyDeps, 'options'>, item: Answered, lead: { contactId: string; conversationId: string }): Promise<StoredAnswer> {
  const { options } = deps;
  const leadToken = await signLeadToken(
    { contactId: lead.contactId, conversationId: lead.conversationId, submissionId: item.submissionId, avatar: item.submission.avatar },
    options.secret,
    options.limits.leadTokenTtlSeconds,
  );
  const body: LeadResponse = { status: 'created', leadToken, conversationId: lead.conversationId };
  return { status: 201, body };
}

/** The 202 of a queued submission: its token signed once and kept with the record (QUEUED_TOKEN), so a resend gets the same. */
export async function queuedAnswer(deps: Pick<ProxyDeps, 'options'>, item: Answered, progress: Progress): Promise<LeadResponse> {
  const kept = progress.steps[QUEUED_TOKEN];
  const leadToken = kept ?? (await signLeadToken({ submissionId: item.submissionId, avatar: item.submission.avatar }, deps.options.secret, deps.options.limits.leadTokenTtlSeconds));
  if (!kept) await progress.note(QUEUED_TOKEN, leadToken);
  return { status: 'queued', leadToken };
}
