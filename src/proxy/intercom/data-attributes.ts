// The contact data attributes LeadRelay records (page, UTM, consent, submission id) and their creation in Intercom.
import { UTM_KEYS } from '../../protocol/wire.js';
import { intercomDataType, questionLabel, type IntercomDataType, type QuestionsDefinition } from '../../protocol/questions.js';
import { IntercomError, type IntercomClient } from './intercom-client.js';
import type { LeadSubmission } from '../guards/lead-request.js';
import { submissionReference } from './submission-reference.js';
import { backoffDelay, type RetryPolicy } from '../retry-policy.js';

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
  data?: { name?: string; full_name?: string; data_type?: string; custom?: boolean }[];
}

/** A contact data attribute to create: LeadRelay's own, or one a question of the questions file stores its answer in. */
export interface DataAttributeSpec {
  name: string;
  data_type: IntercomDataType | 'string' | 'boolean';
  description: string;
}

/**
 * The attributes the questions file names, once each, with the Intercom data type of their answers (the file is
 * refused at load when two questions would store different types in one attribute). Nothing else: the proxy never
 * creates an attribute the file does not name.
 */
export function questionDataAttributes(definition: QuestionsDefinition | undefined): DataAttributeSpec[] {
  const specs = new Map<string, DataAttributeSpec>();
  for (const form of Object.values(definition?.forms ?? {})) {
    for (const question of form.questions) {
      if (specs.has(question.attribute)) continue;
      const label = questionLabel(question, definition!.defaultLocale, definition!.defaultLocale);
      specs.set(question.attribute, { name: question.attribute, data_type: intercomDataType(question), description: `LeadRelay question: ${label}`.slice(0, 255) });
    }
  }
  return [...specs.values()];
}

/** An attribute the questions file names that the workspace already holds with another data type. */
export interface DataAttributeClash {
  attribute: string;
  /** The type the file's answers need. */
  expected: string;
  /** The type the workspace has. */
  found: string;
}

/**
 * The workspace holds attributes of the questions file with another data type: answers could not be stored, so no
 * lead is sent (they wait in the queue) until the file or the workspace is fixed. The message names them.
 */
export class DataAttributeClashError extends Error {
  constructor(readonly clashes: DataAttributeClash[]) {
    super(
      `The Intercom workspace holds ${clashes.map((clash) => `"${clash.attribute}" as ${clash.found}`).join(', ')}, but the questions file stores ${clashes.length > 1 ? 'them as' : 'it as'} ${clashes.map((clash) => clash.expected).join(', ')}: rename the question's "attribute" in the file, or change the attribute in Intercom.`,
    );
    this.name = 'DataAttributeClashError';
  }
}

/**
 * Create the data attributes that do not exist yet (Intercom drops custom attributes it does not know): LeadRelay's
 * own and those of the questions file (`questions`). Answers the names it created. Safe to run on every start:
 * existing names are listed first and skipped. A question's attribute that exists with another data type is a
 * DataAttributeClashError, thrown after every other attribute was created.
 */
export async function ensureDataAttributes(client: IntercomClient, questions: readonly DataAttributeSpec[] = []): Promise<string[]> {
  const list = await client.request<DataAttributeList>('GET', '/data_attributes?model=contact', undefined, {
    retry: 'idempotent',
  });
  const existing = new Map((list?.data ?? []).map((attribute) => [attribute.name, attribute]));
  const created: string[] = [];
  const clashes: DataAttributeClash[] = [];
  for (const question of questions) {
    const found = existing.get(question.name);
    // Intercom reports a `datetime` attribute as `date`, which takes the same Unix seconds.
    if (found && found.data_type !== undefined && found.data_type !== question.data_type) {
      clashes.push({ attribute: question.name, expected: question.data_type, found: found.data_type });
    }
  }
  for (const attribute of [...DATA_ATTRIBUTES, ...questions]) {
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
  if (clashes.length) throw new DataAttributeClashError(clashes);
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
  /** The questions file's attributes the workspace holds with another data type, as the last attempt found them. */
  readonly clashes?: readonly DataAttributeClash[];
  /** Resolves once they exist; never rejects (an outage only delays it); stays pending if stopped before. */
  readonly ready: Promise<void>;
  /**
   * Resolves at once when done; otherwise makes (or joins) one attempt and rethrows its IntercomError, so a
   * delivery never creates a lead before its custom attributes exist (Intercom would drop them).
   */
  ensure(): Promise<void>;
  /**
   * Set-up is done, but a delivery found Intercom refusing an answer's type: run it again (not done until it passes),
   * so the clash is logged and named in /health/ready, and deliveries wait for the fix.
   */
  recheck?(): void;
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
  questions: readonly DataAttributeSpec[] = [],
): DataAttributeSetup {
  const firstMs = Math.max(1, retry.firstMs ?? 1_000);
  const backoff: RetryPolicy = { initialMs: firstMs, coefficient: 2, maxMs: Math.max(firstMs, retry.maxMs ?? 60_000) };
  let done = false;
  let stopped = false;
  let clashes: readonly DataAttributeClash[] | undefined;
  let attempt: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const tryOnce = (): Promise<void> => {
    attempt ??= ensureDataAttributes(client, questions)
      .then(
        (created) => {
          if (done) return;
          done = true;
          clashes = undefined;
          logger({ event: 'data_attributes_ready', created });
          markReady();
        },
        (error: unknown) => {
          if (error instanceof DataAttributeClashError) clashes = error.clashes;
          throw error;
        },
      )
      .finally(() => (attempt = undefined));
    return attempt;
  };

  const loop = async (failures: number): Promise<void> => {
    if (done || stopped) return;
    try {
      await tryOnce();
    } catch (error) {
      if (done || stopped) return;
      const waitMs = backoffDelay(backoff, failures);
      if (error instanceof DataAttributeClashError) {
        // Names and types only: which attribute, what the file needs, what the workspace has.
        logger({ event: 'data_attribute_clash', clashes: error.clashes, attempts: failures + 1, nextInMs: waitMs, message: error.message });
        timer = setTimeout(() => void loop(failures + 1), waitMs);
        timer.unref?.();
        return;
      }
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
    get clashes() {
      return clashes;
    },
    ready,
    ensure: async () => {
      if (!done) await tryOnce();
    },
    recheck: () => {
      if (!done || stopped) return;
      done = false;
      void loop(0);
    },
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
