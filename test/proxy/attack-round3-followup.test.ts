// Attacks on what landed after round three (issue 18): the site's own questions, built-in Turnstile, the Workers
// entry. Each test holds one of round three's principles on a new path; each failed before its fix.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ConfigError, createProxy, MemoryStore } from '../../src/proxy/app.js';
import { optionsFromEnv } from '../../src/proxy/cli.js';
import { createEmulator } from '../../src/emulator/index.js';
import { EMULATOR_TURNSTILE_SECRET } from '../../src/emulator/turnstile.js';
import { createWorker, optionsFromWorkerEnv } from '../../src/proxy/cloudflare.js';
import { MAX_FORM_FIELDS } from '../../src/proxy/guards/request-body.js';
import { loadQuestions } from '../../src/proxy/guards/questions.js';
import { LIMITS } from '../../src/protocol/wire.js';
import { ACCESS_TOKEN, IDENTITY_SECRET, SECRET, apiCalls, buildLead, startInProcessStack, type Stack } from './harness.js';
import { ANSWERS, EVERY_TYPE, INLINE, setupDone } from './questions-fixture.js';

const SITE = 'https://shop.example';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('a no-JavaScript form with many questions, posted by a visitor who answered them all', () => {
  // A legitimate questions file: 30 text questions and a checkboxes question of 40 topics (within every limit of the
  // file). The prerendered form posts the built-in fields, each question once, and the topics' name once per ticked box.
  const TOPICS = Array.from({ length: 40 }, (_, index) => `t${index}`);
  const QUESTIONS = {
    questions: [
      ...Array.from({ length: 30 }, (_, index) => ({ name: `q${index}`, type: 'text', label: `Question ${index}` })),
      { name: 'topics', type: 'checkboxes', label: 'Topics', options: TOPICS },
    ],
  };
  let stack: Stack;
  let client = 0;
  before(async () => {
    stack = await startInProcessStack({ origins: { allowed: [SITE] }, questions: QUESTIONS, ...INLINE, clients: { clientIp: (request) => request.headers.get('x-test-client') ?? undefined } });
    await setupDone(stack);
  });
  after(() => stack.close());

  const postForm = (body: URLSearchParams | string) =>
    stack.send('/leads', { method: 'POST', headers: { ...FORM, origin: SITE, 'x-test-client': `visitor-${(client += 1)}` }, body: body.toString(), redirect: 'manual' });

  async function formHash(): Promise<string> {
    const answer = await stack.send('/questions?form=default', { method: 'GET', headers: { origin: SITE } });
    return answer.json.hash as string;
  }

  /** The form as the prerendered snippet posts it, every question answered and `ticked` topics ticked. */
  function answeredForm(hash: string, ticked: number): URLSearchParams {
    const fields = new URLSearchParams({ name: 'Ada Lovelace', email: `ada.${randomUUID().slice(0, 8)}@example.com`, phone: '', message: 'A demo, please.', hp: '', locale: 'en', questions: hash });
    for (let index = 0; index < 30; index += 1) fields.append(`q${index}`, `answer ${index}`);
    for (const topic of TOPICS.slice(0, ticked)) fields.append('topics', topic);
    return fields;
  }

  test('is accepted with every topic ticked (77 fields, more than 64): the cap follows the questions file', async () => {
    const form = answeredForm(await formHash(), TOPICS.length);
    assert.ok([...form.keys()].length > MAX_FORM_FIELDS);
    const response = await postForm(form);
    // Before: 413 body_too_large ("The form has more than 64 fields"), the visitor's answers lost.
    assert.equal(response.status, 201, response.text.slice(0, 600));
    assert.match(response.text, /<main data-code="created">/);
    const { contacts } = await stack.emulatorState();
    const lead = contacts.find((contact: { email?: string }) => contact.email === form.get('email'));
    assert.equal(lead?.custom_attributes.topics, TOPICS.join(', '));
    assert.equal(lead?.custom_attributes.q29, 'answer 29');
  });

  test('the cap is still a cap: one field past what the largest form can post is refused before it costs anything', async () => {
    const before = apiCalls(await stack.emulatorRequests()).length;
    // Every field a post of this form can carry (12 built-in, 30 answers, 40 topics), and one more.
    const over = answeredForm(await formHash(), TOPICS.length);
    for (let index = [...over.keys()].length; index <= 12 + 30 + 40; index += 1) over.append(`extra${index}`, '');
    const response = await postForm(over);
    assert.equal(response.status, 413, response.text.slice(0, 300));
    assert.match(response.text, /<main data-code="body_too_large">/);
    // The same flood as round three: thousands of empty names, refused by count.
    const flood = await postForm(Array.from({ length: 5_000 }, (_, index) => `n${index}`).join('&'));
    assert.equal(flood.status, 413);
    assert.equal(apiCalls(await stack.emulatorRequests()).length, before);
  });
});

describe('the Workers entry configured from env bindings', () => {
  const env = { INTERCOM_ACCESS_TOKEN: ACCESS_TOKEN, LEADRELAY_SECRET: SECRET, LEADRELAY_ALLOWED_ORIGINS: SITE, INTERCOM_BASE_URL: 'http://127.0.0.1:9' };
  const ctx = { waitUntil: () => undefined };
  const quiet = () => ({ testing: { setupDataAttributes: false }, logger: () => undefined });
  const lead = () =>
    new Request('https://proxy.example/leads', { method: 'POST', headers: { origin: SITE, 'content-type': 'application/json', 'idempotency-key': randomUUID() }, body: JSON.stringify(buildLead()) });

  /** The error a Worker's event fails with: a ConfigError naming `setting` and its fix, never the value. */
  function refusedNaming(setting: string, fix: RegExp, value?: string) {
    return (error: unknown) => {
      assert.ok(error instanceof ConfigError, `a ConfigError, not ${error instanceof Error ? error.name : typeof error}`);
      assert.match(error.message, new RegExp(setting));
      assert.match(error.fix, fix);
      if (value) assert.ok(!error.message.includes(value), 'the value is not echoed');
      return true;
    };
  }

  test('LEADRELAY_DB bound under [vars] (a string, not a D1 database) is named at the first event, not a 500 on every lead', async () => {
    const worker = createWorker(quiet);
    // Before: the Worker started, and every POST /leads was 500 internal_error ("this.#db.prepare is not a function"),
    // with nothing in the answer or the log line that named LEADRELAY_DB.
    await assert.rejects(async () => worker.fetch(lead(), { ...env, LEADRELAY_DB: 'leadrelay-db' as never }, ctx), refusedNaming('LEADRELAY_DB', /d1_databases/, 'leadrelay-db'));
    await assert.rejects(async () => worker.fetch(lead(), { ...env, LEADRELAY_DB: { name: 'leadrelay-db' } as never }, ctx), refusedNaming('LEADRELAY_DB', /d1_databases/));
  });

  test('a binding that is not a whole number, or questions that are not JSON, is a ConfigError with its fix, never its value', () => {
    assert.throws(() => optionsFromWorkerEnv({ ...env, LEADRELAY_RATE_LIMIT: 'twenty-secret' }), refusedNaming('LEADRELAY_RATE_LIMIT', /leave it unset/i, 'twenty-secret'));
    assert.throws(() => optionsFromWorkerEnv({ ...env, LEADRELAY_QUESTIONS: `{"questions": ${SECRET}` }), refusedNaming('LEADRELAY_QUESTIONS', /questions/, SECRET));
  });

  test('a weak LEADRELAY_SECRET binding is refused as on the CLI: named, with openssl rand -hex 32, never echoed', async () => {
    const worker = createWorker(quiet);
    await assert.rejects(async () => worker.fetch(lead(), { ...env, LEADRELAY_SECRET: 'changeme-changeme-changeme-changeme' }, ctx), refusedNaming('LEADRELAY_SECRET', /openssl rand -hex 32/, 'changeme'));
    await assert.rejects(
      async () => worker.fetch(lead(), { ...env, LEADRELAY_PREVIOUS_SECRETS: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' }, ctx),
      refusedNaming('LEADRELAY_PREVIOUS_SECRETS', /openssl rand -hex 32/, 'aaaaaaaa'),
    );
  });
});

describe('one secret, one job: the Turnstile secret and the metrics token', () => {
  const base = { intercom: { accessToken: ACCESS_TOKEN }, origins: { allowed: [SITE] }, store: new MemoryStore(), testing: { setupDataAttributes: false } };
  const sameValue = (first: string, second: string) => (error: unknown) => {
    assert.ok(error instanceof ConfigError, `a ConfigError, not ${error instanceof Error ? error.name : typeof error}`);
    assert.match(error.message, new RegExp(`${first}.* and .*${second}`));
    assert.ok(!error.message.includes(SECRET), 'the value is not echoed');
    return true;
  };

  test('LEADRELAY_SECRET given again as the metrics token (sent by every scraper) or the Turnstile secret (sent to siteverify with every lead) is refused', () => {
    // Before: both started. Whoever reads the Prometheus scrape config, or the siteverify endpoint's requests, held
    // the key that signs every lead token: they could forge a token into anyone's conversation.
    assert.throws(() => createProxy({ ...base, secret: SECRET, metrics: { token: SECRET } }), sameValue('LEADRELAY_SECRET', 'LEADRELAY_METRICS_TOKEN'));
    assert.throws(() => createProxy({ ...base, secret: SECRET, turnstile: { secret: SECRET } }), sameValue('LEADRELAY_SECRET', 'LEADRELAY_TURNSTILE_SECRET'));
    assert.throws(() => createProxy({ ...base, secret: SECRET, identity: { secret: IDENTITY_SECRET }, metrics: { token: IDENTITY_SECRET } }), sameValue('LEADRELAY_IDENTITY_SECRET', 'LEADRELAY_METRICS_TOKEN'));
    assert.throws(() => createProxy({ ...base, secret: SECRET, previousSecrets: [IDENTITY_SECRET], turnstile: { secret: IDENTITY_SECRET } }), sameValue('LEADRELAY_PREVIOUS_SECRETS', 'LEADRELAY_TURNSTILE_SECRET'));
  });

  test('the CLI refuses the same before it starts', () => {
    const env = { INTERCOM_ACCESS_TOKEN: ACCESS_TOKEN, LEADRELAY_SECRET: SECRET };
    assert.throws(() => optionsFromEnv({ ...env, LEADRELAY_METRICS_TOKEN: SECRET }, false), sameValue('LEADRELAY_SECRET', 'LEADRELAY_METRICS_TOKEN'));
    assert.throws(() => optionsFromEnv({ ...env, LEADRELAY_TURNSTILE_SECRET: SECRET }, false), sameValue('LEADRELAY_SECRET', 'LEADRELAY_TURNSTILE_SECRET'));
  });

  test('their own values start as before', async () => {
    const proxy = createProxy({ ...base, secret: SECRET, metrics: { token: `metrics-${randomUUID()}` }, turnstile: { secret: '0x4AAAAAAAEmulatorTurnstileSecret' } });
    await proxy.close();
  });
});

describe("the emulator's Turnstile hooks, as a web page the developer opens would call them", () => {
  test('a foreign Origin is refused (403) on /turnstile/_emulator/* as on /_emulator/*; its own origin and non-browser clients are served', async () => {
    const emulator = createEmulator();
    const call = (path: string, init: RequestInit = {}) => emulator.fetch(new Request(`http://127.0.0.1:4010${path}`, init));
    for (const origin of ['https://evil.example', 'null', 'http://localhost:1']) {
      // Before: 200, every verification (tokens, client addresses) and a fault list, whatever the Origin.
      const read = await call('/turnstile/_emulator/verifications', { headers: { origin } });
      assert.equal(read.status, 403, `GET verifications from ${origin}`);
      assert.equal(((await read.json()) as { error: { code: string } }).error.code, 'origin_not_allowed');
      const cleared = await call('/turnstile/_emulator/faults', { method: 'DELETE', headers: { origin } });
      assert.equal(cleared.status, 403, `DELETE faults from ${origin}`);
      const issued = await call('/turnstile/_emulator/tokens', { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: '{}' });
      assert.equal(issued.status, 403, `POST tokens from ${origin}`);
    }
    assert.equal((await call('/turnstile/_emulator/verifications', { headers: { origin: 'http://127.0.0.1:4010' } })).status, 200);
    assert.equal((await call('/turnstile/_emulator/verifications')).status, 200);
    // siteverify is Cloudflare's API, called by servers: no browser check there.
    assert.equal((await call('/turnstile/v0/siteverify', { method: 'POST', body: new URLSearchParams({ secret: 'x', response: 'y' }) })).status, 200);
  });
});

describe('the new paths against round three\'s HTTP rules (held when written)', () => {
  const METRICS_TOKEN = `metrics-${randomUUID()}`;
  let stack: Stack;
  let client = 0;
  before(async () => {
    stack = await startInProcessStack({
      origins: { allowed: [SITE] },
      questions: EVERY_TYPE,
      metrics: { token: METRICS_TOKEN },
      turnstile: { secret: EMULATOR_TURNSTILE_SECRET, verifyUrl: 'http://emulator.invalid/turnstile/v0/siteverify' },
      clients: { clientIp: (request) => request.headers.get('x-test-client') ?? undefined },
      ...INLINE,
    });
    await setupDone(stack);
  });
  after(() => stack.close());

  test('GET /questions with an Origin no browser sends is 403 origin_not_allowed, never 500; odd form names are 404', async () => {
    for (const origin of ['http://[::1', 'http://a b', 'https://x:99999', 'nullx', 'https://shop.example/path']) {
      const answer = await stack.send('/questions', { method: 'GET', headers: { origin } });
      assert.equal(answer.status, 403, origin);
      assert.equal(answer.json.error.code, 'origin_not_allowed');
    }
    for (const form of ['%zz', '__proto__', 'constructor', 'hasOwnProperty', 'x'.repeat(5_000)]) {
      assert.equal((await stack.send(`/questions?form=${form}`, { method: 'GET', headers: { origin: SITE } })).status, 404, form.slice(0, 20));
    }
    assert.equal(stack.logs.filter((line) => line.status === 500).length, 0);
  });

  test('every page a form post with questions or Turnstile can get (unknown option, questions changed, captcha failed) forbids framing and echoes little', async () => {
    const post = (fields: Record<string, string>) =>
      stack.send('/leads', { method: 'POST', headers: { ...FORM, origin: SITE, 'x-test-client': `page-${(client += 1)}` }, body: new URLSearchParams(fields).toString(), redirect: 'manual' });
    const own = { name: 'Ada', email: `ada.${randomUUID().slice(0, 8)}@example.com`, message: 'Hi', hp: '', locale: 'en' };
    const pages = [
      [400, 'invalid_field', await post({ ...own, company_name: 'Acme', plan: 'x'.repeat(20_000) })],
      [409, 'questions_changed', await post({ ...own, questions: 'stale-hash', company_name: 'Acme', plan: 'pro' })],
      [422, 'captcha_failed', await post({ ...own, company_name: 'Acme', plan: 'pro' })],
    ] as const;
    for (const [status, code, response] of pages) {
      assert.equal(response.status, status, response.text.slice(0, 300));
      assert.match(response.text, new RegExp(`<main data-code="${code}">`));
      assert.match(response.headers['content-security-policy'] ?? '', /frame-ancestors 'none'/);
      assert.equal(response.headers['x-frame-options'], 'DENY');
      assert.ok(response.text.length < 6_000, `${code}: a ${response.text.length}-character page`);
    }
  });

  test('/metrics after leads with a company answer: no company name, email or id in a label; companies calls by template', async () => {
    const stackNoCaptcha = await startInProcessStack({ origins: { allowed: [SITE] }, questions: EVERY_TYPE, metrics: { token: METRICS_TOKEN }, ...INLINE });
    try {
      await setupDone(stackNoCaptcha);
      const companies = ['Zebra Widgets Ltd', 'Quokka Analytics GmbH'];
      const emails = companies.map((_, index) => `buyer.${index}.${randomUUID().slice(0, 6)}@corp.example`);
      for (const [index, company] of companies.entries()) {
        const lead = await stackNoCaptcha.post('/leads', buildLead({ email: emails[index], answers: { ...ANSWERS, company_name: company } }), { headers: { origin: SITE } });
        assert.equal(lead.status, 201, lead.text);
      }
      const scrape = await stackNoCaptcha.send('/metrics', { method: 'GET', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      const labels = [...scrape.text.matchAll(/\{(.*)\}/g)].flatMap((match) => [...match[1]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((label) => `${label[1]}=${label[2]}`));
      const state = (await (await stackNoCaptcha.emulatorFetch('/_emulator/state')).json()) as { contacts: { id: string }[]; companies?: { id: string; company_id: string }[] };
      const forbidden = [...companies, ...companies.map((name) => name.split(' ')[0]!.toLowerCase()), ...emails, ...state.contacts.map((contact) => contact.id), ...(state.companies ?? []).flatMap((company) => [company.id, company.company_id])];
      for (const label of labels) for (const value of forbidden) assert.ok(!label.toLowerCase().includes(value.toLowerCase()), `label ${label} holds ${value}`);
      const endpoints = new Set(labels.filter((label) => label.startsWith('endpoint=')).map((label) => label.slice('endpoint='.length)));
      assert.ok(endpoints.has('POST /companies') && endpoints.has('POST /contacts/{id}/companies'), [...endpoints].join(', '));
      assert.ok(!endpoints.has('other'), [...endpoints].join(', '));
    } finally {
      await stackNoCaptcha.close();
    }
  });
});

describe('a no-JavaScript form typed in a script that is not Latin', () => {
  // A form of the site's own questions, answered at length in Japanese: what the widget's JSON carries in about 17 KB
  // (3 bytes a character), a browser's urlencoded post carries in three times as many (each byte as %XX).
  const QUESTIONS = { questions: Array.from({ length: 6 }, (_, index) => ({ name: `about_${index}`, type: 'textarea', label: `About ${index}` })) };
  let stack: Stack;
  before(async () => {
    stack = await startInProcessStack({ origins: { allowed: [SITE] }, questions: QUESTIONS, ...INLINE });
    await setupDone(stack);
  });
  after(() => stack.close());

  const message = '見積もりをお願いします。'.repeat(330).slice(0, 4_000);
  const answers = Object.fromEntries(QUESTIONS.questions.map((question) => [question.name, '弊社は東京の製造業です。'.repeat(22).slice(0, 255)]));

  test('is accepted as a form post as it is as JSON: the byte cap counts what was typed, not its percent-encoding', async () => {
    const hash = (await stack.send('/questions?form=default', { method: 'GET', headers: { origin: SITE } })).json.hash as string;
    const json = await stack.post('/leads', buildLead({ email: `hanako.${randomUUID().slice(0, 6)}@example.jp`, message, answers, questionsHash: hash }), { headers: { origin: SITE } });
    assert.equal(json.status, 201, json.text.slice(0, 300));

    const fields = new URLSearchParams({ name: '山田花子', email: `hanako.${randomUUID().slice(0, 6)}@example.jp`, message, hp: '', locale: 'en', questions: hash, ...answers });
    const body = fields.toString();
    assert.ok(Buffer.byteLength(body) > 32 * 1024, `${Buffer.byteLength(body)} bytes urlencoded`);
    const form = await stack.send('/leads', { method: 'POST', headers: { ...FORM, origin: SITE }, body, redirect: 'manual' });
    // Before: 413 body_too_large, "The request body is larger than 32768 bytes", for a post the JSON route accepts.
    assert.equal(form.status, 201, form.text.slice(0, 600));
    const { contacts, conversations } = await stack.emulatorState();
    assert.ok(contacts.some((contact: { email?: string }) => contact.email === fields.get('email')));
    assert.ok(conversations.some((conversation: { source: { body: string } }) => conversation.source.body.includes(message.slice(0, 100))));
  });

  test('a form post past three times the JSON cap is still refused before it is read whole', async () => {
    const response = await stack.send('/leads', { method: 'POST', headers: { ...FORM, origin: SITE }, body: `message=${'%E6%BC%A2'.repeat(25_000)}`, redirect: 'manual' });
    assert.equal(response.status, 413, response.text.slice(0, 300));
    assert.match(response.text, /<main data-code="body_too_large">/);
  });
});

describe('a form of the most questions a file may hold, every answer typed to its limit', () => {
  // 50 textarea questions of 255 characters each (what a questions file allows at most), answered in full in 4-byte
  // characters, beside the longest message: about 90 KB of JSON, all of it typed by the visitor.
  const QUESTIONS = { questions: Array.from({ length: 50 }, (_, index) => ({ name: `long_answer_${index}`, type: 'textarea', label: `Long answer ${index}`, maxLength: 255 })) };
  let stack: Stack;
  before(async () => {
    stack = await startInProcessStack({ origins: { allowed: [SITE] }, questions: QUESTIONS, ...INLINE });
    await setupDone(stack);
  });
  after(() => stack.close());

  test('is accepted (the body cap grows with the questions file), and one byte past that cap is still 413', async () => {
    const hash = (await stack.send('/questions?form=default', { method: 'GET', headers: { origin: SITE } })).json.hash as string;
    const answers = Object.fromEntries(QUESTIONS.questions.map((question) => [question.name, '\u{1F4E6}'.repeat(255)]));
    const lead = buildLead({ email: `full.${randomUUID().slice(0, 6)}@example.com`, message: '\u{1F4E6}'.repeat(5_000), answers, questionsHash: hash });
    const bytes = Buffer.byteLength(JSON.stringify(lead));
    assert.ok(bytes > 64 * 1024, `${bytes} bytes`);
    const response = await stack.post('/leads', lead, { headers: { origin: SITE } });
    // Before: 413 body_too_large for every visitor who wrote this much.
    assert.equal(response.status, 201, response.text.slice(0, 300));

    const { maxAnswersBytes } = loadQuestions(QUESTIONS);
    const over = JSON.stringify(buildLead({ answers: {} })).padEnd(LIMITS.bodyBytes + maxAnswersBytes + 1, ' ');
    const refused = await stack.post('/leads', over, { headers: { origin: SITE } });
    assert.equal(refused.status, 413);
    assert.equal(refused.json.error.code, 'body_too_large');
  });
});
