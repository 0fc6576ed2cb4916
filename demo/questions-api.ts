// The playground's questions, demo server only: PUT /demo-api/questions makes the demo's proxy again with the
// designer's file, so the proxy serves (GET /questions) and checks (POST /leads) exactly what the preview draws.
// A real site's proxy reads its file once at start; nothing like this exists in the package.
import { Hono } from 'hono';
import { parseQuestionsFile, QuestionsFileError } from '../src/protocol/questions.js';
import type { Proxy, ProxyOptions } from '../src/proxy/app.js';

export interface QuestionsApiOptions {
  /** Only against the emulator: every question creates a data attribute in the workspace, and Intercom never deletes one. */
  emulator: boolean;
  proxyPath: string;
  /** The demo page's origin: a page of any other (a site the designer visits, a rebound DNS name) may not change the proxy. */
  ownOrigin(): string;
  /** The proxy now answering at proxyPath. */
  current(): Proxy | undefined;
  /** A proxy with these questions (none: the built-in fields only), and when it is set up. */
  make(questions: ProxyOptions['questions'] | undefined): { proxy: Proxy; settled: Promise<void> };
  /** Put `next` at proxyPath and close the one it replaces. */
  swap(next: Proxy): Promise<void>;
}

/** What PUT and GET /demo-api/questions answer. */
export interface QuestionsState {
  /** The questions file the proxy has now, as the designer wrote it; null for none. */
  file: Record<string, unknown> | null;
  /** The default form's hash as GET /questions serves it; null without questions. */
  hash: string | null;
}

/** How long a new proxy may take to set up its data attributes (the emulator answers in milliseconds). */
const SETUP_TIMEOUT_MS = 15_000;
/** A questions file of 50 questions with every label translated is far below this. */
const MAX_BODY_BYTES = 256 * 1024;

const demoError = (code: string, message: string) => ({ error: { code, message } });

export function createQuestionsApi(options: QuestionsApiOptions): { routes: Hono; idle(): Promise<void> } {
  const routes = new Hono();
  let state: QuestionsState = { file: null, hash: null };
  // One change at a time, in the order they came: two proxies setting up at once would race to be the current one.
  let queue: Promise<unknown> = Promise.resolve();

  routes.get('/', (c) => c.json(state, 200, { 'cache-control': 'no-store' }));

  // The gallery's widgets (preview-state, never sending) fetch their questions here, so none of them has the live
  // proxy's URL and none resends what the live widget left in the outbox.
  routes.get('/preview/questions', async (c) => {
    const proxy = options.current();
    if (!proxy) return c.json(demoError('starting', 'The demo is starting.'), 503);
    const query = new URL(c.req.url).search;
    const headers = new Headers();
    const match = c.req.header('if-none-match');
    if (match) headers.set('if-none-match', match);
    return proxy.fetch(new Request(new URL(`${options.proxyPath}/questions${query}`, c.req.url), { headers }));
  });

  routes.put('/', async (c) => {
    const origin = c.req.header('origin');
    if (origin !== undefined && origin !== options.ownOrigin()) {
      return c.json(demoError('foreign_origin', 'Only the playground page itself may change the demo proxy\'s questions.'), 403);
    }
    if (!options.emulator) {
      return c.json(
        demoError('emulator_only', 'Questions are tried out against the emulator only: each one would create a data attribute in your Intercom workspace, which Intercom never deletes. Start the demo without INTERCOM_ACCESS_TOKEN, or give your proxy LEADRELAY_QUESTIONS.'),
        409,
      );
    }
    if (Number(c.req.header('content-length') ?? 0) > MAX_BODY_BYTES) return c.json(demoError('too_large', 'The questions file is too large.'), 413);
    const body = (await c.req.json().catch(() => undefined)) as { file?: unknown } | undefined;
    if (!body || typeof body !== 'object' || !('file' in body)) {
      return c.json(demoError('invalid_json', 'Send {"file": {"questions": […]}}, or {"file": null} for none.'), 400);
    }
    const file = body.file === null ? null : body.file;
    let hash: string | null = null;
    if (file !== null) {
      try {
        parseQuestionsFile(file);
      } catch (error) {
        if (error instanceof QuestionsFileError) return c.json(demoError('invalid_questions', error.message), 400);
        throw error;
      }
    }
    const change = queue.then(async (): Promise<Response> => {
      const made = options.make(file === null ? undefined : (file as Record<string, unknown>));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('The proxy did not finish setting up its data attributes in time.')), SETUP_TIMEOUT_MS);
      });
      try {
        await Promise.race([made.settled, timeout]);
      } catch (error) {
        await made.proxy.close();
        return c.json(demoError('not_applied', (error as Error).message), 409);
      } finally {
        clearTimeout(timer);
      }
      await options.swap(made.proxy);
      if (file !== null) {
        const served = await made.proxy.fetch(new Request(new URL(`${options.proxyPath}/questions?form=default`, c.req.url)));
        hash = served.ok ? ((await served.json()) as { hash: string }).hash : null;
      }
      state = { file: file as Record<string, unknown> | null, hash };
      return c.json(state);
    });
    queue = change.catch(() => undefined);
    return change;
  });

  return { routes, idle: () => queue.then(() => undefined) };
}
