// The contact data attributes LeadRelay records (page, UTM, consent, submission id) and their creation in Intercom.
import { UTM_KEYS } from '../../protocol/wire.js';
import { IntercomError, type IntercomClient } from './intercom-client.js';
import type { LeadSubmission } from '../guards/lead-request.js';
import { submissionReference } from './submission-reference.js';

/** Every custom attribute the proxy writes, with the Intercom data type it is created with. */
export const DATA_ATTRIBUTES = [
  { name: 'leadrelay_submission_id', data_type: 'string', description: 'LeadRelay submission reference (keyed hash of the Idempotency-Key)' },
  { name: 'leadrelay_page_url', data_type: 'string', description: 'Page the LeadRelay form was sent from' },
  { name: 'leadrelay_page_title', data_type: 'string', description: 'Title of that page' },
  { name: 'leadrelay_page_referrer', data_type: 'string', description: 'Referrer of that page' },
  ...UTM_KEYS.map((key) => ({ name: `leadrelay_${key}`, data_type: 'string', description: `${key} of the visit` })),
  { name: 'leadrelay_consent', data_type: 'boolean', description: 'Whether the visitor gave consent in the form' },
  { name: 'leadrelay_consent_text', data_type: 'string', description: 'The consent wording the visitor saw' },
] as const;

export type DataAttributeName = (typeof DATA_ATTRIBUTES)[number]['name'];

/**
 * The custom attributes for a new lead: only the names above, only values that came through validation. The
 * submission id is stored as its one-way reference (`secret` is LEADRELAY_SECRET): an id read from Intercom must
 * not replay the submission's answer.
 */
export function leadCustomAttributes(
  submission: LeadSubmission,
  submissionId: string,
  secret: string,
): Partial<Record<DataAttributeName, string | boolean>> {
  const attributes: Partial<Record<DataAttributeName, string | boolean>> = {
    leadrelay_submission_id: submissionReference(secret, submissionId),
  };
  if (submission.page?.url) attributes.leadrelay_page_url = submission.page.url;
  if (submission.page?.title) attributes.leadrelay_page_title = submission.page.title;
  if (submission.page?.referrer) attributes.leadrelay_page_referrer = submission.page.referrer;
  for (const key of UTM_KEYS) {
    const value = submission.utm?.[key];
    if (value) attributes[`leadrelay_${key}`] = value;
  }
  if (submission.consent) {
    attributes.leadrelay_consent = submission.consent.given;
    if (submission.consent.text) attributes.leadrelay_consent_text = submission.consent.text;
  }
  return attributes;
}

interface DataAttributeList {
  data?: { name?: string; full_name?: string }[];
}

/**
 * Create the data attributes that do not exist yet (Intercom drops custom attributes it does not know).
 * Answers the names it created. Safe to run on every start: existing names are listed first and skipped.
 */
export async function ensureDataAttributes(client: IntercomClient): Promise<string[]> {
  const list = await client.request<DataAttributeList>('GET', '/data_attributes?model=contact', undefined, {
    retry: 'idempotent',
  });
  const existing = new Set((list?.data ?? []).map((attribute) => attribute.name));
  const created: string[] = [];
  for (const attribute of DATA_ATTRIBUTES) {
    if (existing.has(attribute.name)) continue;
    try {
      await client.request('POST', '/data_attributes', { ...attribute, model: 'contact' }, { retry: 'idempotent' });
      created.push(attribute.name);
    } catch (error) {
      // Another instance created it between our list and our create: Intercom refuses a duplicate name with a 400.
      if (error instanceof IntercomError && error.status === 400) continue;
      throw error;
    }
  }
  return created;
}

/**
 * Whether Intercom refused a write because a custom attribute it names does not exist (400 `parameter_not_found`,
 * "Custom attribute '…' does not exist"). They existed at start, but a workspace admin may delete one, and an
 * emulator forgets them all on restart: the caller creates them again and retries, rather than refusing the lead.
 */
export function isMissingDataAttribute(error: unknown): boolean {
  return error instanceof IntercomError && error.kind === 'http' && error.status === 400 && error.intercomCode === 'parameter_not_found';
}

/** The data attributes' set-up, run in the background from start until it succeeds (Intercom may be down at start). */
export interface DataAttributeSetup {
  /** True once every data attribute exists. */
  readonly done: boolean;
  /** Resolves once they exist; never rejects (an outage only delays it); stays pending if stopped before. */
  readonly ready: Promise<void>;
  /**
   * Resolves at once when done; otherwise makes (or joins) one attempt and rethrows its IntercomError, so a
   * delivery never creates a lead before its custom attributes exist (Intercom would drop them).
   */
  ensure(): Promise<void>;
  /** Stop retrying (the proxy is closing). */
  stop(): void;
}

export interface SetupRetry {
  /** The first wait after a failed attempt, doubled each time (default 1 s). */
  firstMs?: number;
  /** The longest wait between attempts (default 60 s). */
  maxMs?: number;
}

/**
 * Create the data attributes in the background: retried with capped backoff, forever, until done or stopped. Logs
 * `data_attributes_ready` once, and `setup_retrying` (with Intercom's status, never a body) after each failure.
 */
export function startDataAttributeSetup(
  client: IntercomClient,
  logger: (line: Record<string, unknown>) => void,
  retry: SetupRetry = {},
): DataAttributeSetup {
  const firstMs = Math.max(1, retry.firstMs ?? 1_000);
  const maxMs = Math.max(firstMs, retry.maxMs ?? 60_000);
  let done = false;
  let stopped = false;
  let attempt: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const tryOnce = (): Promise<void> => {
    attempt ??= ensureDataAttributes(client)
      .then((created) => {
        if (done) return;
        done = true;
        logger({ event: 'data_attributes_ready', created });
        markReady();
      })
      .finally(() => (attempt = undefined));
    return attempt;
  };

  const loop = async (failures: number): Promise<void> => {
    if (done || stopped) return;
    try {
      await tryOnce();
    } catch (error) {
      if (done || stopped) return;
      const waitMs = Math.min(maxMs, firstMs * 2 ** Math.min(failures, 30));
      const status = error instanceof IntercomError ? (error.kind === 'http' ? error.status : error.kind) : 'error';
      logger({ event: 'setup_retrying', status, code: error instanceof IntercomError ? error.intercomCode : undefined, attempts: failures + 1, nextInMs: waitMs });
      timer = setTimeout(() => void loop(failures + 1), waitMs);
      timer.unref?.();
    }
  };
  void loop(0);

  return {
    get done() {
      return done;
    },
    ready,
    ensure: async () => {
      if (!done) await tryOnce();
    },
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
