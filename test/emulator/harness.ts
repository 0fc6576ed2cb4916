// Starts an emulator on a loopback port for a test file and gives terse callers for its API and hooks.
import { after, before, beforeEach } from 'node:test';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';

export interface ApiAnswer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  version?: '2.14' | '2.16';
  token?: string | null;
  headers?: Record<string, string>;
}

export interface TestEmulator {
  readonly url: string;
  /** Calls the emulated Intercom API with a bearer token (unless `token: null`). */
  api<T = any>(method: string, path: string, body?: unknown, options?: CallOptions): Promise<ApiAnswer<T>>;
  hook<T = any>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>>;
  /** Every answer `api()` received since the last reset, for schema checks. */
  readonly answers: Array<{ method: string; path: string; version: '2.14' | '2.16'; status: number; body: unknown }>;
}

/** Registers before/after hooks that start one emulator for the file and reset it before each test. */
export function useEmulator(startOptions: { token?: string } = {}): TestEmulator {
  let running: RunningEmulator | undefined;
  const answers: TestEmulator['answers'] = [];
  before(async () => {
    running = await startEmulator({ port: 0, ...startOptions });
  });
  after(async () => {
    await running?.close();
  });
  beforeEach(() => {
    running?.emulator.reset();
    answers.length = 0;
  });

  async function call(method: string, path: string, body: unknown, headers: Record<string, string>): Promise<ApiAnswer> {
    // One connection per call: a kept-alive socket left idle while a test works for seconds (compiling the spec's
    // schemas) can be closed by the server just as the next call reuses it, and that call fails with ECONNRESET.
    headers = { Connection: 'close', ...headers };
    const response = await fetch(`${running!.url}${path}`, {
      method,
      headers: body === undefined && method !== 'POST' ? headers : { 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }

  return {
    get url() {
      return running!.url;
    },
    answers,
    async api(method, path, body, options = {}) {
      const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
      const token = options.token === undefined ? 'test-token' : options.token;
      if (token !== null) headers.Authorization = `Bearer ${token}`;
      if (options.version) headers['Intercom-Version'] = options.version;
      const answer = await call(method, path, body, headers);
      answers.push({ method, path: path.split('?')[0]!, version: options.version ?? '2.14', status: answer.status, body: answer.body });
      return answer;
    },
    hook: (method, path, body) => call(method, `/_emulator${path}`, body, {}),
  };
}

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(++counter).toString(36)}`;

/** Builders for request bodies: the smallest valid body, overridable field by field. */
export const build = {
  lead: (fields: Record<string, unknown> = {}) => ({ role: 'lead', email: `lead-${unique()}@example.com`, name: 'Ada Lead', ...fields }),
  user: (fields: Record<string, unknown> = {}) => ({
    role: 'user',
    email: `user-${unique()}@example.com`,
    external_id: `u-${unique()}`,
    name: 'Una User',
    ...fields,
  }),
  conversation: (contactId: string, fields: Record<string, unknown> = {}) => ({ from: { type: 'lead', id: contactId }, body: 'I would like a demo', ...fields }),
  reply: (identifier: Record<string, string>, fields: Record<string, unknown> = {}) => ({
    message_type: 'comment',
    type: 'user',
    body: 'One more thing',
    ...identifier,
    ...fields,
  }),
};

