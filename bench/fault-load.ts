// Drives lead submissions through one or more proxies the way the widget does (same Idempotency-Key on every retry)
// and audits the emulator's state afterwards: which submissions became exactly one lead and one conversation.
import { randomUUID } from 'node:crypto';
import { submissionReference } from '../src/proxy/intercom/submission-reference.js';

/** A lead body the proxy accepts; `i` makes each submission distinct. */
export function buildSubmission(i: number): Record<string, unknown> {
  return {
    name: `Load Lead ${i}`,
    email: `load-${i}@example.com`,
    message: `Submission ${i}: please call me back.`,
    page: { url: `https://example.com/pricing?i=${i}`, title: 'Pricing' },
    consent: { given: true, text: 'You may contact me.' },
    hp: '',
    elapsedMs: 5000,
  };
}

export interface DriveOptions {
  /** Proxy base URLs; attempt k of a submission goes to proxyUrls[(i + k) % length], so retries move between them. */
  proxyUrls: () => readonly string[];
  n: number;
  concurrency: number;
  /** Send the first attempt of every `raceEvery`-th submission to two proxies at once (0: never). */
  raceEvery?: number;
  /** Give up on a submission after this long (it then counts as not accepted). */
  giveUpMs?: number;
  /** Longest wait between client retries (the answer's Retry-After is honoured up to this). */
  maxRetryDelayMs?: number;
  /** Called with each settled submission, e.g. to kill an instance after a share of the run. */
  onSettled?: (done: number) => void | Promise<void>;
  /** Start submission i no earlier than i × this many ms after the run began (a paced burst); 0: as fast as concurrency allows. */
  startEveryMs?: number;
  /** Offset added to each submission's number, so two runs against one emulator make distinct leads. */
  firstIndex?: number;
}

export interface SubmissionResult {
  key: string;
  /** The final accepting status (201 or 202), or undefined when the client gave up or was refused. */
  status?: number;
  /** A 4xx other than 409/429, which a client does not retry. */
  refused?: { status: number; code?: string };
  attempts: number;
  /** From the first attempt to the accepting answer, client retries included. */
  latencyMs: number;
}

const RETRYABLE = new Set([408, 409, 425, 429, 500, 502, 503, 504]);

async function attempt(url: string, key: string, body: string): Promise<{ status: number; code?: string; retryAfterMs?: number }> {
  try {
    const response = await fetch(`${url}/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body,
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    let code: string | undefined;
    try {
      code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
    } catch {
      code = undefined;
    }
    const retryAfter = Number(response.headers.get('retry-after'));
    return { status: response.status, code, retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined };
  } catch {
    // Connection refused or reset (an instance being killed): the client cannot know whether it arrived; it retries.
    return { status: 0 };
  }
}

async function submitOne(i: number, options: DriveOptions): Promise<SubmissionResult> {
  const key = randomUUID();
  const body = JSON.stringify(buildSubmission(i));
  const started = performance.now();
  const giveUpAt = Date.now() + (options.giveUpMs ?? 120_000);
  const maxDelay = options.maxRetryDelayMs ?? 1000;
  let attempts = 0;
  for (let k = 0; Date.now() < giveUpAt; k += 1) {
    const urls = options.proxyUrls();
    const pick = (offset: number) => urls[(i + k + offset) % urls.length]!;
    const race = k === 0 && options.raceEvery && i % options.raceEvery === 0 && urls.length > 1;
    const answers = await Promise.all(race ? [attempt(pick(0), key, body), attempt(pick(1), key, body)] : [attempt(pick(0), key, body)]);
    attempts += answers.length;
    const accepted = answers.find((answer) => answer.status === 201 || answer.status === 202);
    if (accepted) return { key, status: accepted.status, attempts, latencyMs: performance.now() - started };
    const refused = answers.find((answer) => answer.status >= 400 && !RETRYABLE.has(answer.status));
    if (refused) return { key, refused: { status: refused.status, code: refused.code }, attempts, latencyMs: performance.now() - started };
    const hinted = Math.max(0, ...answers.map((answer) => answer.retryAfterMs ?? 0));
    const backoff = Math.min(maxDelay, hinted || 20 * 2 ** Math.min(k, 6));
    await new Promise((resolve) => setTimeout(resolve, backoff * (0.5 + Math.random() / 2)));
  }
  return { key, attempts, latencyMs: performance.now() - started };
}

/** Submit `n` leads with at most `concurrency` in flight; every submission is retried until accepted. */
export async function driveSubmissions(options: DriveOptions): Promise<SubmissionResult[]> {
  const results: SubmissionResult[] = new Array(options.n);
  let next = 0;
  let done = 0;
  const began = Date.now();
  const worker = async () => {
    while (next < options.n) {
      const i = next++;
      const startAt = began + i * (options.startEveryMs ?? 0);
      if (startAt > Date.now()) await new Promise((resolve) => setTimeout(resolve, startAt - Date.now()));
      results[i] = await submitOne(i + (options.firstIndex ?? 0), options);
      done += 1;
      await options.onSettled?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.n) }, worker));
  return results;
}

export interface Audit {
  submitted: number;
  /** Submissions answered 201/202. */
  accepted: number;
  /** Submission ids with at least one lead carrying them and a conversation started by it. */
  created: number;
  leads: number;
  conversations: number;
  /** Extra leads per submission id plus extra conversations per lead. */
  duplicated: number;
  /** Accepted submissions with no lead, or a lead without a conversation. */
  lost: number;
  /** Submission ids that got more than one lead, for the report. */
  duplicateIds: string[];
}

interface StateContact {
  id: string;
  role: string;
  custom_attributes?: Record<string, unknown>;
}
interface StateConversation {
  id: string;
  contacts?: { contacts?: { id: string }[] };
}

/**
 * Compare what was accepted with what the emulator holds: one lead per submission, one conversation per lead. A lead
 * carries its submission's reference under the proxies' `secret` (LEADRELAY_SECRET), never the Idempotency-Key.
 */
export async function auditEmulator(emulatorUrl: string, results: readonly SubmissionResult[], secret: string): Promise<Audit> {
  const state = (await (await fetch(`${emulatorUrl}/_emulator/state`)).json()) as {
    contacts: StateContact[];
    conversations: StateConversation[];
  };
  const leadsByReference = new Map<string, StateContact[]>();
  for (const contact of state.contacts) {
    const reference = contact.custom_attributes?.leadrelay_submission_id;
    if (contact.role !== 'lead' || typeof reference !== 'string') continue;
    leadsByReference.set(reference, [...(leadsByReference.get(reference) ?? []), contact]);
  }
  const conversationsByContact = new Map<string, number>();
  for (const conversation of state.conversations) {
    for (const contact of conversation.contacts?.contacts ?? []) {
      conversationsByContact.set(contact.id, (conversationsByContact.get(contact.id) ?? 0) + 1);
    }
  }
  const audit: Audit = {
    submitted: results.length,
    accepted: results.filter((result) => result.status === 201 || result.status === 202).length,
    created: 0,
    leads: 0,
    conversations: 0,
    duplicated: 0,
    lost: 0,
    duplicateIds: [],
  };
  for (const result of results) {
    const leads = leadsByReference.get(submissionReference(secret, result.key.toLowerCase())) ?? [];
    const conversations = leads.map((lead) => conversationsByContact.get(lead.id) ?? 0);
    const total = conversations.reduce((sum, count) => sum + count, 0);
    audit.leads += leads.length;
    audit.conversations += total;
    if (leads.length > 1) audit.duplicateIds.push(result.key);
    // A second lead counts as a duplicate even when only one of them got a conversation.
    audit.duplicated += Math.max(0, leads.length - 1) + Math.max(0, total - 1);
    if (total >= 1) audit.created += 1;
    else audit.lost += 1;
  }
  return audit;
}

/**
 * Audit until every accepted submission is delivered (202 ones are delivered later by the proxy's drain loop), or
 * until `timeoutMs` passes; answers the last audit either way.
 */
export async function auditWhenDelivered(emulatorUrl: string, results: readonly SubmissionResult[], timeoutMs: number, secret: string): Promise<Audit> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const audit = await auditEmulator(emulatorUrl, results, secret);
    if (audit.created >= audit.accepted || Date.now() > deadline) return audit;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The q-quantile (0..1) of a list of numbers, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
