// Attacks on the proxy's HTTP surface, round three: a form post of thousands of empty field names, Origin headers no
// browser sends, /metrics labels made from signed-in users' ids, and the proxy's pages shown in another site's frame.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { MAX_FORM_FIELDS } from '../../src/proxy/guards/request-body.js';
import { INTERCOM_ENDPOINTS, OTHER_ENDPOINT } from '../../src/proxy/metrics.js';
import { MAX_LISTED_PROBLEMS } from '../../src/proxy/routes/form-pages.js';
import { apiCalls, buildLead, startInProcessStack, type CapturedResponse, type Stack } from './harness.js';

const SITE = 'https://shop.example';
const METRICS_TOKEN = `metrics-${randomUUID()}`;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** `count` distinct empty field names, shortest first (`a&b&…&aa&ab&…`), as one urlencoded body. */
function emptyFieldNames(count: number): string {
  const names: string[] = [];
  for (let length = 1; names.length < count; length += 1) {
    for (let index = 0; index < NAME_CHARS.length ** length && names.length < count; index += 1) {
      let name = '';
      for (let rest = index, place = 0; place < length; place += 1, rest = Math.floor(rest / NAME_CHARS.length)) name += NAME_CHARS[rest % NAME_CHARS.length];
      names.push(name);
    }
  }
  return names.join('&');
}

/** The form's own fields, valid, so that only what the test adds is wrong. */
function validForm(): Record<string, string> {
  return { name: 'Ada Lovelace', email: `ada.${randomUUID().slice(0, 8)}@example.com`, message: 'A demo, please.', hp: '', locale: 'en' };
}

function assertFramingRefused(response: CapturedResponse): void {
  assert.match(response.headers['content-type'] ?? '', /^text\/html/);
  const policy = response.headers['content-security-policy'] ?? '';
  assert.match(policy, /(^|;)\s*frame-ancestors 'none'\s*(;|$)/, `CSP ${policy}`);
  assert.equal(response.headers['x-frame-options'], 'DENY');
}

describe('a form post made to stall the proxy', () => {
  let stack: Stack;
  let client = 0;
  before(async () => {
    stack = await startInProcessStack({ origins: { allowed: [SITE] }, clients: { clientIp: (request) => request.headers.get('x-test-client') ?? undefined } });
  });
  after(() => stack.close());

  const postForm = (body: string) =>
    stack.send('/leads', { method: 'POST', headers: { ...FORM, origin: SITE, 'x-test-client': `flood-${(client += 1)}` }, body, redirect: 'manual' });

  test('32 KB of 9,000 distinct empty field names is refused by its field count with a small page, and reaches no Intercom', async () => {
    const body = emptyFieldNames(9_166);
    const fieldCount = new Set(body.split('&')).size;
    assert.ok(fieldCount === 9_166 && Buffer.byteLength(body) <= 32 * 1024, `${fieldCount} fields in ${body.length} bytes`);

    const response = await postForm(body);
    assert.equal(response.status, 413, response.text.slice(0, 500));
    assert.match(response.text, /<main data-code="body_too_large">/);
    // The page says what to do, and names none of the thousands of fields (it was 1.4 MB listing every one).
    assert.ok(response.text.length < 4_000, `a ${response.text.length}-character page`);
    assert.doesNotMatch(response.text, /data-field=/);
    assertFramingRefused(response);
    const refused = stack.logs.find((line) => line.route === '/leads' && line.status === 413);
    assert.equal(refused?.code, 'body_too_large');
    assert.deepEqual(apiCalls(await stack.emulatorRequests()), []);
  });

  test(`one field more than ${MAX_FORM_FIELDS}, the form's own included, is refused; ${MAX_FORM_FIELDS} are read and judged`, async () => {
    const own = new URLSearchParams(validForm()).toString();
    const ownCount = own.split('&').length;
    const over = await postForm(`${own}&${emptyFieldNames(MAX_FORM_FIELDS + 1 - ownCount)}`);
    assert.equal(over.status, 413);
    assert.match(over.text, /<main data-code="body_too_large">/);
    // A name sent many times counts every time.
    const repeated = await postForm(`${own}&${Array.from({ length: MAX_FORM_FIELDS }, () => 'x=').join('&')}`);
    assert.equal(repeated.status, 413);

    const atCap = await postForm(`${own}&${emptyFieldNames(MAX_FORM_FIELDS - ownCount)}`);
    assert.equal(atCap.status, 400, 'read, then refused field by field');
    assert.match(atCap.text, /<main data-code="invalid_field">/);
  });

  test(`the refusal page lists at most ${MAX_LISTED_PROBLEMS} problems, the visitor's own fields first, and says there are more`, async () => {
    const unknown = emptyFieldNames(40);
    const response = await postForm(`${new URLSearchParams({ ...validForm(), email: 'not-an-email' })}&${unknown}`);
    assert.equal(response.status, 400);
    const listed = [...response.text.matchAll(/<li data-field="([^"]*)" data-code="([^"]*)"/g)].map((match) => [match[1], match[2]]);
    assert.equal(listed.length, MAX_LISTED_PROBLEMS);
    assert.deepEqual(listed[0], ['email', 'invalid_email'], 'the field the visitor can fix comes first');
    assert.match(response.text, new RegExp(`data-more="${40 - (MAX_LISTED_PROBLEMS - 1)}"`));
    assert.match(response.text, /Other fields were not accepted either\./);
  });

  test('a field name of thousands of characters is not echoed whole', async () => {
    const long = 'n'.repeat(20_000);
    const response = await postForm(`${new URLSearchParams(validForm())}&${long}=`);
    assert.equal(response.status, 400);
    assert.match(response.text, /data-code="unknown_field"/);
    assert.ok(!response.text.includes('n'.repeat(200)), 'the name is cut');
    assert.ok(response.text.length < 4_000, `a ${response.text.length}-character page`);
  });
});

describe('an Origin header no browser sends', () => {
  // Each one used to reach a `new URL(origin)` that threw: 500 on every route.
  const MALFORMED = ['http://[::1', 'http://a b', 'https://x:99999', 'nullx', 'NULL', 'null null', '://', 'https://', 'http://%zz', 'https://shop.example/path'];

  for (const allowedOrigins of [[SITE], ['*']]) {
    describe(`with allowedOrigins ${JSON.stringify(allowedOrigins)}`, () => {
      let stack: Stack;
      before(async () => {
        stack = await startInProcessStack({ origins: { allowed: allowedOrigins }, metrics: { token: METRICS_TOKEN } });
      });
      after(() => stack.close());

      test('answers 403 origin_not_allowed on every route and method, never 500, and reaches no Intercom', async () => {
        const requests: [string, RequestInit][] = [
          ['/health/live', { method: 'GET' }],
          ['/health/ready', { method: 'GET' }],
          ['/metrics', { method: 'GET', headers: { authorization: `Bearer ${METRICS_TOKEN}` } }],
          ['/leads', { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() }, body: JSON.stringify(buildLead()) }],
          ['/leads', { method: 'OPTIONS', headers: { 'access-control-request-method': 'POST' } }],
          ['/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ leadToken: 'x'.repeat(40), body: 'hi' }) }],
          ['/convert', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identity: { userId: 'u-1' } }) }],
          ['/no-such-route', { method: 'GET' }],
        ];
        for (const origin of MALFORMED) {
          for (const [path, init] of requests) {
            const response = await stack.send(path, { ...init, headers: { ...(init.headers as Record<string, string>), origin } });
            const label = `${init.method} ${path} with Origin ${JSON.stringify(origin)}`;
            assert.equal(response.status, 403, `${label}: ${response.text}`);
            assert.equal(response.json.error.code, 'origin_not_allowed', label);
            assert.equal(typeof response.json.error.message, 'string');
            assert.equal(response.headers['access-control-allow-origin'], undefined, `${label}: the header is not echoed back`);
          }
          const form = await stack.send('/leads', { method: 'POST', headers: { ...FORM, origin }, body: new URLSearchParams(validForm()).toString() });
          assert.equal(form.status, 403, `form post with Origin ${JSON.stringify(origin)}`);
          assert.match(form.text, /<main data-code="origin_not_allowed">/);
        }
        assert.equal(stack.logs.filter((line) => line.status === 500 || line.code === 'internal_error').length, 0);
        assert.deepEqual(apiCalls(await stack.emulatorRequests()), []);
      });

      test('the refusal log says the header was not written by a browser', () => {
        const line = stack.logs.find((entry) => entry.event === 'origin_refused' && entry.origin === 'http://[::1');
        assert.match(String(line?.hint), /not one a browser sends/);
      });

      test('a well-formed origin is still judged by the list', async () => {
        const allowed = await stack.post('/leads', buildLead(), { headers: { origin: SITE } });
        assert.equal(allowed.status, 201, allowed.text);
        const other = await stack.post('/leads', buildLead(), { headers: { origin: 'https://other.example' } });
        assert.equal(other.status, allowedOrigins.includes('*') ? 201 : 403);
      });
    });
  }
});

/** Every label value of every sample in a Prometheus text, and the series (name and labels) it holds. */
function parseMetrics(text: string): { series: Set<string>; values: string[] } {
  const series = new Set<string>();
  const values: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    series.add(line.slice(0, line.lastIndexOf(' ')));
    const labels = /\{(.*)\}/.exec(line)?.[1] ?? '';
    for (const match of labels.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) values.push(`${match[1]}=${match[2]}`);
  }
  return { series, values };
}

describe('/metrics labels as users sign in', () => {
  let stack: Stack;
  before(async () => {
    stack = await startInProcessStack({
      origins: { allowed: [SITE] },
      metrics: { token: METRICS_TOKEN },
      // The site's session check: whoever the test says is signed in, with an id that is an email, as some sites do.
      identity: {
        authenticate: async (request) => {
        const user = request.headers.get('x-test-user');
        return user ? { userId: user, email: user } : null;
      },
      },
    });
  });
  after(() => stack.close());

  const scrape = async () => {
    const answer = await stack.send('/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(answer.status, 200);
    return parseMetrics(answer.text);
  };

  /** A visitor writes in, follows up, then signs in: every call the proxy makes for a user. */
  async function visitAndSignIn(user: string): Promise<void> {
    const lead = await stack.post('/leads', buildLead({ email: `lead.${user}` }), { headers: { origin: SITE } });
    assert.equal(lead.status, 201, lead.text);
    const reply = await stack.post('/messages', { leadToken: lead.json.leadToken, body: 'Any news?' }, { key: null, headers: { origin: SITE } });
    assert.ok(reply.status === 200 || reply.status === 201, reply.text);
    const converted = await stack.post('/convert', { leadToken: lead.json.leadToken }, { key: null, headers: { origin: SITE, 'x-test-user': user } });
    assert.equal(converted.status, 200, converted.text);
    // Signing in again finds the user by its external id.
    const again = await stack.post('/convert', {}, { key: null, headers: { origin: SITE, 'x-test-user': user } });
    assert.ok(again.status < 500, again.text);
  }

  test('no label holds a user id, an email or an Intercom id, and the series do not grow per user', async () => {
    const users = Array.from({ length: 8 }, (_, index) => `jane.doe.${index}.${randomUUID().slice(0, 6)}@corp.example`);
    await scrape(); // a scrape is itself counted: the first one adds its own series
    for (const user of users.slice(0, 3)) await visitAndSignIn(user);
    const first = await scrape();
    for (const user of users.slice(3)) await visitAndSignIn(user);
    const second = await scrape();

    const state = await stack.emulatorState();
    const secrets = [
      ...users.flatMap((user) => [user, encodeURIComponent(user), user.split('@')[0]!, `lead.${user}`]),
      ...state.contacts.map((contact) => contact.id as string),
      ...state.conversations.map((conversation) => String(conversation.id)),
    ];
    for (const value of second.values) {
      for (const secret of secrets) assert.ok(!value.includes(secret), `label ${value} holds ${secret}`);
    }
    assert.ok(second.values.includes('endpoint=GET /contacts/find_by_external_id/{id}'), 'the sign-in lookup is counted by its route template');
    const endpoints = new Set(second.values.filter((value) => value.startsWith('endpoint=')).map((value) => value.slice('endpoint='.length)));
    for (const endpoint of endpoints) {
      assert.ok([...INTERCOM_ENDPOINTS, OTHER_ENDPOINT].includes(endpoint as never), `endpoint ${endpoint} is from the fixed set`);
    }
    assert.ok(!endpoints.has(OTHER_ENDPOINT), 'every call the flow makes has its template');
    assert.deepEqual([...second.series].sort(), [...first.series].sort(), 'five more users added no series');
  });
});

describe("the proxy's pages in another site's frame", () => {
  let stack: Stack;
  let client = 0;
  before(async () => {
    stack = await startInProcessStack({ origins: { allowed: [SITE] }, clients: { rateLimit: 1, clientIp: (request) => request.headers.get('x-test-client') ?? undefined } });
  });
  after(() => stack.close());

  const post = (body: string, headers: Record<string, string> = {}) =>
    stack.send('/leads', { method: 'POST', headers: { ...FORM, origin: SITE, 'x-test-client': `frame-${(client += 1)}`, ...headers }, body, redirect: 'manual' });

  test('every page (thank-you, field refusal, origin refusal, size, media type, rate limit) forbids framing', async () => {
    const pages = [
      [201, await post(new URLSearchParams(validForm()).toString())],
      [400, await post(new URLSearchParams({ ...validForm(), email: 'nope' }).toString())],
      [403, await post(new URLSearchParams(validForm()).toString(), { origin: 'https://evil.example' })],
      [413, await post(emptyFieldNames(MAX_FORM_FIELDS + 1))],
      [415, await post('--x\r\n', { 'content-type': 'multipart/form-data; boundary=x' })],
    ] as const;
    const limited = `frame-limited-${randomUUID()}`;
    await post(new URLSearchParams(validForm()).toString(), { 'x-test-client': limited });
    const rateLimited = await post(new URLSearchParams(validForm()).toString(), { 'x-test-client': limited });
    for (const [status, response] of [...pages, [429, rateLimited] as const]) {
      assert.equal(response.status, status, response.text.slice(0, 300));
      assertFramingRefused(response);
    }
  });
});
