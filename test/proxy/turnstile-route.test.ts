// POST /leads with the built-in Turnstile check, against the emulator's siteverify over loopback: what passes, each
// way a token is refused (422 captcha_failed, nothing sent to Intercom), siteverify down (fails closed), resends of a
// submission already verified, the page a form posted without JavaScript gets, and the refusals at start.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { EMULATOR_TURNSTILE_SECRET, TURNSTILE_DUMMY_TOKEN, TURNSTILE_TEST_SECRETS } from '../../src/emulator/turnstile.js';
import { createProxy, ConfigError, type ProxyOptions } from '../../src/proxy/app.js';
import { serve, type ServedProxy } from '../../src/proxy/node.js';
import { SqliteStore } from '../../src/proxy/store/sqlite.js';
import { ACCESS_TOKEN, SECRET, assertTokenNeverLeaked, buildLead, testProxyOptions, type CapturedResponse, mergeOptions, type StackOptions } from './harness.js';

const SITE = 'https://shop.example';

let emulator: RunningEmulator;
const logs: Record<string, unknown>[] = [];
const responses: CapturedResponse[] = [];
const proxies: ServedProxy[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'leadrelay-turnstile-'));
let store: SqliteStore;
let proxy: ServedProxy;

const verifyUrl = () => `${emulator.url}/turnstile/v0/siteverify`;

/** A proxy on the emulator with Turnstile on (the emulator's own secret unless `turnstile` says otherwise). */
async function startProxy(options: StackOptions = {}): Promise<ServedProxy> {
  const served = await serve(
    mergeOptions(
      {
        port: 0,
        ...testProxyOptions(emulator.url, logs),
        origins: { allowed: [SITE] },
        testing: { queuePollMs: 0 },
        delivery: { recoveryLagMs: 200 },
        turnstile: { secret: EMULATOR_TURNSTILE_SECRET, verifyUrl: verifyUrl() },
      },
      options,
    ),
  );
  proxies.push(served);
  await served.proxy.ready;
  return served;
}

before(async () => {
  emulator = await startEmulator({ port: 0 });
  store = await SqliteStore.open({ path: join(dataDir, 'leadrelay.db') });
  // A durable store, so a submission Intercom cannot take now is queued (202). It waits up to 15 s for a delivery
  // under way (not the default 1.5 s), so a loaded machine's slow first lead is still 201, as in the questions tests.
  proxy = await startProxy({ store, delivery: { rateWaitMs: 0, recoveryWaitMs: 15_000 }, intercom: { maxRetryDelayMs: 0 } });
});

after(async () => {
  for (const served of proxies) await served.close();
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
  await emulator.close();
  assertTokenNeverLeaked({ logs, responses });
  for (const text of [...responses.map((response) => response.text + JSON.stringify(response.headers)), ...logs.map((line) => JSON.stringify(line))]) {
    assert.ok(!text.includes(EMULATOR_TURNSTILE_SECRET), 'the Turnstile secret appears in no response and no log line');
  }
});

beforeEach(async () => {
  await fetch(`${emulator.url}/turnstile/_emulator/faults`, { method: 'DELETE' });
});

async function hook(path: string, body: unknown): Promise<any> {
  const response = await fetch(`${emulator.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(response.status, 200, `the emulator took ${path}`);
  return response.json();
}

/** A token as Cloudflare's widget on `hostname` would get it. */
const issue = async (fields: Record<string, unknown> = {}): Promise<string> => (await hook('/turnstile/_emulator/tokens', { hostname: 'shop.example', ...fields })).token;
const verificationCount = async (): Promise<number> => ((await (await fetch(`${emulator.url}/turnstile/_emulator/verifications`)).json()) as { verifications: unknown[] }).verifications.length;

async function capture(response: Response): Promise<CapturedResponse> {
  const text = await response.text();
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const captured = { status: response.status, headers, text, json };
  responses.push(captured);
  return captured;
}

/** POST /leads as the widget sends it, with a unique email so each test's lead can be found. */
async function sendLead(captchaToken: string | undefined, init: { key?: string; to?: ServedProxy; email?: string } = {}) {
  const email = init.email ?? `ada.${randomUUID().slice(0, 8)}@example.com`;
  const response = await capture(
    await fetch(`${(init.to ?? proxy).url}/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': init.key ?? randomUUID() },
      body: JSON.stringify(buildLead({ email, ...(captchaToken === undefined ? {} : { captchaToken }) })),
    }),
  );
  return { response, email };
}

/** Contacts and conversations in the emulator with this email. */
async function inIntercom(email: string): Promise<{ contacts: number; conversations: number }> {
  const state = (await (await fetch(`${emulator.url}/_emulator/state`)).json()) as { contacts: any[]; conversations: any[] };
  const contacts = state.contacts.filter((contact) => contact.email === email);
  const ids = new Set(contacts.map((contact) => contact.id));
  const conversations = state.conversations.filter((conversation) => JSON.stringify(conversation).includes(email) || [...ids].some((id) => JSON.stringify(conversation).includes(id)));
  return { contacts: contacts.length, conversations: conversations.length };
}

function assertRefused(response: CapturedResponse, sentence: RegExp): void {
  assert.equal(response.status, 422, response.text);
  assert.equal(response.json?.error?.code, 'captcha_failed');
  assert.match(response.json.error.message, sentence);
}

describe('POST /leads with Turnstile', () => {
  test('a valid token solved on the site passes (201), and siteverify gets the client address', async () => {
    const { response, email } = await sendLead(await issue());
    assert.equal(response.status, 201, response.text);
    assert.deepEqual(await inIntercom(email), { contacts: 1, conversations: 1 });
    const { verifications } = (await (await fetch(`${emulator.url}/turnstile/_emulator/verifications`)).json()) as { verifications: any[] };
    assert.match(String(verifications.at(-1).remoteip), /127\.0\.0\.1|::1/);
  });

  test('no token: 422 captcha_failed, nothing reaches Intercom, no siteverify call', async () => {
    const before = await verificationCount();
    const { response, email } = await sendLead(undefined);
    assertRefused(response, /Turnstile check/);
    assert.deepEqual(await inIntercom(email), { contacts: 0, conversations: 0 });
    assert.equal(await verificationCount(), before);
    assert.ok(logs.some((line) => line.route === '/leads' && line.status === 422 && line.captchaFailed === 'missing'), 'the log line says why');
  });

  test('a token Cloudflare refuses (forged) is 422, nothing reaches Intercom', async () => {
    const { response, email } = await sendLead('0.forged-token-made-up-by-a-bot');
    assertRefused(response, /did not pass/);
    assert.deepEqual(await inIntercom(email), { contacts: 0, conversations: 0 });
  });

  test("Cloudflare's always-failing test secret (2x…) refuses even its dummy token", async () => {
    const failing = await startProxy({ turnstile: { secret: TURNSTILE_TEST_SECRETS.fail, verifyUrl: verifyUrl() }, origins: { allowed: ['https://example.com'] } });
    const { response, email } = await sendLead(TURNSTILE_DUMMY_TOKEN, { to: failing });
    assertRefused(response, /did not pass/);
    assert.deepEqual(await inIntercom(email), { contacts: 0, conversations: 0 });
    // The passing test secret (1x…) lets the dummy token through for example.com: the check itself is not the problem.
    const passing = await startProxy({ turnstile: { secret: TURNSTILE_TEST_SECRETS.pass, verifyUrl: verifyUrl() }, origins: { allowed: ['https://example.com'] } });
    assert.equal((await sendLead(TURNSTILE_DUMMY_TOKEN, { to: passing })).response.status, 201);
  });

  test('a token replayed on a new submission is 422, on this instance and on another one', async () => {
    const token = await issue();
    const first = await sendLead(token);
    assert.equal(first.response.status, 201, first.response.text);
    const replay = await sendLead(token);
    assertRefused(replay.response, /already used or has expired/);
    assert.deepEqual(await inIntercom(replay.email), { contacts: 0, conversations: 0 });
    // Another instance has not seen the token: Cloudflare (here the emulator) says it is spent.
    const other = await startProxy();
    const elsewhere = await sendLead(token, { to: other });
    assertRefused(elsewhere.response, /already used or has expired/);
    assert.deepEqual(await inIntercom(elsewhere.email), { contacts: 0, conversations: 0 });
  });

  test('a token older than 300 s is refused as expired', async () => {
    const { response, email } = await sendLead(await issue({ ageMs: 301_000 }));
    assertRefused(response, /already used or has expired/);
    assert.deepEqual(await inIntercom(email), { contacts: 0, conversations: 0 });
  });

  test('a token solved on a foreign site (evil.example) is 422, nothing reaches Intercom', async () => {
    const { response, email } = await sendLead(await issue({ hostname: 'evil.example' }));
    assertRefused(response, /site this proxy does not serve/);
    assert.deepEqual(await inIntercom(email), { contacts: 0, conversations: 0 });
  });

  test("the publicUrl's host counts as the site's own; an action, when set, must match", async () => {
    const strict = await startProxy({ origins: { publicUrl: 'https://forms.example/api/leadrelay' }, turnstile: { secret: EMULATOR_TURNSTILE_SECRET, verifyUrl: verifyUrl(), action: 'lead' } });
    assert.equal((await sendLead(await issue({ hostname: 'forms.example', action: 'lead' }), { to: strict })).response.status, 201);
    const other = await sendLead(await issue({ action: 'newsletter' }), { to: strict });
    assertRefused(other.response, /another form/);
    assert.deepEqual(await inIntercom(other.email), { contacts: 0, conversations: 0 });
  });

  test('siteverify answering 503 fails closed: 422, nothing reaches Intercom', async () => {
    await hook('/turnstile/_emulator/faults', { status: 503 });
    const { response, email } = await sendLead(await issue());
    assertRefused(response, /could not be verified just now/);
    assert.deepEqual(await inIntercom(email), { contacts: 0, conversations: 0 });
  });

  test('siteverify dropping the connection fails closed: 422', async () => {
    await hook('/turnstile/_emulator/faults', { drop: true });
    const { response, email } = await sendLead(await issue());
    assertRefused(response, /could not be verified just now/);
    assert.deepEqual(await inIntercom(email), { contacts: 0, conversations: 0 });
  });

  test('siteverify slower than timeoutMs fails closed: 422', async () => {
    const hasty = await startProxy({ turnstile: { secret: EMULATOR_TURNSTILE_SECRET, verifyUrl: verifyUrl(), timeoutMs: 100 } });
    await hook('/turnstile/_emulator/faults', { delayMs: 3_000 });
    const { response, email } = await sendLead(await issue(), { to: hasty });
    assertRefused(response, /could not be verified just now/);
    assert.ok(logs.some((line) => line.status === 422 && line.captchaFailed === 'timeout'));
    assert.deepEqual(await inIntercom(email), { contacts: 0, conversations: 0 });
  });

  test('a siteverify that does not know the secret is 422 with a sentence that names no secret', async () => {
    const wrong = await startProxy({ turnstile: { secret: '0x4AAAAAAAnotTheSecretOfThisWidget', verifyUrl: verifyUrl() } });
    const { response } = await sendLead(await issue(), { to: wrong });
    assertRefused(response, /problem on our side/);
    assert.ok(!response.text.includes('0x4AAAAAAAnotTheSecretOfThisWidget'));
    assert.ok(logs.some((line) => line.captchaFailed === 'misconfigured'));
  });

  test('a resend with the same Idempotency-Key after a 201 is not challenged again: same answer, no new siteverify call', async () => {
    const key = randomUUID();
    const email = `ada.resend.${randomUUID().slice(0, 8)}@example.com`;
    const token = await issue();
    const first = await sendLead(token, { key, email });
    assert.equal(first.response.status, 201, first.response.text);
    const calls = await verificationCount();
    // The spent token again, and no token at all: both replay the 201.
    for (const resend of [token, undefined]) {
      const again = await sendLead(resend, { key, email });
      assert.equal(again.response.status, 201, again.response.text);
      assert.equal(again.response.headers['idempotent-replayed'], 'true');
      assert.equal(again.response.json.leadToken, first.response.json.leadToken);
    }
    assert.equal(await verificationCount(), calls, 'no siteverify call for a resend');
    assert.deepEqual(await inIntercom(email), { contacts: 1, conversations: 1 });
  });

  test('a resend with the same Idempotency-Key after a 202 (queued) is not challenged again', async () => {
    // Intercom's window is spent for longer than the proxy waits inline (rateWaitMs 0): the submission is queued.
    await hook('/_emulator/faults', { route: 'POST /contacts', status: 429, times: 1 });
    const key = randomUUID();
    const email = `ada.queued.${randomUUID().slice(0, 8)}@example.com`;
    const token = await issue();
    const first = await sendLead(token, { key, email });
    assert.equal(first.response.status, 202, first.response.text);
    const calls = await verificationCount();
    for (const resend of [token, undefined]) {
      const again = await sendLead(resend, { key, email });
      assert.equal(again.response.status, 202, again.response.text);
      assert.equal(again.response.json.leadToken, first.response.json.leadToken);
    }
    assert.equal(await verificationCount(), calls, 'no siteverify call for a resend');
  });

  test('the same submission sent again before it was answered, with its token, is verified again and passes', async () => {
    // A first attempt whose answer was lost before the proxy stored one (here: Intercom refused it outright, 400)
    // leaves no answer; the widget resends with the same key and the same token.
    const key = randomUUID();
    const email = `ada.lost.${randomUUID().slice(0, 8)}@example.com`;
    const token = await issue();
    await hook('/_emulator/faults', { route: 'POST /contacts', status: 400, times: 1 });
    const first = await sendLead(token, { key, email });
    assert.notEqual(first.response.status, 201, first.response.text);
    const again = await sendLead(token, { key, email });
    assert.equal(again.response.status, 201, again.response.text);
    // Another submission with that token is still a replay.
    assertRefused((await sendLead(token)).response, /already used or has expired/);
  });
});

describe('a form posted without JavaScript to a proxy with Turnstile', () => {
  async function postForm(fields: Record<string, string>): Promise<CapturedResponse> {
    return capture(
      await fetch(`${proxy.url}/leads`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: SITE, referer: `${SITE}/contact` },
        body: new URLSearchParams(fields).toString(),
        redirect: 'manual',
      }),
    );
  }
  const form = (overrides: Record<string, string> = {}) => ({
    name: 'Grace <b>Hopper</b>',
    email: `grace.${randomUUID().slice(0, 8)}@example.com`,
    phone: '+44 20 7946 0958',
    message: 'Please call me back about the compiler.\nSecond line.',
    hp: '',
    locale: 'en',
    ...overrides,
  });

  test('cannot pass: a 422 page says to turn JavaScript on or use another way, and hands back everything typed', async () => {
    const fields = form();
    const response = await postForm(fields);
    assert.equal(response.status, 422, response.text);
    assert.match(response.headers['content-type'] ?? '', /^text\/html/);
    assert.match(response.text, /data-code="captcha_failed"/);
    assert.match(response.text, /needs JavaScript\. Turn JavaScript on, or contact us another way\./);
    assert.match(response.text, /What you entered, so you can send it another way:/);
    assert.ok(response.text.includes('Grace &lt;b&gt;Hopper&lt;/b&gt;'), 'the name, escaped');
    assert.ok(response.text.includes(fields.email));
    assert.ok(response.text.includes('+44 20 7946 0958'));
    assert.ok(response.text.includes('Please call me back about the compiler.\nSecond line.'), 'the message, for copying');
    assert.match(response.text, new RegExp(`href="${SITE}/contact"`), 'a way back to the page');
    assert.deepEqual(await inIntercom(fields.email), { contacts: 0, conversations: 0 });
  });

  test('the page is in the form’s language (de, es, fr, ar right-to-left)', async () => {
    const expected: Record<string, RegExp> = {
      de: /Schalten Sie JavaScript ein[\s\S]*Ihre Angaben, damit Sie sie auf anderem Weg senden können/,
      es: /Active JavaScript[\s\S]*Lo que escribió/,
      fr: /Activez JavaScript[\s\S]*Ce que vous avez saisi/,
      ar: /فعّل JavaScript[\s\S]*ما أدخلته/,
    };
    for (const [locale, sentence] of Object.entries(expected)) {
      const response = await postForm(form({ locale }));
      assert.equal(response.status, 422);
      assert.match(response.text, sentence, locale);
      assert.match(response.text, new RegExp(`<html lang="${locale}" dir="${locale === 'ar' ? 'rtl' : 'ltr'}">`));
    }
  });
});

describe('refused at start', () => {
  const base = { intercom: { accessToken: ACCESS_TOKEN, baseUrl: 'http://127.0.0.1:9' }, secret: SECRET, testing: { setupDataAttributes: false, queuePollMs: 0 }, origins: { allowed: [SITE] } };

  test('turnstile and the verifyCaptcha hook together: one captcha', () => {
    assert.throws(
      () => createProxy({ ...base, turnstile: { secret: EMULATOR_TURNSTILE_SECRET }, verifyCaptcha: async () => true }),
      (error: unknown) => error instanceof ConfigError && /`turnstile`.*`verifyCaptcha`/.test(error.message) && !error.message.includes(EMULATOR_TURNSTILE_SECRET),
    );
  });

  test('an empty secret, a verify URL that is not http(s), or no host a token could be solved on', () => {
    const cases: [Partial<ProxyOptions>, RegExp][] = [
      [{ turnstile: { secret: ' ' } }, /turnstile\.secret.*is missing/],
      [{ turnstile: { secret: EMULATOR_TURNSTILE_SECRET, verifyUrl: 'ftp://siteverify.example' } }, /turnstile\.verifyUrl/],
      [{ turnstile: { secret: EMULATOR_TURNSTILE_SECRET }, origins: { allowed: ['*'] } }, /needs the host names/],
      [{ turnstile: { secret: EMULATOR_TURNSTILE_SECRET }, origins: { allowed: [] } }, /needs the host names/],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => createProxy(mergeOptions(base, options)), (error: unknown) => error instanceof ConfigError && message.test(error.message), String(message));
    }
  });
});
