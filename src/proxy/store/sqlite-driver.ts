// Opens a SQLite database file with whichever driver this runtime has: node:sqlite (Node 22.5+) or better-sqlite3 12.
//
// Both are loaded by dynamic import, so nothing here is resolved until a SQLite store is opened: a front-end app
// that installs leadrelay for the widget never needs either, and better-sqlite3 is an optional peer, not a dependency.
import { chmodSync, closeSync, openSync } from 'node:fs';

export type SqlValue = string | number | null;

export interface SqliteStatement {
  run(...params: SqlValue[]): { changes: number | bigint };
  get(...params: SqlValue[]): Record<string, unknown> | undefined;
  all(...params: SqlValue[]): Record<string, unknown>[];
}

export interface SqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  close(): void;
}

export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3';

export const SQLITE_DRIVER_MISSING =
  'The SQLite store needs node:sqlite (Node 22.5 or later) or better-sqlite3 12: install better-sqlite3@12, ' +
  'or run on Node 22+, or set LEADRELAY_STORE=redis://… (several instances) or LEADRELAY_STORE=memory: (tests, demo).';

/** Import a module by a name the type checker and bundlers do not follow (it may be missing on purpose). */
const load = (name: string): Promise<Record<string, unknown>> => import(name) as Promise<Record<string, unknown>>;

type DatabaseConstructor = new (path: string) => SqliteDatabase;

/**
 * node:sqlite, without the ExperimentalWarning Node 22 prints when it loads: every `leadrelay-proxy` command would
 * start with it on stderr. Only that warning is held back, and only while the module loads.
 */
async function nodeSqlite(): Promise<DatabaseConstructor | undefined> {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (!/SQLite/i.test(typeof warning === 'string' ? warning : warning.message)) (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    const module = await load('node:sqlite');
    return module.DatabaseSync as DatabaseConstructor | undefined;
  } catch {
    return undefined; // Node 20, or Node 22 before 22.13 without --experimental-sqlite
  } finally {
    process.emitWarning = emitWarning;
  }
}

async function betterSqlite3(): Promise<DatabaseConstructor | undefined> {
  try {
    const module = await load('better-sqlite3');
    return (module.default ?? module) as DatabaseConstructor;
  } catch {
    return undefined; // not installed, or its native build is missing
  }
}

/** The database and its side files: SQLite writes lead tokens and queued names, emails and messages into each. */
export const SQLITE_SIDE_FILES = ['', '-wal', '-shm', '-journal'] as const;

/**
 * Make the database file and any side file that exists readable by this account only (0600), whatever the umask.
 * The main file is created here first, with that mode, because SQLite gives a new -wal, -shm or -journal file the
 * main file's permissions: a 0600 database keeps every file it spawns 0600 too. Existing files written by an older
 * version (0644 under the usual umask) are narrowed on the next start.
 */
export function restrictSqliteFiles(path: string): void {
  closeSync(openSync(path, 'a', 0o600));
  for (const suffix of SQLITE_SIDE_FILES) {
    try {
      chmodSync(path + suffix, 0o600);
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT') throw error;
    }
  }
}

/** Open (creating if needed) the database at `path`; `prefer` picks a driver when both are there. */
export async function openSqliteDatabase(
  path: string,
  prefer?: SqliteDriverName,
): Promise<{ db: SqliteDatabase; driver: SqliteDriverName }> {
  const order: [SqliteDriverName, () => Promise<DatabaseConstructor | undefined>][] =
    prefer === 'better-sqlite3'
      ? [['better-sqlite3', betterSqlite3], ['node:sqlite', nodeSqlite]]
      : [['node:sqlite', nodeSqlite], ['better-sqlite3', betterSqlite3]];
  for (const [driver, find] of order) {
    const Database = await find();
    if (!Database) continue;
    restrictSqliteFiles(path);
    try {
      return { db: new Database(path), driver };
    } catch (error) {
      // better-sqlite3 loads its native build on first use: a package without one counts as missing.
      const message = error instanceof Error ? error.message : '';
      if (driver === 'better-sqlite3' && /bindings|\.node\b|NODE_MODULE_VERSION/.test(message)) continue;
      throw error;
    }
  }
  throw new Error(SQLITE_DRIVER_MISSING);
}
