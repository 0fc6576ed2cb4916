// Starts an emulator for a test file, in-process (createEmulator's handler, called with Requests) or on a loopback port
// (`socket: true`, for tests of what only HTTP carries: the Host header, dropped connections), and gives terse callers
// for its API and hooks.
import { after, before, beforeEach } from 'node:test';
import { createEmulator, startEmulator, type Emulator, type RunningEmulator } from '../../src/emulator/index.js';

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
  /** The base URL: the server's over HTTP, a name nothing serves in-process. */
  readonly url: string;
  /** Calls the emulated Intercom API with a bearer token (unless `token: null`). */
  api<T = any>(method: string, path: string, body?: unknown, options?: CallOptions): Promise<ApiAnswer<T>>;
  hook<T = any>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>>;
  /** A request to `path` as given (no token, no JSON), answered as the emulator answers it. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Every answer `api()` received since the last reset, for schema checks. */
  readonly answers: Array<{ method: string; path: string; version: '2.14' | '2.16'; status: number; body: unknown }>;
}

/** The URL an in-process emulator's Requests carry: a name, nothing listens there. */
const IN_PROCESS_URL = 'http://emulator.invalid';

/**
 * Registers before/after hooks that start one emulator for the file and reset it before each test: in-process unless
 * `socket` is set.
 */
export function useEmulator(startOptions: { token?: string; socket?: boolean } = {}): TestEmulator {
  const { socket = false, ...emulatorOptions } = startOptions;
  let running: RunningEmulator | undefined;
  let inProcess: Emulator | undefined;
  const answers: TestEmulator['answers'] = [];
  before(async () => {
    if (socket) running = await startEmulator({ port: 0, ...emulatorOptions });
    else inProcess = createEmulator(emulatorOptions);
  });
  after(async () => {
    await running?.close();
  });
  beforeEach(() => {
    (running?.emulator ?? inProcess)?.reset();
    answers.length = 0;
  });

  const send = (path: string, init: RequestInit = {}): Promise<Response> =>
    running ? fetch(`${running.url}${path}`, init) : inProcess!.fetch(new Request(`${IN_PROCESS_URL}${path}`, init));

  async function call(method: string, path: string, body: unknown, headers: Record<string, string>): Promise<ApiAnswer> {
    // Over HTTP, one connection per call: a kept-alive socket left idle while a test works for seconds (compiling the
    // spec's schemas) can be closed by the server just as the next call reuses it, and that call fails with ECONNRESET.
    if (running) headers = { Connection: 'close', ...headers };
    const init: RequestInit = {
      method,
      headers: body === undefined && method !== 'POST' ? headers : { 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    };
    const response = await send(path, init);
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }

  return {
    get url() {
      return running?.url ?? IN_PROCESS_URL;
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
    fetch: send,
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

