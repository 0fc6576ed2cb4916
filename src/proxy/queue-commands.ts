// `leadrelay-proxy queue …`: the operator's view of the delivery queue on SQLite or Redis: counts, retry, export.
import { LEADS_QUEUE } from './delivery/delivery-queue.js';
import type { QueueStore } from './store/index.js';
import { openStore, StoreConfigError } from './store/open-store.js';

export const QUEUE_USAGE = `Usage: leadrelay-proxy queue                 counts waiting, retrying and dead, and the age of the oldest
       leadrelay-proxy queue retry <id>      send one dead letter again (its submission id)
       leadrelay-proxy queue retry --dead    send every dead letter again
       leadrelay-proxy queue export          the dead letters as JSON lines on stdout

The store comes from LEADRELAY_STORE, LEADRELAY_DATA_DIR or REDIS_URL, as for the proxy itself; run the command
where the proxy runs (same folder or same Redis). A running proxy picks retried items up at its next poll.`;

export interface QueueCommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

type QueueAction = { kind: 'stats' } | { kind: 'retry'; id?: string } | { kind: 'export' } | { kind: 'help' };

function parseQueueArgs(args: string[]): QueueAction | string {
  const [action, ...rest] = args;
  if (action === undefined) return { kind: 'stats' };
  if (action === '--help' || action === '-h' || action === 'help') return { kind: 'help' };
  if (action === 'export' && rest.length === 0) return { kind: 'export' };
  if (action === 'retry' && rest.length === 1) {
    const target = rest[0]!;
    if (target === '--dead') return { kind: 'retry' };
    if (!target.startsWith('-')) return { kind: 'retry', id: target.toLowerCase() };
  }
  return `leadrelay-proxy queue: unknown arguments "${args.join(' ')}".\n${QUEUE_USAGE}`;
}

/** "3 h 12 min", "45 s": how long ago, for people. */
export function describeAge(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

async function stats(store: QueueStore, io: QueueCommandIo): Promise<number> {
  const { waiting, retrying, dead, oldestEnqueuedAt } = await store.queueStats(LEADS_QUEUE);
  const oldest = oldestEnqueuedAt === undefined ? '-' : `${describeAge(Date.now() - oldestEnqueuedAt)} ago (${new Date(oldestEnqueuedAt).toISOString()})`;
  io.out(`waiting   ${waiting}\nretrying  ${retrying}\ndead      ${dead}\noldest    ${oldest}\n`);
  return 0;
}

async function retry(store: QueueStore, io: QueueCommandIo, id: string | undefined): Promise<number> {
  const moved = await store.retryDead(LEADS_QUEUE, id);
  if (id !== undefined && moved === 0) {
    io.err(`leadrelay-proxy queue: no dead letter with id ${id} (see leadrelay-proxy queue export).\n`);
    return 1;
  }
  io.out(`${moved} dead letter${moved === 1 ? '' : 's'} back in the queue; a running proxy delivers ${moved === 1 ? 'it' : 'them'} next.\n`);
  return 0;
}

async function exportDead(store: QueueStore, io: QueueCommandIo): Promise<number> {
  for (const letter of await store.listDead(LEADS_QUEUE)) {
    let submission: unknown;
    try {
      submission = (JSON.parse(letter.payload) as { submission?: unknown }).submission;
    } catch {
      submission = undefined;
    }
    const line = {
      id: letter.id,
      reason: letter.reason,
      deadAt: new Date(letter.deadAt).toISOString(),
      enqueuedAt: new Date(letter.enqueuedAt).toISOString(),
      attempts: letter.attempts,
      submission,
    };
    io.out(`${JSON.stringify(line)}\n`);
  }
  return 0;
}

/** Run `leadrelay-proxy queue <args>`; answers the exit code. */
export async function runQueueCommand(
  args: string[],
  env: NodeJS.ProcessEnv,
  io: QueueCommandIo = { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) },
): Promise<number> {
  const action = parseQueueArgs(args);
  if (typeof action === 'string') {
    io.err(`${action}\n`);
    return 1;
  }
  if (action.kind === 'help') {
    io.out(`${QUEUE_USAGE}\n`);
    return 0;
  }
  let opened;
  try {
    opened = await openStore({
      url: env.LEADRELAY_STORE,
      dataDir: env.LEADRELAY_DATA_DIR,
      redisUrl: env.REDIS_URL,
      create: false,
      logger: (line) => io.err(`${JSON.stringify(line)}\n`),
    });
  } catch (error) {
    io.err(`leadrelay-proxy queue: ${error instanceof StoreConfigError ? error.message : 'could not open the store.'}\n`);
    return 1;
  }
  const { store, kind } = opened;
  try {
    if (kind === 'memory') {
      io.err('leadrelay-proxy queue: the memory store lives inside the proxy process; queue commands need SQLite or Redis.\n');
      return 1;
    }
    if (action.kind === 'stats') return await stats(store, io);
    if (action.kind === 'retry') return await retry(store, io, action.id);
    return await exportDead(store, io);
  } finally {
    await store.close();
  }
}
