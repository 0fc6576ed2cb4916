// The proxy's options (the DESIGN.md configuration table in camelCase), and resolveOptions: the one place they are
// checked, defaulted and normalised, into the parts each layer receives.
import type { Context } from 'hono';
import { LIMITS } from '../protocol/wire.js';
import { ConfigError } from './errors.js';
import type { DataAttributeSetup, SetupRetry } from './intercom/data-attributes.js';
import type { AuthenticateHook, IdentityOptions } from './guards/identity.js';
import type { HttpTransport, IntercomClient, IntercomClientOptions, IntercomRegion } from './intercom/intercom-client.js';
import type { ProxyMetrics } from './metrics.js';
import type { CaptchaVerifier } from './guards/spam.js';
import type { TurnstileVerifier, TurnstileVerifierOptions } from './guards/turnstile.js';
import { MemoryStore, type Store } from './store/index.js';
import { loadQuestions, type ProxyQuestions } from './guards/questions.js';
import type { QuestionsDefinition } from '../protocol/questions.js';
import { SECRET_COMMAND, secretWeakness } from './secret-strength.js';
import { normaliseOrigin, parseAllowedOrigins, type OriginPolicy } from './guards/origin.js';
import { clientAddress } from './guards/client-address.js';
import { redactingLogger, type ProxyLogger } from './logging.js';

/** How long a queued submission is retried while Intercom fails before it becomes a dead letter (7 days). */
export const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** How long a lead token stays valid (90 days: long enough to sign in after filling the form). */
const LEAD_TOKEN_TTL_SECONDS = 90 * 24 * 3600;

/**
 * The options of createProxy, in groups (docs/reference.md lists each with its environment variable; the old flat
 * names are in docs/reference.md, "Migrating from flat options"). Only `secret` and `intercom.accessToken` are required.
 */
export interface ProxyOptions {
  /**
   * LEADRELAY_SECRET: signs lead tokens (and keys the submission references stored in Intercom). At least 32
   * characters and 128 bits by the estimate in secret-strength.ts: `openssl rand -hex 32`.
   */
  secret: string;
  /**
   * LEADRELAY_PREVIOUS_SECRETS (comma-separated): secrets `secret` replaced. Lead tokens they signed still verify
   * and lookups by submission reference still find leads they keyed; nothing new is signed with them. Drop one
   * once the tokens it signed have expired (`limits.leadTokenTtlSeconds`). Never list a secret that leaked or was weak.
   */
  previousSecrets?: string[];
  /** Intercom: the token, where the workspace lives, and how calls are made. */
  intercom: IntercomOptions;
  /** Sign-in (POST /convert): how a signed-in user is verified. */
  identity?: IdentityOptionsGroup;
  /** Which pages may send (browser `Origin`s). */
  origins?: OriginOptions;
  /** How a client is told apart (its address) and how many requests it may send. */
  clients?: ClientOptions;
  /** What a request may carry, and how long a lead token lives. */
  limits?: {
    /**
     * Largest accepted body in bytes (default 48 KB: more than a submission of every built-in field at its limit, page
     * context included, can weigh; larger is 413 body_too_large). POST /leads also takes what the questions file's
     * largest form can add with every answer at its limit. A form posted without JavaScript is held to that by what its
     * fields decode to (its percent-encoded body may be three times as long).
     */
    maxBodyBytes?: number;
    /** Minimum time a person takes to fill the form (default 1.5 s; faster is 422 spam_suspected). */
    minFillMs?: number;
    /** Lifetime of lead tokens in seconds (default 90 days). */
    leadTokenTtlSeconds?: number;
  };
  /** Called with the body's `captchaToken`; false refuses the submission (422 captcha_failed). Not with `turnstile`. */
  verifyCaptcha?: CaptchaVerifier;
  /**
   * Cloudflare Turnstile, checked by the proxy (instead of `verifyCaptcha`, never with it): the body's `captchaToken`
   * goes to siteverify with the client's address; it passes only when solved on the host of an allowed origin (or of
   * `origins.publicUrl`), for `action` when set, and once. No answer within `timeoutMs` (default 5 s) refuses: 422 captcha_failed.
   */
  turnstile?: {
    /** LEADRELAY_TURNSTILE_SECRET: the widget's secret key. Never logged, never answered. */
    secret: string;
    /** LEADRELAY_TURNSTILE_VERIFY_URL: Cloudflare's siteverify by default; the emulator's in tests. */
    verifyUrl?: string;
    timeoutMs?: number;
    /** The widget's `action` a token must carry (unset: any). */
    action?: string;
  };
  /**
   * LEADRELAY_QUESTIONS: the site's own questions, a questions file's JSON (`{questions: […]}` or `{forms: {…}}`) or
   * what parseQuestionsFile made of it. Served at GET /questions, every answer checked against it, each stored on the
   * lead as a typed custom attribute. A file that cannot work stops the proxy at start with a sentence naming the question.
   */
  questions?: QuestionsDefinition | Record<string, unknown>;
  /**
   * Where idempotency records, counters and the delivery queue live. Default: a MemoryStore (one process, forgotten
   * on restart, so it never answers 202: 503 with Retry-After instead). For durability pass a SqliteStore
   * (`leadrelay/proxy/sqlite`) or a RedisStore; the `leadrelay-proxy` CLI uses SQLite by default.
   */
  store?: Store;
  /** Receives one object per request (method, route, status, durationMs, intercomRequestId) and start-up events. */
  logger?: (line: Record<string, unknown>) => void;
  /** LEADRELAY_BASE_PATH: the path prefix the routes live under, e.g. `/api/leadrelay` (default ''). */
  basePath?: string;
  /** GET /metrics (Prometheus text). */
  metrics?: {
    /**
     * LEADRELAY_METRICS_TOKEN: serve `GET /metrics` to requests with `Authorization: Bearer <token>`. Unset
     * (default): no metrics route (404).
     */
    token?: string;
  };
  /** Exactly-once delivery of a submission: how long each step may wait. */
  delivery?: DeliveryOptions;
  /** The delivery queue: submissions Intercom could not take yet. */
  queue?: QueueOptions;
  /**
   * @internal For LeadRelay's own tests and benchmarks; not part of the API (it may change in any release).
   */
  testing?: TestingOptions;
}

export interface IntercomOptions {
  /** INTERCOM_ACCESS_TOKEN. Never logged, never answered. */
  accessToken: string;
  /** INTERCOM_REGION: us (default), eu, au. */
  region?: IntercomRegion;
  /** INTERCOM_BASE_URL: overrides `region` (the emulator's URL in tests). */
  baseUrl?: string;
  /** INTERCOM_VERSION (default 2.14). */
  version?: string;
  /** Per attempt (default 10 s). */
  timeoutMs?: number;
  /** Retries after the first attempt, where a call may be retried (default 2). */
  maxRetries?: number;
  /** First backoff delay for 5xx and network errors, doubled each time (default 200 ms). */
  retryBaseMs?: number;
  /** Longest single wait, also for X-RateLimit-Reset (default 5 s); a longer wait gives up instead. */
  maxRetryDelayMs?: number;
  /** A fetch implementation for the default transport. */
  fetch?: typeof fetch;
  /** How requests go over the wire; default: `fetch` (the Node adapter passes a keep-alive node:http transport). */
  transport?: HttpTransport;
  /**
   * Waits between attempts to create the contact data attributes while Intercom is unreachable: the first, doubled
   * up to the longest (default 1 s, 60 s; LEADRELAY_SETUP_RETRY_MAX_MS sets the longest).
   */
  setupRetry?: { firstMs?: number; maxMs?: number };
}

export interface IdentityOptionsGroup {
  /** LEADRELAY_IDENTITY_SECRET: verifies user hashes on /convert, and JWTs through a key derived from it. */
  secret?: string;
  /** LEADRELAY_JWT_SECRET: the HS256 key of identity JWTs, instead of the one derived from `secret`. */
  jwtSecret?: string;
  /** LEADRELAY_JWT_AUDIENCE: the `aud` identity JWTs must name (default `leadrelay:convert`). */
  jwtAudience?: string;
  /** LEADRELAY_JWT_ISSUER: the `iss` identity JWTs must name (default `leadrelay:site`). */
  jwtIssuer?: string;
  /** LEADRELAY_JWT_MAX_AGE_SECONDS: how long after its `iat` an identity JWT is accepted, whatever its `exp` (default 600). */
  jwtMaxAgeSeconds?: number;
  /** For /convert when the proxy is mounted in the customer's backend: the signed-in user of the request. */
  authenticate?: AuthenticateHook;
}

export interface OriginOptions {
  /**
   * LEADRELAY_ALLOWED_ORIGINS. A request with an `Origin` header is served only when the origin is listed, `'*'` is
   * listed, or it is the proxy's own origin: `publicUrl`'s, or, without it, the address the request was sent to when
   * that is an IP address or localhost (never a domain name from the Host header: DNS rebinding). Requests without an
   * `Origin` header (servers, curl) are not browser cross-origin calls and are let through.
   */
  allowed?: string[];
  /**
   * LEADRELAY_PUBLIC_URL: the URL browsers reach the proxy at (e.g. `https://www.example.com/api/leadrelay`). Its
   * origin is the proxy's own origin for the same-origin check, whatever Host or X-Forwarded-* headers say.
   */
  publicUrl?: string;
}

export interface ClientOptions {
  /** LEADRELAY_RATE_LIMIT: requests per minute per client IP and route (default 20; 0 turns it off). */
  rateLimit?: number;
  /** LEADRELAY_IPV6_PREFIX: IPv6 clients are rate-limited per network of this prefix length (default 64, 1-128). */
  ipv6Prefix?: number;
  /** LEADRELAY_TRUST_PROXY: read the client IP from X-Forwarded-For (and the request's scheme and host from X-Forwarded-Proto/-Host). */
  trustProxy?: boolean;
  /**
   * The client's IP for rate limiting, or undefined when unknown; default: what the runtime passed as `env`
   * (client-address.ts), or X-Forwarded-For with `trustProxy`.
   */
  clientIp?: (request: Request, env: unknown) => string | undefined;
}

export interface DeliveryOptions {
  /**
   * LEADRELAY_RECOVERY_LAG_MS: how long after an ambiguous POST /contacts or /conversations (5xx, timeout, dropped
   * connection) a search may still miss what it created: Intercom's search index lag plus how long Intercom may keep
   * working on a request the proxy gave up on. Only a search issued this long after the attempt that still finds
   * nothing allows creating again (default 300 000 ms: Intercom documents "a few minutes" of lag; too short risks a
   * duplicate lead, too long only delays a lead that was truly not created, which waits in the queue meanwhile).
   */
  recoveryLagMs?: number;
  /**
   * LEADRELAY_RECOVERY_WAIT_MS: how long POST /leads keeps trying inline (recovery searches, retries after a
   * transient failure, short rate-limit waits) before it queues the rest and answers 202 (default 1.5 s: a visitor
   * watching "Sending…" is better served by a prompt "received" than by a longer wait for the lead's id).
   */
  recoveryWaitMs?: number;
  /** LEADRELAY_RATE_WAIT_MS: the longest POST /leads waits inline for Intercom's rate window to reset (default 1 s). */
  rateWaitMs?: number;
  /**
   * LEADRELAY_LEASE_MS: how long a claim on a submission (or a queue item) holds without a heartbeat; the holder
   * renews it every third of that, so this is how soon a crashed instance's work is taken over (default 15 s).
   */
  leaseMs?: number;
  /** How long a duplicate request waits for the first one's answer (default 25 s). */
  idempotencyWaitMs?: number;
  /** How long /messages and /convert wait for a queued lead to be delivered before answering 503 lead_pending (default 10 s). */
  pendingLeadWaitMs?: number;
}

export interface QueueOptions {
  /** LEADRELAY_QUEUE_CONCURRENCY: queued submissions in delivery at once, across all instances sharing the store (default 8). */
  concurrency?: number;
  /**
   * LEADRELAY_RETENTION_MS: how long a queued submission is retried while Intercom fails (default 7 days); then it
   * moves to the dead letters (`leadrelay-proxy queue`). Nothing is deleted.
   */
  retentionMs?: number;
  /**
   * Backoff between queued deliveries after a transient failure: the first wait, doubled up to the longest (default
   * 1 s, 5 min; LEADRELAY_QUEUE_RETRY_MAX_MS sets the longest).
   */
  retry?: { firstMs?: number; maxMs?: number };
}

/** @internal Knobs LeadRelay's own tests and benchmarks turn; not part of the API. */
export interface TestingOptions {
  /** How often the drain loop looks for queued work when idle (default 250 ms); 0: no drain loop in this instance. */
  queuePollMs?: number;
  /** false: no data attribute set-up at start (default true); `ready` then resolves at once. */
  setupDataAttributes?: boolean;
}

/**
 * The options as the proxy uses them, resolved once by resolveOptions: every default filled in, the base path
 * normalised, the allowed origins parsed, the questions read. Each part goes to the code that needs it.
 */
export interface ResolvedOptions {
  /** Signs lead tokens, keys submission references. */
  readonly secret: string;
  /** Secrets `secret` replaced: still accepted for verification, never used to sign. */
  readonly previousSecrets: readonly string[];
  /** '' or `/prefix`, without a trailing slash. */
  readonly basePath: string;
  /** The caller's logger (or none), with every secret redacted. */
  readonly logger: ProxyLogger;
  /** Where the store came from: one the proxy made itself is closed by close(). */
  readonly store: Store;
  readonly ownsStore: boolean;
  /** The Intercom client's options (token, host, version, call tuning, transport). */
  readonly intercom: IntercomClientOptions;
  /** The data attributes' set-up: whether it runs, and its backoff while Intercom is unreachable. */
  readonly setup: { readonly enabled: boolean; readonly retry: SetupRetry };
  /** /convert's identity checks. */
  readonly identity: IdentityOptions;
  /** Who may send: the allowed origins (parsed), `publicUrl`, and whether X-Forwarded-Proto/-Host count. */
  readonly origins: OriginPolicy;
  /** How a client is told apart and limited. */
  readonly clients: ClientPolicy;
  readonly limits: { readonly maxBodyBytes: number; readonly minFillMs: number; readonly leadTokenTtlSeconds: number };
  /** `verifyCaptcha`, when set. */
  readonly verifyCaptcha?: CaptchaVerifier;
  /** The Turnstile check's settings, when `turnstile` is set (hosts from the allowed origins and `publicUrl`). */
  readonly turnstile?: TurnstileVerifierOptions;
  /** The questions, read and hashed once. */
  readonly questions?: ProxyQuestions;
  readonly delivery: {
    readonly recoveryLagMs: number;
    readonly recoveryWaitMs: number;
    readonly rateWaitMs: number;
    readonly idempotencyWaitMs: number;
    readonly pendingLeadWaitMs: number;
    readonly leaseMs: number;
  };
  readonly queue: {
    readonly concurrency: number;
    /** 0: no drain loop in this instance. */
    readonly pollMs: number;
    readonly retentionMs: number;
    readonly retry: { readonly firstMs: number; readonly maxMs: number };
  };
  readonly metrics: { readonly token?: string };
}

/** How a client is told apart (its address, IPv6 by network) and how many requests it may send. */
export interface ClientPolicy {
  /** Requests per minute per client and route; 0: no limit. */
  readonly rateLimit: number;
  readonly ipv6Prefix: number;
  readonly trustProxy: boolean;
  /** The client's address (the `clientIp` hook, or what the runtime and, with `trustProxy`, X-Forwarded-For say). */
  readonly address: (request: Request, env: unknown) => string | undefined;
}

/** Everything a route handler needs, built once by createProxy before the routes. */
export interface ProxyDeps {
  readonly options: ResolvedOptions;
  readonly intercom: IntercomClient;
  readonly store: Store;
  /** The `questions` option, read and hashed once. */
  readonly questions?: ProxyQuestions;
  /** The Turnstile check of POST /leads, when `turnstile` is set. */
  readonly turnstile?: TurnstileVerifier;
  /** The data attributes' background set-up, once started (undefined when off); a delivery awaits `ensure()` first. */
  readonly setup?: DataAttributeSetup;
  /** Counters for GET /metrics, once loaded (only with a metrics token). */
  readonly metrics?: ProxyMetrics;
  /** Called after a submission was queued, so the drain loop looks now. */
  readonly onQueued: () => void;
}

/** What a request collects for its log line: Intercom request ids, and flags such as `leadTokenIgnored`. */
export interface RequestTrace {
  intercomRequestIds: string[];
  leadTokenIgnored?: boolean;
  /** POST /leads: page-context fields dropped as unusable (names only). */
  contextDropped?: string[];
  /** POST /leads: why the Turnstile check refused the submission (turnstile.ts's reason, never the token). */
  captchaFailed?: string;
}

/** Per-request values set by the app's middleware. */
export interface ProxyEnv {
  Bindings: Record<string, unknown>;
  Variables: {
    trace: RequestTrace;
  };
}

export type RouteHandler = (c: Context<ProxyEnv>) => Promise<Response>;

/** `api/leadrelay/` → `/api/leadrelay`; blank → ''. */
function normaliseBasePath(basePath: string | undefined): string {
  const trimmed = (basePath ?? '').trim().replace(/\/+$/, '');
  if (trimmed === '') return '';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/**
 * The one place options are checked, defaulted and normalised. Refuses unusable options at construction time with
 * a ConfigError that names the option (and its environment variable) and the fix, never its value.
 */
export function resolveOptions(options: ProxyOptions): ResolvedOptions {
  const { intercom = {} as Partial<IntercomOptions>, identity = {}, origins: originOptions = {}, clients = {}, limits = {}, delivery = {}, queue = {}, testing = {} } = options;
  if (!intercom.accessToken) {
    throw new ConfigError('`intercom.accessToken` (INTERCOM_ACCESS_TOKEN)', 'is missing', 'Set it to an access token of your Intercom app (Developer Hub → your app → Authentication).');
  }
  checkSecrets({
    secret: options.secret,
    previousSecrets: options.previousSecrets,
    identitySecret: identity.secret,
    jwtSecret: identity.jwtSecret,
    turnstileSecret: options.turnstile?.secret?.trim(),
    metricsToken: options.metrics?.token,
  });
  if (intercom.region && !['us', 'eu', 'au'].includes(intercom.region)) {
    throw new ConfigError('`intercom.region` (INTERCOM_REGION)', 'is not a region Intercom hosts workspaces in', 'Set it to us, eu or au (or leave it unset for us).');
  }
  const jwtMaxAge = identity.jwtMaxAgeSeconds;
  if (jwtMaxAge !== undefined && !(Number.isInteger(jwtMaxAge) && jwtMaxAge >= 1)) {
    throw new ConfigError('`identity.jwtMaxAgeSeconds` (LEADRELAY_JWT_MAX_AGE_SECONDS)', 'must be a whole number of seconds, 1 or more', 'Leave it unset for 600 (10 minutes).');
  }
  const rateLimit = clients.rateLimit ?? 20;
  if (!Number.isFinite(rateLimit) || rateLimit < 0) {
    throw new ConfigError('`clients.rateLimit` (LEADRELAY_RATE_LIMIT)', 'must be 0 or more', 'Set it to requests per minute per client and route (0 turns the limit off).');
  }
  const ipv6Prefix = clients.ipv6Prefix ?? 64;
  if (!(Number.isInteger(ipv6Prefix) && ipv6Prefix >= 1 && ipv6Prefix <= 128)) {
    throw new ConfigError('`clients.ipv6Prefix` (LEADRELAY_IPV6_PREFIX)', 'must be a whole number from 1 to 128', 'Leave it unset for 64 (one household or site per /64).');
  }
  const publicUrl = originOptions.publicUrl?.trim();
  if (publicUrl !== undefined && !/^https?:\/\/[^/]/.test(publicUrl)) {
    throw new ConfigError('`origins.publicUrl` (LEADRELAY_PUBLIC_URL)', 'must be an http:// or https:// URL', 'Set it to the address browsers reach the proxy at, e.g. https://www.example.com/api/leadrelay.');
  }
  const trustProxy = Boolean(clients.trustProxy);
  const origins: OriginPolicy = { ...parseAllowedOrigins(originOptions.allowed ?? []), ...(publicUrl ? { publicUrl } : {}), trustProxy };
  const clientIp = clients.clientIp;
  const { setupRetry, ...client } = intercom;
  return {
    secret: options.secret,
    previousSecrets: options.previousSecrets ?? [],
    basePath: normaliseBasePath(options.basePath),
    logger: redactingLogger(options.logger, [
      intercom.accessToken,
      options.secret,
      ...(options.previousSecrets ?? []),
      identity.secret,
      identity.jwtSecret,
      options.turnstile?.secret,
      options.metrics?.token,
    ]),
    store: options.store ?? new MemoryStore(),
    ownsStore: !options.store,
    intercom: { ...client, accessToken: intercom.accessToken },
    setup: { enabled: testing.setupDataAttributes !== false, retry: { firstMs: setupRetry?.firstMs ?? 1_000, maxMs: setupRetry?.maxMs ?? 60_000 } },
    identity: {
      authenticate: identity.authenticate,
      identitySecret: identity.secret,
      jwtSecret: identity.jwtSecret,
      jwtAudience: identity.jwtAudience,
      jwtIssuer: identity.jwtIssuer,
      jwtMaxAgeSeconds: jwtMaxAge,
    },
    origins,
    clients: {
      rateLimit,
      ipv6Prefix,
      trustProxy,
      address: clientIp ? (request, env) => clientIp(request, env) : (request, env) => clientAddress(request, env, trustProxy),
    },
    limits: {
      maxBodyBytes: limits.maxBodyBytes ?? LIMITS.bodyBytes,
      minFillMs: limits.minFillMs ?? LIMITS.minFillMs,
      leadTokenTtlSeconds: limits.leadTokenTtlSeconds ?? LEAD_TOKEN_TTL_SECONDS,
    },
    ...(options.verifyCaptcha ? { verifyCaptcha: options.verifyCaptcha } : {}),
    ...(options.turnstile ? { turnstile: turnstileSettings(options.turnstile, options.verifyCaptcha, origins) } : {}),
    ...(options.questions === undefined ? {} : { questions: loadQuestions(options.questions) }),
    delivery: {
      recoveryLagMs: delivery.recoveryLagMs ?? 300_000,
      recoveryWaitMs: delivery.recoveryWaitMs ?? 1_500,
      rateWaitMs: delivery.rateWaitMs ?? 1_000,
      idempotencyWaitMs: delivery.idempotencyWaitMs ?? 25_000,
      pendingLeadWaitMs: delivery.pendingLeadWaitMs ?? 10_000,
      leaseMs: Math.max(100, delivery.leaseMs ?? 15_000),
    },
    queue: {
      concurrency: Math.max(1, Math.floor(queue.concurrency ?? 8)),
      pollMs: testing.queuePollMs ?? 250,
      retentionMs: queue.retentionMs ?? DEFAULT_RETENTION_MS,
      retry: { firstMs: queue.retry?.firstMs ?? 1_000, maxMs: queue.retry?.maxMs ?? 5 * 60_000 },
    },
    metrics: options.metrics?.token ? { token: options.metrics.token } : {},
  };
}

/**
 * The Turnstile check's settings, or a ConfigError. A token must have been solved on one of the site's own hosts:
 * those of the allowed origins (`'*'` names none) and of `publicUrl`. With neither there is no host a token could
 * pass for, so every lead would be refused: that is said at start instead.
 */
function turnstileSettings(settings: NonNullable<ProxyOptions['turnstile']>, verifyCaptcha: CaptchaVerifier | undefined, origins: OriginPolicy): TurnstileVerifierOptions {
  if (verifyCaptcha) {
    throw new ConfigError('`turnstile` (LEADRELAY_TURNSTILE_SECRET) and `verifyCaptcha`', 'are both set, but a form has one captcha', 'Keep one: remove the `verifyCaptcha` hook to use the built-in Turnstile check, or unset `turnstile` to keep your hook.');
  }
  if (typeof settings.secret !== 'string' || settings.secret.trim() === '') {
    throw new ConfigError('`turnstile.secret` (LEADRELAY_TURNSTILE_SECRET)', 'is missing', 'Set it to the secret key of your Turnstile widget (Cloudflare dashboard → Turnstile → your widget → Settings).');
  }
  if (settings.verifyUrl !== undefined && !/^https?:\/\/[^/]/.test(settings.verifyUrl.trim())) {
    throw new ConfigError('`turnstile.verifyUrl` (LEADRELAY_TURNSTILE_VERIFY_URL)', 'must be an http:// or https:// URL', "Leave it unset for Cloudflare's siteverify.");
  }
  const timeoutMs = settings.timeoutMs ?? 5000;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new ConfigError('`turnstile.timeoutMs`', 'must be a number of milliseconds above 0', 'Leave it unset for 5000.');
  }
  const hostnames = new Set<string>();
  for (const origin of [...origins.allowed.filter((entry) => entry !== '*' && normaliseOrigin(entry) === entry), ...(origins.publicUrl ? [origins.publicUrl] : [])]) {
    hostnames.add(new URL(origin).hostname);
  }
  if (hostnames.size === 0) {
    throw new ConfigError('`turnstile` (LEADRELAY_TURNSTILE_SECRET)', 'needs the host names tokens may be solved on, and `origins.allowed` and `origins.publicUrl` name none', 'List the origins of the pages with the form in `origins.allowed` (LEADRELAY_ALLOWED_ORIGINS), or set `origins.publicUrl` (LEADRELAY_PUBLIC_URL).');
  }
  return {
    secret: settings.secret.trim(),
    verifyUrl: settings.verifyUrl?.trim(),
    timeoutMs,
    allowedHostnames: [...hostnames],
    action: settings.action,
  };
}

/**
 * The secrets must each be strong (secret-strength.ts) and all different: one secret for two jobs lets one job's
 * output pass for the other's (a user hash as a lead-token signature). The Turnstile secret (sent to siteverify with
 * every lead) and the metrics token (sent by every scraper) must be none of them either: whoever sees those would
 * hold a signing key. Throws a ConfigError naming the settings, never a value.
 */
export function checkSecrets(options: {
  secret: string;
  previousSecrets?: readonly string[];
  identitySecret?: string;
  jwtSecret?: string;
  turnstileSecret?: string;
  metricsToken?: string;
}): void {
  const fix = `Make one with \`${SECRET_COMMAND}\` and keep it where it survives restarts (a .env file or your secret store).`;
  if (!options.secret) throw new ConfigError('`secret` (LEADRELAY_SECRET)', 'is missing: it signs lead tokens', fix);
  const named: [string, string | undefined][] = [
    ['`secret` (LEADRELAY_SECRET)', options.secret],
    ...(options.previousSecrets ?? []).map((previous, i): [string, string] => [`\`previousSecrets\` (LEADRELAY_PREVIOUS_SECRETS, entry ${i + 1})`, previous]),
    ['`identity.secret` (LEADRELAY_IDENTITY_SECRET)', options.identitySecret],
    ['`identity.jwtSecret` (LEADRELAY_JWT_SECRET)', options.jwtSecret],
  ];
  for (const [setting, value] of named) {
    // An empty identity or JWT secret is unset (an empty environment variable), as everywhere else.
    const weakness = value === undefined || (value === '' && setting !== named[0]![0]) ? undefined : secretWeakness(value);
    if (weakness) {
      const extra = setting.startsWith('`previousSecrets`') ? ' A weak previous secret forges tokens as well as the current one would: drop it (its lead tokens stop working, which is the point).' : '';
      throw new ConfigError(setting, weakness, fix + extra);
    }
  }
  const seen = new Map<string, string>();
  for (const [setting, value] of named) {
    if (value === undefined || value === '') continue;
    const first = seen.get(value);
    if (first) {
      throw new ConfigError(
        `${first} and ${setting}`,
        'hold the same value, but `secret`, `identity.secret` and `identity.jwtSecret` must be three different values (and no previous secret may be one of them)',
        `Give each its own: \`${SECRET_COMMAND}\` once per secret.`,
      );
    }
    seen.set(value, setting);
  }
  // Values that leave the proxy: compared with the secrets only (they are not ours to make strong).
  const sent: [string, string | undefined, string][] = [
    ['`turnstile.secret` (LEADRELAY_TURNSTILE_SECRET)', options.turnstileSecret, 'goes to Cloudflare\'s siteverify with every lead'],
    ['`metrics.token` (LEADRELAY_METRICS_TOKEN)', options.metricsToken, 'is sent by every scraper of /metrics'],
  ];
  for (const [setting, value, where] of sent) {
    const first = value ? seen.get(value) : undefined;
    if (first) {
      throw new ConfigError(
        `${first} and ${setting}`,
        `hold the same value, but the second ${where}, so whoever sees it would hold the first`,
        setting.startsWith('`turnstile') ? `Set ${first.split(' ')[0]} to a value of its own (\`${SECRET_COMMAND}\`); the Turnstile secret is the one Cloudflare gave you.` : `Give the metrics token a value of its own (\`${SECRET_COMMAND}\`).`,
      );
    }
  }
}
