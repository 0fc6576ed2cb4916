// Picks and opens the proxy's store from configuration: SQLite on local disk by default, Redis, or memory.
//
// LEADRELAY_STORE = `sqlite:./path.db` | `redis://…` (`rediss://…`) | `memory:`; without it, REDIS_URL means Redis,
// else SQLite in LEADRELAY_DATA_DIR (default ./leadrelay-data) as `leadrelay.db`. Drivers are imported on demand,
// so a SQLite set-up never loads ioredis and a Redis set-up never needs a SQLite driver.
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Store } from './index.js';
import { MemoryStore } from './memory.js';

export const DEFAULT_DATA_DIR = './leadrelay-data';
export const DATABASE_FILE = 'leadrelay.db';

export type StoreKind = 'sqlite' | 'redis' | 'memory';

export interface StoreConfig {
  /** LEADRELAY_STORE: `sqlite:<path>`, `redis://…`, `rediss://…` or `memory:`. */
  url?: string;
  /** LEADRELAY_DATA_DIR: the SQLite file's folder when `url` is not given (default ./leadrelay-data). */
  dataDir?: string;
  /** REDIS_URL: Redis when `url` is not given. */
  redisUrl?: string;
  /** Idempotency record lifetime for every store kind (default RECORD_TTL_MS). */
  recordTtlMs?: number;
  /** Create the SQLite folder and file when missing (default true; the queue commands only open an existing one). */
  create?: boolean;
  /** Start-up notes and warnings (the Redis persistence check, connection errors). */
  logger?: (line: Record<string, unknown>) => void;
}

export interface OpenedStore {
  store: Store;
  kind: StoreKind;
  /** Where it lives, safe to print: the SQLite file's path, or `redis` (a Redis URL may carry a password). */
  location: string;
}

/** A configuration problem with the store, as one sentence that names the variable (never a URL's password). */
export class StoreConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreConfigError';
  }
}

/** Which store a configuration means, without opening it. */
export function storeTarget(config: StoreConfig): { kind: 'sqlite'; path: string } | { kind: 'redis'; url: string } | { kind: 'memory' } {
  const url = config.url?.trim();
  if (url) {
    if (url === 'memory:' || url === 'memory') return { kind: 'memory' };
    if (/^rediss?:\/\//.test(url)) return { kind: 'redis', url };
    if (url.startsWith('sqlite:')) {
      const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
      if (!path) throw new StoreConfigError('LEADRELAY_STORE=sqlite: needs a file path, e.g. sqlite:./leadrelay-data/leadrelay.db.');
      return { kind: 'sqlite', path: resolve(path) };
    }
    throw new StoreConfigError('LEADRELAY_STORE must be sqlite:<path>, redis://… (or rediss://…), or memory:.');
  }
  const redisUrl = config.redisUrl?.trim();
  if (redisUrl) {
    if (!/^rediss?:\/\//.test(redisUrl)) throw new StoreConfigError('REDIS_URL must start with redis:// or rediss://.');
    return { kind: 'redis', url: redisUrl };
  }
  return { kind: 'sqlite', path: resolve(join(config.dataDir?.trim() || DEFAULT_DATA_DIR, DATABASE_FILE)) };
}

/** Open the configured store; SQLite creates its folder and file. Throws StoreConfigError with the fix. */
export async function openStore(config: StoreConfig = {}): Promise<OpenedStore> {
  const target = storeTarget(config);
  const log = config.logger ?? (() => undefined);
  if (target.kind === 'memory') {
    return { store: new MemoryStore({ recordTtlMs: config.recordTtlMs }), kind: 'memory', location: 'memory' };
  }
  if (target.kind === 'sqlite') {
    const { SqliteStore } = await import('./sqlite.js');
    if (config.create === false && !existsSync(target.path)) {
      throw new StoreConfigError(`No LeadRelay store at ${target.path}: run this where the proxy runs, or set LEADRELAY_DATA_DIR or LEADRELAY_STORE.`);
    }
    const folder = dirname(target.path);
    try {
      // 0700 whatever the umask: the folder holds lead tokens and queued names, emails and messages. mkdir's mode is
      // narrowed by the umask, so the data folder is set explicitly, and an existing one (an older version made it
      // 0755) is narrowed too. A folder named only through LEADRELAY_STORE=sqlite:<path> may be shared (the working
      // folder), so it is narrowed only when created here; the files inside are 0600 either way.
      const created = mkdirSync(folder, { recursive: true, mode: 0o700 });
      if (created !== undefined || !config.url?.trim()) chmodSync(folder, 0o700);
    } catch (error) {
      throw new StoreConfigError(`Cannot create the data folder ${folder} (${(error as { code?: string }).code ?? 'error'}); set LEADRELAY_DATA_DIR to a writable folder.`);
    }
    try {
      const store = await SqliteStore.open({ path: target.path, recordTtlMs: config.recordTtlMs });
      return { store, kind: 'sqlite', location: target.path };
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('The SQLite store needs')) throw new StoreConfigError(error.message);
      throw new StoreConfigError(`Cannot open the SQLite store at ${target.path} (${(error as { code?: string }).code ?? (error as Error).name}).`);
    }
  }
  const { RedisStore } = await import('./redis.js');
  const onError = (error: Error) => log({ event: 'redis_error', code: (error as { code?: unknown }).code ?? error.name });
  const store = await RedisStore.connect({ url: target.url, onError, recordTtlMs: config.recordTtlMs }).catch(() => {
    // The URL is not printed: it may carry a password.
    throw new StoreConfigError('Could not reach Redis at the configured URL (LEADRELAY_STORE or REDIS_URL).');
  });
  const persistence = await store.checkPersistence();
  if (persistence === 'none') {
    log({
      event: 'redis_not_persistent',
      warning: 'Redis has appendonly off and no RDB snapshots: a Redis restart loses queued submissions. Set appendonly yes.',
    });
  } else if (persistence === 'snapshots') {
    log({
      event: 'redis_not_persistent',
      warning: 'Redis has appendonly off: a Redis restart loses what was queued since its last snapshot. Set appendonly yes.',
    });
  } else if (persistence === 'unknown') {
    log({ event: 'redis_persistence_unknown', note: 'CONFIG GET is disabled: make sure Redis runs with appendonly yes, or a restart loses the queue.' });
  }
  return { store, kind: 'redis', location: 'redis' };
}
