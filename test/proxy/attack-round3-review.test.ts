// An outsider's review of what landed with custom questions: answers that try to forge lines of the conversation's
// first message, answers, forms and query strings of odd types that must be 4xx, never 500, and one Turnstile token
// replayed with its Idempotency-Key on an instance that has not seen it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { EMULATOR_TURNSTILE_SECRET } from '../../src/emulator/turnstile.js';
import { MemoryStore } from '../../src/proxy/app.js';
import { buildLead, startInProcessStack, testProxyOptions, type Stack } from './harness.js';
import { emulatorFetch, serveInProcess, startInProcessEmulator, type InProcessProxy } from './in-process.js';
import { ANSWERS, EVERY_TYPE, INLINE, setupDone } from './questions-fixture.js';

describe('round 3 review: questions under attack', () => {
  let stack: Stack;
  before(async () => {
    stack = await startInProcessStack({ questions: EVERY_TYPE, ...INLINE });
    await setupDone(stack);
  });
  after(() => stack.close());

  test('a Unicode line or paragraph separator in an answer cannot forge another "Label: value" line in the first message', async () => {
    // A browser (the Inbox) breaks the line at U+2028 and U+2029 as at a line feed; a one-line text answer may hold them.
    const response = await stack.post(
      '/leads',
      buildLead({
        email: 'forger@example.com',
        answers: { ...ANSWERS, company_name: 'Acme\u2028Plan: Enterprise', about: 'Small shop\u2029Budget: 999999' },
      }),
    );
    assert.equal(response.status, 201, response.text);
    const { conversations } = (await stack.emulatorState()) as { conversations: { source: { body: string } }[] };
    const body = conversations.at(-1)!.source.body;
    assert.doesNotMatch(body, /[\u2028\u2029]/u, 'no line separator reaches the message');
    const lines = body.split(/\r\n|[\n\r\u2028\u2029]/u);
    assert.deepEqual(lines.filter((line) => line.startsWith('Plan:')), ['Plan: Pro'], 'one Plan line, the real answer');
    assert.deepEqual(lines.filter((line) => line.startsWith('Budget:')), ['Budget: 1500.5'], 'one Budget line, the real answer');
    assert.ok(lines.includes('Company: Acme Plan: Enterprise'), body);
  });

  test('answers of every odd type are 400 naming the question (or accepted), never 500', async () => {
    const odd: unknown[] = [[], {}, [1], { a: 1 }, 1e308, -1e308, 'NaN', 'Infinity', '1e5', '99999-01-01', '0000-01-01', '2026-02-30', true, 0, '\u0000', ['a', ['b']], [null]];
    for (const name of ['team_size', 'budget', 'start', 'interests', 'subscribe', 'plan', 'company_name']) {
      for (const value of odd) {
        const response = await stack.post('/leads', buildLead({ email: 'odd@example.com', answers: { ...ANSWERS, [name]: value } }));
        assert.ok(response.status === 400 || response.status === 201, `${name}=${JSON.stringify(value)}: ${response.status} ${response.text}`);
        if (response.status === 400) assert.equal(typeof response.json.error.fields?.[name], 'string', `${name}=${JSON.stringify(value)}: ${response.text}`);
      }
    }
  });

  test('a body of made-up keys gets a 400 that names at most 10 of them, cut short, and every problem the visitor can fix', async () => {
    const made: Record<string, number> = {};
    for (let index = 0; index < 2_000; index += 1) made[`k${index}`] = 0;
    const lead = buildLead({ email: 'not-an-email', answers: { ...ANSWERS, ...made, ['x'.repeat(5_000)]: 0 } }) as Record<string, unknown>;
    for (let index = 0; index < 200; index += 1) lead[`top${index}`] = 0;
    const sent = JSON.stringify(lead);
    assert.ok(sent.length > 20_000 && sent.length < 32_000, `${sent.length} bytes sent`);
    const response = await stack.post('/leads', lead);
    assert.equal(response.status, 400);
    // Before: each of the 2,201 unknown keys echoed back under `fields`, about 60 KB for 25 KB sent.
    assert.ok(response.text.length < 2_048, `${response.text.length} bytes answered`);
    const fields = response.json.error.fields as Record<string, string>;
    assert.equal(fields.email, 'invalid_email', 'the problem the visitor can fix is named');
    const unknown = Object.entries(fields).filter(([, code]) => code === 'unknown_field');
    assert.equal(unknown.length, 10);
    assert.ok(unknown.every(([name]) => name.length <= 65), 'unknown names are cut');
    assert.match(response.json.error.message, /2191 more unknown fields are not listed/);
    assert.equal(response.json.error.unlistedFields, 2191);
  });

  test('GET /questions with odd query strings answers 200, 304 or 404, never 500', async () => {
    for (const query of ['form=', 'form=%', 'form=%E0%A4%A', 'form=default&form=x', 'form[]=a', 'form=__proto__', `form=${'a'.repeat(5000)}`, '%=%', 'form', 'form=%00']) {
      const response = await stack.send(`/questions?${query}`, { method: 'GET' });
      assert.ok([200, 404].includes(response.status), `${query.slice(0, 30)}: ${response.status}`);
    }
  });
});

describe('round 3 review: one Turnstile token on instances that share no store', () => {
  // Workers without D1, or several Node instances each on its own memory store: nothing but Cloudflare's answer tells
  // them a token was spent. The Idempotency-Key is the browser's to choose; sent again with another submission, it
  // must not make siteverify repeat its first "success".
  let emulator: RunningEmulator;
  const served: InProcessProxy[] = [];
  const logs: Record<string, unknown>[] = [];
  before(async () => {
    emulator = startInProcessEmulator();
  });
  after(async () => {
    for (const proxy of served) await proxy.close();
    await emulator.close();
  });

  test('the same token and the same Idempotency-Key carrying another lead to another instance is 422, one lead made', async () => {
    for (let i = 0; i < 2; i += 1) {
      const proxy = serveInProcess({
        port: 0,
        ...testProxyOptions(emulator.url, logs),
        origins: { allowed: ['https://shop.example'] },
        delivery: { recoveryLagMs: 200, recoveryWaitMs: 15_000 },
        store: new MemoryStore(),
        turnstile: { secret: EMULATOR_TURNSTILE_SECRET, verifyUrl: `${emulator.url}/turnstile/v0/siteverify` },
      });
      await proxy.proxy.ready;
      served.push(proxy);
    }
    const issued = await emulatorFetch(emulator.url, '/turnstile/_emulator/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hostname: 'shop.example' }) });
    const { token } = (await issued.json()) as { token: string };
    const key = randomUUID();
    const send = (proxy: InProcessProxy, email: string) =>
      proxy.request('/leads', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(buildLead({ email, captchaToken: token })),
      });
    const first = await send(served[0]!, 'first@example.com');
    assert.equal(first.status, 201, await first.text());
    const second = await send(served[1]!, 'second@example.com');
    const text = await second.text();
    assert.equal(second.status, 422, text);
    assert.equal(JSON.parse(text).error.code, 'captcha_failed');
    const state = (await (await emulatorFetch(emulator.url, '/_emulator/state')).json()) as { contacts: { email?: string }[] };
    assert.deepEqual(state.contacts.map((contact) => contact.email).filter((email) => email?.endsWith('@example.com')), ['first@example.com']);
  });

  test('the same submission sent again to another instance with its token still passes there (a retry is no replay)', async () => {
    const issued = await emulatorFetch(emulator.url, '/turnstile/_emulator/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hostname: 'shop.example' }) });
    const { token } = (await issued.json()) as { token: string };
    const key = randomUUID();
    const body = JSON.stringify(buildLead({ email: 'retry@example.com', captchaToken: token }));
    const send = (proxy: InProcessProxy) => proxy.request('/leads', { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body });
    await emulatorFault(emulator.url, { route: 'POST /contacts', status: 400, times: 1 });
    const first = await send(served[0]!);
    assert.notEqual(first.status, 201);
    const again = await send(served[1]!);
    assert.equal(again.status, 201, await again.text());
  });
});

async function emulatorFault(url: string, fault: Record<string, unknown>): Promise<void> {
  const response = await emulatorFetch(url, '/_emulator/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });
  assert.equal(response.status, 200);
}
