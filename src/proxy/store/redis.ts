// The Redis Store: the same contract as the memory store, shared by every proxy instance that points at one Redis.
//
// Each state change is one Lua script on one hash, so two instances racing on a key see one winner. Lease times
// come from Redis's own clock (TIME), so instances on hosts with skewed clocks still agree on who holds a lease.
// Waiters are woken by a publish on one channel, with a slow poll behind it in case a message is missed.
import { Redis, type RedisOptions } from 'ioredis';
import type { ClaimRequest, ClaimResult, DeadLetter, IdempotencyRecord, QueueItem, QueueStats, Store, StoredAnswer } from './index.js';
import { QUEUE_KEY_COUNT, QUEUE_SCRIPTS, type QueueKeys, type QueueScripts } from './redis-queue.js';
import { CLAIM, HIT, READ, SAVE_PROGRESS, SETTLE } from './redis-record.js';
import { RECORD_TTL_MS } from './retention.js';
import { isSettled, SettleWaiters } from './settle-waiters.js';

export interface RedisStoreOptions {
  /** `redis://host:port/db` (REDIS_URL). Ignored when `client` is given. */
  url?: string;
  /** An ioredis client to use instead of connecting to `url` (then `close()` leaves it open). */
  client?: Redis;
  /** Prefix of every key and channel this store writes (default `leadrelay:`), so several apps can share a Redis. */
  prefix?: string;
  /** How long an idempotency record is kept after it was created (default RECORD_TTL_MS, 14 days). */
  recordTtlMs?: number;
  /** Upper bound between re-reads while waiting for a record to settle (default 250 ms). */
  pollMs?: number;
  /** Extra ioredis options (TLS, password…), used with `url`. */
  redisOptions?: RedisOptions;
  /** Connection errors (ioredis reconnects by itself); without it they are ignored rather than printed with the URL. */
  onError?: (error: Error) => void;
}


interface Scripts extends QueueScripts {
  leadrelayClaim(key: string, fingerprint: string, owner: string, leaseMs: number, ttlMs: number): Promise<[string, string[], string]>;
  leadrelaySaveProgress(key: string, owner: string, leaseMs: number, pending: string, ...steps: string[]): Promise<number>;
  leadrelaySettle(key: string, channel: string, owner: string, answer: string, name: string): Promise<number>;
  leadrelayRead(key: string): Promise<[string[], string]>;
  leadrelayHit(key: string, windowMs: number): Promise<[number, number]>;
}

type ScriptedRedis = Redis & Scripts;

function defineScripts(client: Redis): ScriptedRedis {
  const scripts: [keyof Scripts, number, string][] = [
    ['leadrelayClaim', 1, CLAIM],
    ['leadrelaySaveProgress', 1, SAVE_PROGRESS],
    ['leadrelaySettle', 2, SETTLE],
    ['leadrelayRead', 1, READ],
    ['leadrelayHit', 1, HIT],
  ];
  for (const [name, lua] of QUEUE_SCRIPTS) scripts.push([name, QUEUE_KEY_COUNT, lua]);
  for (const [name, numberOfKeys, lua] of scripts) {
    if (!(name in client)) client.defineCommand(name, { numberOfKeys, lua });
  }
  return client as ScriptedRedis;
}

/** A record from the hash's flat HGETALL list; undefined when the hash does not exist. */
function recordFrom(key: string, flat: string[]): IdempotencyRecord | undefined {
  if (flat.length === 0) return undefined;
  const record: IdempotencyRecord = { key, fingerprint: '', steps: {}, createdAt: 0 };
  for (let i = 0; i < flat.length; i += 2) {
    const field = flat[i]!;
    const value = flat[i + 1]!;
    if (field.startsWith('step:')) record.steps[field.slice(5)] = value;
    else if (field === 'fingerprint') record.fingerprint = value;
    else if (field === 'pendingStep') record.pendingStep = value;
    else if (field === 'answer') record.answer = JSON.parse(value) as StoredAnswer;
    else if (field === 'leaseOwner') record.leaseOwner = value;
    else if (field === 'leaseUntil') record.leaseUntil = Number(value);
    else if (field === 'createdAt') record.createdAt = Number(value);
  }
  return record;
}

/** QUIT a ready connection (pending replies arrive first); cut one that is still (re)connecting, or QUIT would wait. */
async function hangUp(client: Redis): Promise<void> {
  if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
  else client.disconnect();
}

export class RedisStore implements Store {
  /** Redis keeps the queue across proxy restarts (and across Redis restarts when it persists: see checkPersistence). */
  readonly durable = true;
  readonly #redis: ScriptedRedis;
  readonly #ownsClient: boolean;
  readonly #prefix: string;
  readonly #channel: string;
  readonly #ttl: number;
  readonly #pollMs: number;
  readonly #waiters = new SettleWaiters();
  #subscriber: Redis | undefined;
  #subscribed: Promise<void> | undefined;
  #closed = false;
  readonly #onError: (error: Error) => void;

  constructor(options: RedisStoreOptions) {
    if (!options.client && !options.url) throw new Error('RedisStore: pass `url` (REDIS_URL) or `client`.');
    const client = options.client ?? new Redis(options.url!, { ...options.redisOptions });
    this.#ownsClient = !options.client;
    this.#onError = options.onError ?? (() => undefined);
    if (this.#ownsClient) client.on('error', (error: Error) => this.#onError(error));
    this.#redis = defineScripts(client);
    this.#prefix = options.prefix ?? 'leadrelay:';
    this.#channel = `${this.#prefix}settled`;
    this.#ttl = options.recordTtlMs ?? RECORD_TTL_MS;
    this.#pollMs = options.pollMs ?? 250;
  }

  /**
   * A store whose connection is ready: use at start-up so a wrong REDIS_URL fails before listening (the first
   * connection error, or no answer within `timeoutMs`, rejects). Later outages are retried by ioredis.
   */
  static async connect(options: RedisStoreOptions, timeoutMs = 5_000): Promise<RedisStore> {
    const store = new RedisStore(options);
    const client = store.#redis;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error('RedisStore: no answer from Redis in time')), timeoutMs);
        const finish = (error?: Error) => {
          clearTimeout(timer);
          client.off('error', finish);
          if (error) reject(error);
          else resolve();
        };
        client.once('error', finish);
        client.ping().then(() => finish(), finish);
      });
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /**
   * Whether a Redis restart keeps the queue: `aof` (appendonly yes), `snapshots` (RDB only: loses what came after
   * the last one), `none`, or `unknown` when CONFIG is disabled (managed Redis often renames it).
   */
  async checkPersistence(): Promise<'aof' | 'snapshots' | 'none' | 'unknown'> {
    try {
      const [, appendonly] = (await this.#redis.config('GET', 'appendonly')) as string[];
      if (appendonly === undefined) return 'unknown';
      if (appendonly === 'yes') return 'aof';
      const [, save] = (await this.#redis.config('GET', 'save')) as string[];
      return save && save.trim() !== '' ? 'snapshots' : 'none';
    } catch {
      return 'unknown';
    }
  }

  async get(key: string): Promise<IdempotencyRecord | undefined> {
    const [flat] = await this.#redis.leadrelayRead(this.#recordKey(key));
    return recordFrom(key, flat);
  }

  async claim(key: string, request: ClaimRequest): Promise<ClaimResult> {
    const [outcome, flat] = await this.#redis.leadrelayClaim(
      this.#recordKey(key),
      request.fingerprint,
      request.owner,
      request.leaseMs,
      this.#ttl,
    );
    return { outcome: outcome as ClaimResult['outcome'], record: recordFrom(key, flat)! };
  }

  async saveProgress(
    key: string,
    owner: string,
    progress: { steps?: Record<string, string>; pendingStep?: string | null },
    leaseMs: number,
  ): Promise<boolean> {
    const pending = progress.pendingStep === null ? '\0' : (progress.pendingStep ?? '');
    const steps = Object.entries(progress.steps ?? {}).flat();
    return (await this.#redis.leadrelaySaveProgress(this.#recordKey(key), owner, leaseMs, pending, ...steps)) === 1;
  }

  async complete(key: string, owner: string, answer: StoredAnswer): Promise<boolean> {
    return (await this.#redis.leadrelaySettle(this.#recordKey(key), this.#channel, owner, JSON.stringify(answer), key)) === 1;
  }

  async release(key: string, owner: string): Promise<void> {
    await this.#redis.leadrelaySettle(this.#recordKey(key), this.#channel, owner, '', key);
  }

  async waitForSettled(key: string, timeoutMs: number): Promise<IdempotencyRecord | undefined> {
    const deadline = Date.now() + timeoutMs;
    await this.#subscribe();
    for (;;) {
      // Subscribed before reading, so a settle between this read and the wait below still wakes us.
      const [flat, now] = await this.#redis.leadrelayRead(this.#recordKey(key));
      const record = recordFrom(key, flat);
      const left = deadline - Date.now();
      if (isSettled(record, Number(now)) || left <= 0 || this.#closed) return record;
      const leaseLeft = (record!.leaseUntil ?? 0) - Number(now);
      await this.#waiters.wait(key, Math.max(1, Math.min(left, this.#pollMs, leaseLeft)));
    }
  }

  async hit(bucket: string, windowMs: number): Promise<{ count: number; resetAt: number }> {
    const [count, ttl] = await this.#redis.leadrelayHit(`${this.#prefix}hit:${bucket}`, windowMs);
    return { count: Number(count), resetAt: Date.now() + Number(ttl) };
  }

  async enqueue(queue: string, id: string, payload: string): Promise<boolean> {
    return (await this.#redis.leadrelayEnqueue(...this.#queueKeys(queue), id, payload)) === 1;
  }

  async leaseNext(queue: string, owner: string, leaseMs: number, limit = 1): Promise<QueueItem | undefined> {
    const found = await this.#redis.leadrelayLeaseNext(...this.#queueKeys(queue), owner, leaseMs, limit);
    if (!found) return undefined;
    const item = JSON.parse(found[1]) as Omit<QueueItem, 'id'>;
    return {
      id: found[0],
      payload: item.payload,
      enqueuedAt: Number(item.enqueuedAt),
      attempts: Number(item.attempts),
      notBefore: Number(item.notBefore),
    };
  }

  async ack(queue: string, id: string, owner: string): Promise<boolean> {
    return (await this.#redis.leadrelaySettleItem(...this.#queueKeys(queue), id, owner, '')) === 1;
  }

  async retryLater(queue: string, id: string, owner: string, notBefore: number): Promise<boolean> {
    return (await this.#redis.leadrelaySettleItem(...this.#queueKeys(queue), id, owner, String(Math.round(notBefore)))) === 1;
  }

  async extendLease(queue: string, id: string, owner: string, leaseMs: number): Promise<boolean> {
    return (await this.#redis.leadrelayExtendLease(...this.#queueKeys(queue), id, owner, leaseMs)) === 1;
  }

  async queueStats(queue: string): Promise<QueueStats> {
    const [waiting, retrying, dead, oldest] = await this.#redis.leadrelayQueueStats(...this.#queueKeys(queue));
    const stats: QueueStats = { waiting: Number(waiting), retrying: Number(retrying), dead: Number(dead) };
    if (Number(oldest) >= 0) stats.oldestEnqueuedAt = Number(oldest);
    return stats;
  }

  async deadLetter(queue: string, id: string, owner: string, reason: string): Promise<boolean> {
    return (await this.#redis.leadrelayDeadLetter(...this.#queueKeys(queue), id, owner, reason)) === 1;
  }

  async listDead(queue: string): Promise<DeadLetter[]> {
    const flat = await this.#redis.leadrelayListDead(...this.#queueKeys(queue));
    const letters: DeadLetter[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const item = JSON.parse(flat[i + 1]!) as Omit<DeadLetter, 'id'>;
      letters.push({
        id: flat[i]!,
        payload: item.payload,
        enqueuedAt: Number(item.enqueuedAt),
        attempts: Number(item.attempts),
        notBefore: Number(item.notBefore),
        reason: String(item.reason),
        deadAt: Number(item.deadAt),
      });
    }
    return letters;
  }

  async retryDead(queue: string, id?: string): Promise<number> {
    return Number(await this.#redis.leadrelayRetryDead(...this.#queueKeys(queue), id ?? ''));
  }

  #queueKeys(queue: string): QueueKeys {
    const base = `${this.#prefix}queue:${queue}`;
    return [`${base}:order`, `${base}:items`, `${base}:leases`, `${base}:seq`, `${base}:dead`, `${base}:deadorder`];
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#waiters.wakeAll();
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    if (subscriber) await hangUp(subscriber);
    if (this.#ownsClient) await hangUp(this.#redis);
  }

  #recordKey(key: string): string {
    return `${this.#prefix}idem:${key}`;
  }

  /** One subscriber connection per store, opened on the first wait; messages name the record that settled. */
  #subscribe(): Promise<void> {
    if (this.#subscribed) return this.#subscribed;
    const subscriber = this.#redis.duplicate();
    this.#subscriber = subscriber;
    subscriber.on('error', (error: Error) => this.#onError(error));
    subscriber.on('message', (_channel: string, key: string) => this.#waiters.wake(key));
    this.#subscribed = subscriber.subscribe(this.#channel).then(
      () => undefined,
      // Without pub/sub the waits still end: each one is bounded by pollMs and re-reads the record.
      () => undefined,
    );
    return this.#subscribed;
  }
}
