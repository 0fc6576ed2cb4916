// The `leadrelay-proxy` command: configuration from the environment (DESIGN.md), `--emulate`, and `setup`.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.js';
import { DataAttributeClashError, ensureDataAttributes, questionDataAttributes } from './intercom/data-attributes.js';
import { loadQuestions } from './guards/questions.js';
import { IntercomClient, IntercomError, INTERCOM_REGIONS, type IntercomRegion } from './intercom/intercom-client.js';
import { redactingLogger, stdoutLogger } from './logging.js';
import { serve, type ServeOptions } from './node.js';
import { runQueueCommand } from './queue-commands.js';
import { checkSecrets } from './options.js';
import { SECRET_COMMAND } from './secret-strength.js';
import { openStore, StoreConfigError } from './store/open-store.js';

const USAGE = `Usage: leadrelay-proxy [--emulate [--emulator-port N]] [--port N]
       leadrelay-proxy setup      create the Intercom data attributes LeadRelay writes, then exit
       leadrelay-proxy queue [retry <id>|retry --dead|export]   the delivery queue and its dead letters

--emulate starts an in-memory Intercom emulator in the same process, on --emulator-port N (default: a free port;
its address is printed in the start-up lines, emulator_started and listening). To use an emulator started on its own
(\`leadrelay-emulator --port 8790\`), run without --emulate and set INTERCOM_BASE_URL=http://127.0.0.1:8790 and
INTERCOM_ACCESS_TOKEN to any non-empty token: the emulator accepts every one unless it was started with --token T
(then only T).

Environment: INTERCOM_ACCESS_TOKEN (required; with --emulate leave it unset), INTERCOM_REGION (us|eu|au) or INTERCOM_BASE_URL,
INTERCOM_VERSION (2.14), LEADRELAY_SECRET (required unless --emulate; make it once with \`openssl rand -hex 32\`),
LEADRELAY_PREVIOUS_SECRETS (comma-separated: secrets LEADRELAY_SECRET replaced, still accepted for verification),
LEADRELAY_IDENTITY_SECRET, LEADRELAY_JWT_SECRET (each at least 32 random characters), LEADRELAY_JWT_AUDIENCE (leadrelay:convert), LEADRELAY_JWT_ISSUER (leadrelay:site),
LEADRELAY_JWT_MAX_AGE_SECONDS (how long after its iat an identity JWT is accepted, 600),
LEADRELAY_ALLOWED_ORIGINS (comma-separated), LEADRELAY_RATE_LIMIT (per minute per IP, 20; 0 = off),
LEADRELAY_PUBLIC_URL (the https:// address browsers reach the proxy at), LEADRELAY_IPV6_PREFIX (rate-limit IPv6
per network of this prefix, 64), LEADRELAY_TRUST_PROXY, LEADRELAY_BASE_PATH, PORT (8787), HOST (127.0.0.1).
LEADRELAY_TURNSTILE_SECRET (verify each lead's Cloudflare Turnstile token; 422 captcha_failed when it does not pass),
LEADRELAY_TURNSTILE_VERIFY_URL (siteverify's address, default Cloudflare's).

Store (accepted submissions wait here while Intercom is down; default: SQLite in ./leadrelay-data/leadrelay.db):
  LEADRELAY_STORE              sqlite:<file> | redis://… (several instances) | memory: (tests; never answers 202)
  LEADRELAY_DATA_DIR           the SQLite file's folder (./leadrelay-data); REDIS_URL alone also means Redis
  LEADRELAY_RETENTION_MS       how long a queued submission is retried before it becomes a dead letter (7 days)
  LEADRELAY_QUEUE_RETRY_MAX_MS the longest wait between retries of a queued submission (300000)

Delivery tuning (whole milliseconds unless said otherwise):
  LEADRELAY_RECOVERY_LAG_MS    how long Intercom's search may miss a contact or conversation after an ambiguous
                               failure; a lead is created again only after a search this late finds nothing
                               (300000: Intercom's index can lag minutes; set it a safe margin above the real lag)
  LEADRELAY_RECOVERY_WAIT_MS   how long POST /leads keeps trying inline before it queues the rest (202) (1500)
  LEADRELAY_RATE_WAIT_MS       the longest POST /leads waits for Intercom's rate window to reset (1000)
  LEADRELAY_QUEUE_CONCURRENCY  queued submissions delivered at once, across all instances on one REDIS_URL (8)
  LEADRELAY_LEASE_MS           how soon work held by a crashed instance is taken over (15000; renewed while alive)

Operations:
  LEADRELAY_QUESTIONS          the site's own questions: the path of the questions file (JSON), or the JSON itself
                               when it starts with {; served at GET /questions, answers stored as typed attributes
  LEADRELAY_METRICS_TOKEN      serve GET /metrics (Prometheus) to requests with "Authorization: Bearer <token>"
  LEADRELAY_SETUP_RETRY_MAX_MS the longest wait between attempts to create the data attributes while Intercom is
                               unreachable at start (60000); the proxy answers and queues submissions meanwhile
  LEADRELAY_REQUEST_TIMEOUT_MS how long a client has to send a whole request, body included (30000; then 408)
  LEADRELAY_MAX_CONNECTIONS_PER_CLIENT  open connections per client address (128; 0 = no cap; off by default
                               with LEADRELAY_TRUST_PROXY)
  LEADRELAY_SHUTDOWN_TIMEOUT_MS on SIGTERM no queued submission is started; requests in flight and deliveries
                               whose contact exists may finish for this long (10000); the rest of the queue stays in
                               the store for the next instance`;

interface CliArgs {
  command: 'serve' | 'setup' | 'help';
  emulate: boolean;
  port?: number;
  emulatorPort?: number;
}

function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { command: 'serve', emulate: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === 'setup') args.command = 'setup';
    else if (arg === '--help' || arg === '-h') args.command = 'help';
    else if (arg === '--emulate') args.emulate = true;
    else if (arg === '--port') args.port = Number(argv[++i]);
    else if (arg === '--emulator-port') args.emulatorPort = Number(argv[++i]);
    else throw new ConfigError(`the argument "${arg}"`, 'is not one leadrelay-proxy knows', `Use one of these:\n${USAGE}`);
  }
  if (args.port !== undefined && !(Number.isInteger(args.port) && args.port >= 0 && args.port < 65536)) {
    throw new ConfigError('--port', 'needs a port number', 'Give one between 0 and 65535 (0: any free port).');
  }
  if (args.emulatorPort !== undefined) {
    if (!(Number.isInteger(args.emulatorPort) && args.emulatorPort >= 0 && args.emulatorPort < 65536)) {
      throw new ConfigError('--emulator-port', 'needs a port number', 'Give one between 0 and 65535 (0: any free port).');
    }
    if (!args.emulate) throw new ConfigError('--emulator-port', 'only applies with --emulate', 'Add --emulate, or point INTERCOM_BASE_URL at an emulator you started yourself.');
  }
  return args;
}

function flag(value: string | undefined): boolean {
  return value !== undefined && !['', '0', 'false', 'no', 'off'].includes(value.trim().toLowerCase());
}

/** ServeOptions from the environment; throws ConfigError naming what is missing or wrong (never a value). */
export function optionsFromEnv(
  env: NodeJS.ProcessEnv,
  emulate: boolean,
): ServeOptions & { generatedSecret: boolean; redisUrl?: string } {
  if (emulate && env.INTERCOM_ACCESS_TOKEN && !isEmulatorToken(env.INTERCOM_ACCESS_TOKEN)) {
    // The emulator keeps every visitor's data in memory and its hooks show it to any local process: never with a real token.
    throw new ConfigError(
      'INTERCOM_ACCESS_TOKEN',
      'is set to what looks like a real token, but --emulate runs against an in-memory Intercom emulator',
      'Unset INTERCOM_ACCESS_TOKEN (or set it to "emulator") to try the emulator, or drop --emulate to talk to Intercom.',
    );
  }
  const missing: string[] = [];
  if (!env.INTERCOM_ACCESS_TOKEN && !emulate) missing.push('INTERCOM_ACCESS_TOKEN (your Intercom access token)');
  if (!env.LEADRELAY_SECRET && !emulate) missing.push('LEADRELAY_SECRET (a long random string that signs lead tokens)');
  if (missing.length) {
    throw new ConfigError(
      missing.join(' and '),
      `${missing.length > 1 ? 'are' : 'is'} missing`,
      `Set ${missing.length > 1 ? 'them' : 'it'} in the environment${env.LEADRELAY_SECRET ? '' : ` (the secret once, from \`${SECRET_COMMAND}\`, kept in a .env file so it survives restarts)`}, or run with --emulate for local use.`,
    );
  }
  // Secrets are checked here too (createProxy checks them again), so a weak one is refused before anything starts.
  const previousSecrets = (env.LEADRELAY_PREVIOUS_SECRETS ?? '').split(',').map((secret) => secret.trim()).filter(Boolean);
  const secret = env.LEADRELAY_SECRET || randomBytes(32).toString('base64url');
  checkSecrets({
    secret,
    previousSecrets,
    identitySecret: env.LEADRELAY_IDENTITY_SECRET || undefined,
    jwtSecret: env.LEADRELAY_JWT_SECRET || undefined,
    turnstileSecret: env.LEADRELAY_TURNSTILE_SECRET?.trim() || undefined,
    metricsToken: env.LEADRELAY_METRICS_TOKEN || undefined,
  });
  const region = env.INTERCOM_REGION?.trim().toLowerCase();
  if (region && !(region in INTERCOM_REGIONS)) throw new ConfigError('INTERCOM_REGION', 'is not a region Intercom hosts workspaces in', 'Set it to us, eu or au (or leave it unset for us).');
  const rateLimit = env.LEADRELAY_RATE_LIMIT === undefined ? undefined : Number(env.LEADRELAY_RATE_LIMIT);
  if (rateLimit !== undefined && !(Number.isInteger(rateLimit) && rateLimit >= 0)) {
    throw new ConfigError('LEADRELAY_RATE_LIMIT', 'must be a whole number', 'Set it to requests per minute per client and route (0 turns the limit off).');
  }
  const port = env.PORT === undefined ? undefined : Number(env.PORT);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
    throw new ConfigError('PORT', 'must be a port number', 'Give one between 0 and 65535 (default 8787).');
  }
  const recoveryLagMs = wholeNumber(env, 'LEADRELAY_RECOVERY_LAG_MS', 0);
  const recoveryWaitMs = wholeNumber(env, 'LEADRELAY_RECOVERY_WAIT_MS', 0);
  const rateWaitMs = wholeNumber(env, 'LEADRELAY_RATE_WAIT_MS', 0);
  const leaseMs = wholeNumber(env, 'LEADRELAY_LEASE_MS', 100);
  const concurrency = wholeNumber(env, 'LEADRELAY_QUEUE_CONCURRENCY', 1);
  const retentionMs = wholeNumber(env, 'LEADRELAY_RETENTION_MS', 1000);
  const requestTimeoutMs = wholeNumber(env, 'LEADRELAY_REQUEST_TIMEOUT_MS', 1);
  const maxConnectionsPerClient = wholeNumber(env, 'LEADRELAY_MAX_CONNECTIONS_PER_CLIENT', 0);
  const shutdownTimeoutMs = wholeNumber(env, 'LEADRELAY_SHUTDOWN_TIMEOUT_MS', 0);
  const setupRetryMaxMs = wholeNumber(env, 'LEADRELAY_SETUP_RETRY_MAX_MS', 1);
  const jwtMaxAgeSeconds = wholeNumber(env, 'LEADRELAY_JWT_MAX_AGE_SECONDS', 1);
  const ipv6Prefix = wholeNumber(env, 'LEADRELAY_IPV6_PREFIX', 1);
  if (ipv6Prefix !== undefined && ipv6Prefix > 128) {
    throw new ConfigError('LEADRELAY_IPV6_PREFIX', 'must be from 1 to 128', 'Leave it unset for 64 (one household or site per /64).');
  }
  const publicUrl = env.LEADRELAY_PUBLIC_URL?.trim() || undefined;
  if (publicUrl && !/^https?:\/\/[^/]/.test(publicUrl)) {
    throw new ConfigError('LEADRELAY_PUBLIC_URL', 'must be an http:// or https:// URL', 'Set it to the address browsers reach the proxy at, e.g. https://www.example.com/api/leadrelay.');
  }
  const retryMaxMs = wholeNumber(env, 'LEADRELAY_QUEUE_RETRY_MAX_MS', 10);
  const questions = questionsFromEnv(env.LEADRELAY_QUESTIONS);
  const redisUrl = env.REDIS_URL?.trim() || undefined;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError('REDIS_URL', 'must start with redis:// or rediss://', 'Set it to your Redis server, e.g. redis://127.0.0.1:6379.');
  }
  return withoutEmptyGroups({
    secret,
    generatedSecret: !env.LEADRELAY_SECRET,
    ...(previousSecrets.length ? { previousSecrets } : {}),
    redisUrl,
    intercom: defined({
      accessToken: (emulate ? undefined : env.INTERCOM_ACCESS_TOKEN) || 'emulator-token',
      region: region as IntercomRegion | undefined,
      baseUrl: env.INTERCOM_BASE_URL || undefined,
      version: env.INTERCOM_VERSION || undefined,
      setupRetry: setupRetryMaxMs === undefined ? undefined : { firstMs: Math.min(1_000, setupRetryMaxMs), maxMs: setupRetryMaxMs },
    }),
    identity: defined({
      secret: env.LEADRELAY_IDENTITY_SECRET || undefined,
      jwtSecret: env.LEADRELAY_JWT_SECRET || undefined,
      jwtAudience: env.LEADRELAY_JWT_AUDIENCE || undefined,
      jwtIssuer: env.LEADRELAY_JWT_ISSUER || undefined,
      jwtMaxAgeSeconds,
    }),
    origins: defined({
      allowed: (env.LEADRELAY_ALLOWED_ORIGINS ?? '').split(',').map((origin) => origin.trim()).filter(Boolean),
      publicUrl,
    }),
    clients: defined({ rateLimit, trustProxy: flag(env.LEADRELAY_TRUST_PROXY), ipv6Prefix }),
    basePath: env.LEADRELAY_BASE_PATH || undefined,
    ...(env.LEADRELAY_METRICS_TOKEN ? { metrics: { token: env.LEADRELAY_METRICS_TOKEN } } : {}),
    // A verify URL without a secret is passed on as an empty secret, so createProxy refuses it by name.
    ...(env.LEADRELAY_TURNSTILE_SECRET?.trim() || env.LEADRELAY_TURNSTILE_VERIFY_URL?.trim()
      ? { turnstile: { secret: env.LEADRELAY_TURNSTILE_SECRET?.trim() ?? '', ...(env.LEADRELAY_TURNSTILE_VERIFY_URL?.trim() ? { verifyUrl: env.LEADRELAY_TURNSTILE_VERIFY_URL.trim() } : {}) } }
      : {}),
    ...(questions === undefined ? {} : { questions }),
    delivery: defined({ recoveryLagMs, recoveryWaitMs, rateWaitMs, leaseMs }),
    queue: defined({
      concurrency,
      retentionMs,
      retry: retryMaxMs === undefined ? undefined : { firstMs: Math.min(1_000, retryMaxMs), maxMs: retryMaxMs },
    }),
    port: port ?? 8787,
    host: env.HOST || '127.0.0.1',
    ...defined({ requestTimeoutMs, maxConnectionsPerClient, shutdownTimeoutMs }),
  });
}

/** The options without a group no variable set (`identity: {}`): an unset group is left out, as its variables are. */
function withoutEmptyGroups<T extends object>(options: T): T {
  return Object.fromEntries(
    Object.entries(options).filter(([, value]) => !(value && typeof value === 'object' && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype && Object.keys(value).length === 0)),
  ) as T;
}

/** The object without its undefined members (an unset variable leaves the option to its default). */
function defined<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

/**
 * LEADRELAY_QUESTIONS: the path of the questions file, or (where there is no file system to put one, as on Workers)
 * the JSON itself when it starts with `{`. Read and checked here, so a file that cannot work stops the command with
 * a sentence naming the question before anything starts.
 */
function questionsFromEnv(value: string | undefined): Record<string, unknown> | undefined {
  const setting = value?.trim();
  if (!setting) return undefined;
  let text = setting;
  if (!setting.startsWith('{')) {
    try {
      text = readFileSync(setting, 'utf8');
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new ConfigError('LEADRELAY_QUESTIONS', `names a file that could not be read (${typeof code === 'string' ? code : 'error'})`, 'Set it to the path of your questions file (JSON), or to the JSON itself.');
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // Only the position: the parser's own message quotes the text, which could be any file's (a .env by mistake).
    const position = error instanceof Error ? / position (\d+)/.exec(error.message)?.[1] : undefined;
    throw new ConfigError('LEADRELAY_QUESTIONS', `is not valid JSON${position ? ` (at character ${position})` : ''}`, 'Check the questions file with a JSON linter: {"questions": [ … ]}.');
  }
  loadQuestions(json);
  return json as Record<string, unknown>;
}

/** A token that is obviously meant for the emulator: `emulator`, or `emulator-…` / `emulator_…` (e.g. `emulator-token`). */
function isEmulatorToken(token: string): boolean {
  return /^emulator(?:[-_][\w-]*)?$/i.test(token.trim());
}

/** An optional whole-number variable of at least `min`; throws ConfigError naming it (never its value). */
function wholeNumber(env: NodeJS.ProcessEnv, name: string, min: number): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!(Number.isInteger(value) && value >= min)) throw new ConfigError(name, `must be a whole number of at least ${min}`, 'Set it to such a number, or leave it unset for the default.');
  return value;
}

async function run(args: CliArgs, env: NodeJS.ProcessEnv): Promise<void> {
  const { generatedSecret, redisUrl, ...options } = optionsFromEnv(env, args.emulate);
  // Durable by default (SQLite); --emulate alone keeps to memory, like the emulator it talks to.
  const storeUrl = env.LEADRELAY_STORE?.trim() || (args.emulate && !redisUrl && !env.LEADRELAY_DATA_DIR ? 'memory:' : undefined);
  if (args.port !== undefined) options.port = args.port;
  const log = redactingLogger(stdoutLogger, [options.intercom.accessToken, options.secret, ...(options.previousSecrets ?? []), options.identity?.secret, options.identity?.jwtSecret, options.metrics?.token]);
  let closeEmulator = async () => undefined as void;
  if (args.emulate) {
    const { startEmulator } = await import('../emulator/index.js');
    const emulator = await startEmulator({ port: args.emulatorPort ?? 0 });
    options.intercom.baseUrl = emulator.url;
    closeEmulator = () => emulator.close();
    log({ event: 'emulator_started', url: emulator.url });
    if (generatedSecret) log({ event: 'secret_generated', note: 'LEADRELAY_SECRET was not set: lead tokens are signed with a random secret and stop working on restart.' });
  }

  if (args.command === 'setup') {
    const client = new IntercomClient(options.intercom);
    const created = await ensureDataAttributes(client, questionDataAttributes(options.questions ? loadQuestions(options.questions).definition : undefined));
    log({ event: 'data_attributes_ready', created });
    await closeEmulator();
    return;
  }

  // Idempotency records, rate-limit counters and the delivery queue: SQLite (default), Redis (shared), or memory.
  const opened = await openStore({ url: storeUrl, dataDir: env.LEADRELAY_DATA_DIR, redisUrl, logger: log }).catch((error: unknown) => {
    if (error instanceof StoreConfigError) throw error;
    throw new ConfigError('The store (LEADRELAY_STORE, LEADRELAY_DATA_DIR or REDIS_URL)', 'could not be opened', 'Check that its folder is writable, or that Redis is reachable.');
  });
  const store = opened.store;
  const served = await serve({ ...options, store, logger: log });
  log({ event: 'listening', url: served.url, store: opened.kind, ...(opened.kind === 'sqlite' ? { path: opened.location } : {}), ...(args.emulate ? { emulator: options.intercom.baseUrl } : {}) });
  // Graceful: no new requests, the ones in flight finish (LEADRELAY_SHUTDOWN_TIMEOUT_MS), the queue stays as it is.
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log({ event: 'shutting_down', signal });
    await served.close();
    await store.close();
    await closeEmulator();
    log({ event: 'stopped' });
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** Entry point of bin/leadrelay-proxy.js. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    if (argv[0] === 'queue') {
      process.exitCode = await runQueueCommand(argv.slice(1), env);
      return;
    }
    const args = parseArgs(argv);
    if (args.command === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return;
    }
    await run(args, env);
  } catch (error) {
    // Only our own sentences reach the terminal: an unexpected error's text could carry configuration. A
    // ConfigError (thrown by createProxy as well as here) names the setting and the fix, never the value.
    const code = (error as { code?: unknown }).code;
    const message =
      // A clash names attributes and data types only: `setup` says which, and what to change.
      error instanceof ConfigError || error instanceof StoreConfigError || error instanceof DataAttributeClashError
        ? `leadrelay-proxy: ${error.message}`
        : error instanceof IntercomError || (error instanceof Error && error.message.startsWith('LeadRelay'))
          ? error.message
          : `leadrelay-proxy: could not start (${typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown error'}).`;
    process.stderr.write(`${message}\n`);
    process.exit(1);
  }
}
