// The emulator's in-memory workspace: contacts, conversations, visitors, data attributes, companies, the request log,
// faults and config, and the Turnstile companion's tokens.
import { randomBytes, randomUUID } from 'node:crypto';

/** The API behaviour a request asked for with `Intercom-Version`. Older numbered versions behave as 2.14, newer and Preview as 2.16. */
export type ApiVersion = '2.14' | '2.16';

export interface ContactRecord {
  id: string;
  role: 'user' | 'lead';
  external_id: string | null;
  email: string | null;
  phone: string | null;
  name: string | null;
  /** Only users keep an avatar; a lead's is accepted and dropped, as Intercom does. */
  avatar: string | null;
  owner_id: string | null;
  unsubscribed_from_emails: boolean;
  email_verified: boolean | null;
  signed_up_at: number | null;
  last_seen_at: number | null;
  last_replied_at: number | null;
  custom_attributes: Record<string, unknown>;
  created_at: number;
  updated_at: number;
  /** Insertion order: stable ordering for search pagination. */
  seq: number;
  /** Epoch ms from which search can see this contact (search index lag). */
  searchableAt: number;
  /** Set when this lead was merged into a user: the id it now answers for. */
  mergedInto?: string;
  /** Ids of the companies this contact is attached to, in attach order (companies.ts). */
  companyIds?: string[];
}

export interface CompanyRecord {
  id: string;
  /** The company's own id, set by the API caller at creation and never changed. */
  company_id: string;
  name: string | null;
  plan: string | null;
  size: number | null;
  website: string | null;
  industry: string | null;
  monthly_spend: number;
  remote_created_at: number;
  last_request_at: number | null;
  custom_attributes: Record<string, unknown>;
  created_at: number;
  updated_at: number;
}

/** A Turnstile token the emulator issued (turnstile.ts): what siteverify answers for it, and whether it was spent. */
export interface TurnstileTokenRecord {
  secret: string;
  hostname: string;
  action: string;
  cdata: string;
  /** Epoch ms when it was issued: siteverify refuses it 300 s later. */
  issuedAt: number;
  /** Set on the first siteverify: the idempotency key it came with, and that answer (repeated for the same key). */
  spent?: { idempotencyKey?: string; answer: Record<string, unknown> };
}

export interface TurnstileState {
  tokens: Map<string, TurnstileTokenRecord>;
  /** Secrets siteverify knows besides Cloudflare's test secrets: every secret a token was issued for. */
  secrets: Set<string>;
  /** Every siteverify call, the secret left out. */
  verifications: Array<{ at: string; token: string | null; remoteip: string | null; idempotency_key: string | null; answer: Record<string, unknown> }>;
  /** Outages to simulate, first match first (POST /_emulator/turnstile/faults on the companion). */
  faults: Array<{ status?: number; delayMs: number; times?: number; fired: number; drop: boolean }>;
}

export function emptyTurnstileState(): TurnstileState {
  return { tokens: new Map(), secrets: new Set(), verifications: [], faults: [] };
}

export interface PartRecord {
  id: string;
  part_type: 'comment' | 'note';
  body: string;
  created_at: number;
  author: { type: 'user' | 'lead' | 'admin'; id: string };
}

export interface ConversationRecord {
  id: string;
  created_at: number;
  updated_at: number;
  contactIds: string[];
  source: { messageId: string; body: string; subject: string; authorId: string; authorType: 'user' | 'lead' };
  parts: PartRecord[];
  /** Epoch ms from which POST /conversations/search can see it (the same index lag as contacts). */
  searchableAt?: number;
}

export interface VisitorRecord {
  id: string;
  user_id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  custom_attributes: Record<string, unknown>;
  created_at: number;
  updated_at: number;
}

export interface DataAttributeRecord {
  id: number;
  name: string;
  model: 'contact' | 'company';
  data_type: 'string' | 'integer' | 'float' | 'boolean' | 'date' | 'datetime' | 'options';
  options: string[];
  messenger_writable: boolean;
  created_at: number;
  updated_at: number;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
  /** `null` when the connection was dropped without an answer. */
  status: number | null;
  at: string;
}

export interface FaultRule {
  id: number;
  route: string;
  status?: number;
  rate: number;
  times?: number;
  afterCommit: boolean;
  drop: boolean;
  delayMs: number;
  /** How many times this fault has fired. */
  fired: number;
}

export interface EmulatorConfig {
  rateLimit: { limit: number; windowSeconds: number };
  searchLagMs: number;
}

export const DEFAULT_CONFIG: EmulatorConfig = { rateLimit: { limit: 10_000, windowSeconds: 60 }, searchLagMs: 0 };

/** How many API requests the log keeps by default; older ones are dropped so a long-running emulator stays bounded. */
export const DEFAULT_REQUEST_LOG_LIMIT = 10_000;

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Everything one emulator instance remembers; `reset()` forgets it all. */
export class EmulatorState {
  contacts = new Map<string, ContactRecord>();
  conversations = new Map<string, ConversationRecord>();
  visitors = new Map<string, VisitorRecord>();
  dataAttributes = new Map<string, DataAttributeRecord>();
  /** By Intercom id. */
  companies = new Map<string, CompanyRecord>();
  turnstile: TurnstileState = emptyTurnstileState();
  requests: RequestLogEntry[] = [];
  /** Requests dropped from the front of the log since the last reset (the log keeps the newest `requestLogLimit`). */
  requestsDropped = 0;
  faults: FaultRule[] = [];
  config: EmulatorConfig = structuredClone(DEFAULT_CONFIG);
  rateWindow = { sliceStart: 0, used: 0 };
  private seq = 0;
  private conversationSeq = 0;
  private messageSeq = 0;
  private partSeq = 0;
  private attributeSeq = 0;
  private faultSeq = 0;

  /** The most requests the log keeps; `POST /_emulator/config` may change it, a reset restores the start value. */
  requestLogLimit: number;

  constructor(private readonly startRequestLogLimit: number = DEFAULT_REQUEST_LOG_LIMIT) {
    this.requestLogLimit = startRequestLogLimit;
  }

  /** Append one API request to the log, dropping the oldest beyond `requestLogLimit`. */
  logRequest(entry: RequestLogEntry): void {
    this.requests.push(entry);
    this.trimRequestLog();
  }

  /** Drop the oldest requests beyond `requestLogLimit` (also after the limit was lowered). */
  trimRequestLog(): void {
    while (this.requests.length > this.requestLogLimit) {
      this.requests.shift();
      this.requestsDropped += 1;
    }
  }

  reset(): void {
    this.contacts.clear();
    this.conversations.clear();
    this.visitors.clear();
    this.dataAttributes.clear();
    this.companies.clear();
    this.turnstile = emptyTurnstileState();
    this.requests = [];
    this.requestsDropped = 0;
    this.requestLogLimit = this.startRequestLogLimit;
    this.faults = [];
    this.config = structuredClone(DEFAULT_CONFIG);
    this.rateWindow = { sliceStart: 0, used: 0 };
    this.seq = this.conversationSeq = this.messageSeq = this.partSeq = this.attributeSeq = this.faultSeq = 0;
  }

  nextSeq(): number {
    return ++this.seq;
  }

  /** 24-hex like Intercom's (Mongo ObjectId shaped: 4 bytes of time, 8 random). */
  newObjectId(): string {
    const time = Math.floor(Date.now() / 1000).toString(16).padStart(8, '0');
    return time + randomBytes(8).toString('hex');
  }

  newConversationId(): string {
    return String(++this.conversationSeq + 100);
  }

  newMessageId(): string {
    return String(++this.messageSeq + 403918300);
  }

  newPartId(): string {
    return String(++this.partSeq + 1000);
  }

  newAttributeId(): number {
    return ++this.attributeSeq + 1000;
  }

  newFaultId(): number {
    return ++this.faultSeq;
  }

  newVisitorUserId(): string {
    return randomUUID();
  }

  /** Live contact by id (not merged away). */
  liveContact(id: string): ContactRecord | undefined {
    const contact = this.contacts.get(id);
    return contact && !contact.mergedInto ? contact : undefined;
  }

  liveContacts(): ContactRecord[] {
    return [...this.contacts.values()].filter((contact) => !contact.mergedInto);
  }
}

/** Intercom's request ids are opaque 20-character strings, not UUIDs (see API-NOTES §8). */
export function newRequestId(): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuv';
  return [...randomBytes(20)].map((byte) => alphabet[byte % 32]).join('');
}
