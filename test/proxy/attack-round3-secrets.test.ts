// Guessable secrets and rotation, as an attacker and an operator meet them.
//
// Every visitor receives a lead token signed with LEADRELAY_SECRET: with a guessable secret, one token is enough to
// find it offline and forge tokens into anyone's conversation. The proxy refuses such secrets (and guessable
// identity and JWT secrets) at construction; a rotated secret still verifies the tokens it signed, and only those.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type ProxyOptions, createProxy, ConfigError, estimateSecretBits, MemoryStore } from '../../src/proxy/app.js';
import { signLeadToken, verifyLeadToken } from '../../src/proxy/guards/lead-token.js';
import { findLeadBySubmission } from '../../src/proxy/delivery/lead-steps.js';
import { ACCESS_TOKEN, SECRET, buildLead, startInProcessStack, testIntercomClient, testProxyOptions, testSecret, type Stack, mergeOptions } from './harness.js';
import { ANSWERS, EVERY_TYPE, INLINE, setupDone } from './questions-fixture.js';
import { serveInProcess, type InProcessProxy } from './in-process.js';

/** What an attacker tries first: short words, defaults, a repeated character, a phrase of common words. */
const GUESSABLE = [
  'changeme',
  'hunter2',
  'a'.repeat(40),
  'correct horse battery staple correct horse',
  'leadrelay-lead-token-secret-for-production',
  'passwordpasswordpassword1234567890',
  '0123456789abcdef0123456789abcdef0123456789abcdef',
  'abcdefghijklmnopqrstuvwxyz0123456789',
];

const SETTINGS = [
  { option: 'secret', variable: 'LEADRELAY_SECRET' },
  { option: 'identity.secret', variable: 'LEADRELAY_IDENTITY_SECRET' },
  { option: 'identity.jwtSecret', variable: 'LEADRELAY_JWT_SECRET' },
  { option: 'previousSecrets', variable: 'LEADRELAY_PREVIOUS_SECRETS' },
] as const;

/** createProxy with these options, closed at once; rejects with what createProxy threw. */
async function construct(options: Record<string, unknown>): Promise<void> {
  const base = { intercom: { accessToken: ACCESS_TOKEN, baseUrl: 'http://127.0.0.1:9' }, secret: SECRET, testing: { setupDataAttributes: false, queuePollMs: 0 } };
  const proxy = createProxy(mergeOptions(base, options as Partial<ProxyOptions>));
  await proxy.close();
}

describe('a guessable secret', () => {
  test('with secret "changeme" a token is forged offline from one the proxy handed out: such a proxy no longer starts', async () => {
    // The attack the refusal prevents, shown on the token alone: one honest token, a guess list, a forgery.
    const honest = await signLeadToken({ contactId: 'attacker', submissionId: 'a' }, 'changeme');
    const [header, payload, signature] = honest.split('.');
    const found = GUESSABLE.find((guess) => createHmac('sha256', guess).update(`${header}.${payload}`).digest('base64url') === signature);
    assert.equal(found, 'changeme', 'the guess list finds the secret offline');
    const forged = await signLeadToken({ contactId: 'victim', conversationId: '1', submissionId: 'b' }, found);
    assert.equal((await verifyLeadToken(forged, 'changeme')).contactId, 'victim');
    // So the proxy never runs with it.
    await assert.rejects(construct({ secret: 'changeme' }), ConfigError);
  });

  for (const { option, variable } of SETTINGS) {
    test(`\`${option}\` refuses every guessable value, naming ${variable}, why, and \`openssl rand -hex 32\`, never the value`, async () => {
      for (const weak of GUESSABLE) {
        const value = option === 'previousSecrets' ? [weak] : weak;
        const [group, leaf] = option.split('.');
        await assert.rejects(construct(leaf ? { [group!]: { [leaf]: value } } : { [option]: value }), (error: unknown) => {
          assert.ok(error instanceof ConfigError, `${option} = ${weak}: ${String(error)}`);
          assert.match(error.message, new RegExp(`\`${option.replace('.', '\\.')}\` \\(${variable}`), weak);
          assert.match(error.message, /too short|too easy to guess/);
          assert.match(error.message, /`openssl rand -hex 32`/);
          assert.ok(!error.message.includes(weak), `the value is not printed: ${error.message}`);
          return true;
        });
      }
    });
  }

  test('a secret under 32 characters is refused for its length alone, however random it looks', async () => {
    // 31 distinct characters, no runs: the estimate alone would pass it.
    const short = 'q7X!m2Rz#9kLp$4Tw&8Hn@5Vd*3Jf%6';
    assert.equal([...short].length, 31);
    assert.ok(estimateSecretBits(short) >= 128, `the estimate passes it (${estimateSecretBits(short)} bits)`);
    for (const options of [{ secret: short }, { identity: { secret: short } }, { identity: { jwtSecret: short } }, { previousSecrets: [short] }]) {
      await assert.rejects(construct(options), (error: unknown) => error instanceof ConfigError && /is too short: 31 characters/.test(error.message));
    }
    await construct({ secret: `${short}Y` });
  });

  test('`openssl rand -hex 32` passes, for every secret at once', async () => {
    const fresh = () => execFileSync('openssl', ['rand', '-hex', '32'], { encoding: 'utf8' }).trim();
    const [secret, identitySecret, jwtSecret, previous] = [fresh(), fresh(), fresh(), fresh()];
    assert.match(secret, /^[0-9a-f]{64}$/);
    await construct({ secret, identity: { secret: identitySecret, jwtSecret }, previousSecrets: [previous] });
  });

  test('the estimate: about 4 bits per random hex digit, 12.9 per distinct word, nothing for repetition', () => {
    let lowest = Infinity;
    for (let i = 0; i < 200; i += 1) lowest = Math.min(lowest, estimateSecretBits(randomBytes(32).toString('hex')));
    assert.ok(lowest >= 160, `64 random hex digits estimate at least 160 bits (lowest ${lowest})`);
    assert.equal(estimateSecretBits('correct horse battery staple correct horse'), Math.floor(4 * Math.log2(7776)));
    assert.equal(estimateSecretBits('a'.repeat(40)), 0);
    assert.equal(estimateSecretBits('abc'.repeat(20)), estimateSecretBits('abc'));
  });

  test('one value for two secrets names both settings and the fix (it used to be a bare Error)', async () => {
    const shared = testSecret('shared');
    await assert.rejects(construct({ identity: { secret: shared, jwtSecret: shared } }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /`identity\.secret` \(LEADRELAY_IDENTITY_SECRET\) and `identity\.jwtSecret` \(LEADRELAY_JWT_SECRET\)/);
      assert.match(error.message, /openssl rand -hex 32/);
      assert.ok(!error.message.includes(shared));
      return true;
    });
    await assert.rejects(construct({ previousSecrets: [SECRET] }), /`secret` \(LEADRELAY_SECRET\) and `previousSecrets`/);
  });

  test('every createProxy setting error is a ConfigError naming the option and its variable', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ intercom: { accessToken: '' } }, /`intercom\.accessToken` \(INTERCOM_ACCESS_TOKEN\) is missing\. Set it/],
      [{ secret: '' }, /`secret` \(LEADRELAY_SECRET\) is missing.*openssl rand -hex 32/],
      [{ intercom: { region: 'mars' } }, /`intercom\.region` \(INTERCOM_REGION\).*us, eu or au/],
      [{ clients: { rateLimit: -1 } }, /`clients\.rateLimit` \(LEADRELAY_RATE_LIMIT\)/],
      [{ clients: { ipv6Prefix: 129 } }, /`clients\.ipv6Prefix` \(LEADRELAY_IPV6_PREFIX\).*1 to 128/],
      [{ origins: { publicUrl: 'www.example.com' } }, /`origins\.publicUrl` \(LEADRELAY_PUBLIC_URL\).*https:\/\/www\.example\.com\/api\/leadrelay/],
    ];
    for (const [options, message] of cases) {
      await assert.rejects(construct(options), (error: unknown) => error instanceof ConfigError && message.test(error.message) && !error.message.includes(ACCESS_TOKEN));
    }
  });
});

describe('rotating LEADRELAY_SECRET', () => {
  let stack: Stack;
  let rotated: InProcessProxy;
  const NEXT = testSecret('next-lead-token-secret');
  const rotatedLogs: Record<string, unknown>[] = [];

  before(async () => {
    stack = await startInProcessStack();
    // The same Intercom, a new instance after the rotation: the old secret is only a previous one.
    rotated = serveInProcess({
      port: 0,
      intercom: { accessToken: ACCESS_TOKEN, baseUrl: stack.emulator.url },
      secret: NEXT,
      previousSecrets: [SECRET],
      clients: { rateLimit: 0 },
      testing: { setupDataAttributes: false, queuePollMs: 0 },
      logger: (line) => rotatedLogs.push(line),
    });
  });
  after(async () => {
    await rotated.close();
    await stack.close();
  });

  const message = (leadToken: string) =>
    rotated.request('/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ leadToken, body: 'Still there?' }) });

  test('a lead token signed before the rotation still posts into its conversation; new tokens are signed with the new secret only', async () => {
    const created = await stack.post('/leads', buildLead());
    assert.equal(created.status, 201);
    const answer = await message(created.json.leadToken);
    assert.equal(answer.status, 201, await answer.clone().text());
    assert.deepEqual(await answer.json(), { conversationId: created.json.conversationId });

    const fresh = await rotated.request('/leads', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
      body: JSON.stringify(buildLead({ email: 'after-rotation@example.com' })),
    });
    assert.equal(fresh.status, 201);
    const { leadToken } = (await fresh.json()) as { leadToken: string };
    assert.equal((await verifyLeadToken(leadToken, NEXT)).conversationId !== undefined, true);
    await assert.rejects(verifyLeadToken(leadToken, SECRET), 'not signed with the previous secret');
  });

  test('a token signed with any other secret is still refused 401 invalid_lead_token', async () => {
    const created = await stack.post('/leads', buildLead({ email: 'victim@example.com' }));
    const claims = JSON.parse(Buffer.from(created.json.leadToken.split('.')[1], 'base64url').toString()) as { sub: string; sid: string };
    for (const secret of [randomBytes(32).toString('hex'), 'changeme']) {
      const forged = await signLeadToken({ contactId: claims.sub, conversationId: created.json.conversationId, submissionId: claims.sid }, secret);
      const answer = await message(forged);
      assert.equal(answer.status, 401);
      assert.equal(((await answer.json()) as { error: { code: string } }).error.code, 'invalid_lead_token');
    }
  });

  test('a lead keyed under the previous secret is still found by its submission reference', async () => {
    const key = crypto.randomUUID();
    const created = await stack.post('/leads', buildLead({ email: 'reference@example.com' }), { key });
    assert.equal(created.status, 201);
    const client = testIntercomClient(stack.emulator.url);
    const contactId = JSON.parse(Buffer.from(created.json.leadToken.split('.')[1], 'base64url').toString()).sub as string;
    assert.equal(await findLeadBySubmission(client, [NEXT, SECRET], key), contactId);
    assert.equal(await findLeadBySubmission(client, [NEXT], key), undefined, 'the new secret alone does not find it');
  });

  test('a token handed out while its lead was queued, before the rotation, still finds its delivered lead by the reference under the previous secret', async () => {
    // The old instance queued the submission and handed out a token naming only its submission; the lead was then
    // delivered under the old secret. The new instance has no record of it (another store), so only Intercom can tell.
    const key = crypto.randomUUID();
    const created = await stack.post('/leads', buildLead({ email: 'queued-before-rotation@example.com' }), { key });
    assert.equal(created.status, 201);
    const pendingToken = await signLeadToken({ submissionId: key }, SECRET);
    const answer = await message(pendingToken);
    assert.equal(answer.status, 201, await answer.clone().text());
    assert.deepEqual(await answer.json(), { conversationId: created.json.conversationId });
  });

  test('no previous secret appears in a log line', () => {
    assert.ok(rotatedLogs.length > 0);
    for (const line of rotatedLogs) assert.ok(!JSON.stringify(line).includes(SECRET) && !JSON.stringify(line).includes(NEXT));
  });
});

describe('rotating LEADRELAY_SECRET with a company question', () => {
  let stack: Stack;
  let rotated: InProcessProxy;
  const NEXT = testSecret('next-company-secret');

  before(async () => {
    stack = await startInProcessStack({ questions: EVERY_TYPE, ...INLINE });
    await setupDone(stack);
    // The same Intercom, a new instance after the rotation: company ids the old secret derived are still its own.
    rotated = serveInProcess(
      mergeOptions(testProxyOptions(stack.emulator.url, []), { port: 0, secret: NEXT, previousSecrets: [SECRET], questions: EVERY_TYPE, testing: { setupDataAttributes: false }, ...INLINE }),
    );
  });
  after(async () => {
    await rotated.close();
    await stack.close();
  });

  test('a company the proxy made before the rotation is found under its old id and reused, never made twice', async () => {
    const before = await stack.post('/leads', buildLead({ email: 'first@acme.example', answers: ANSWERS }));
    assert.equal(before.status, 201, before.text);
    const after = await rotated.request('/leads', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
      body: JSON.stringify(buildLead({ email: 'second@acme.example', answers: ANSWERS })),
    });
    assert.equal(after.status, 201, await after.clone().text());
    const { companies } = (await stack.emulatorState()) as unknown as { companies: { company_id: string; user_count: number }[] };
    // Before: a second company, the same name under the new secret's id.
    assert.equal(companies.length, 1, JSON.stringify(companies));
    assert.equal(companies[0]!.user_count, 2);
  });
});

describe('rotating LEADRELAY_SECRET while a delivery is unfinished', () => {
  // Two instances share one store: the old one created a lead whose answer was lost (503 after commit), the new one,
  // started after the rotation, finishes the submission when the visitor sends it again.
  const store = new MemoryStore();
  let stack: Stack;
  let rotated: InProcessProxy;
  const NEXT = testSecret('next-secret-unfinished');

  before(async () => {
    stack = await startInProcessStack({ store, delivery: { recoveryWaitMs: 0 }, intercom: { maxRetries: 0 } });
    rotated = serveInProcess(
      mergeOptions(testProxyOptions(stack.emulator.url, []), {
        port: 0,
        store,
        secret: NEXT,
        previousSecrets: [SECRET],
        delivery: { recoveryLagMs: 200 },
        testing: { setupDataAttributes: false, queuePollMs: 0 },
      }),
    );
  });
  after(async () => {
    await rotated.close();
    await stack.close();
    await store.close();
  });

  test('the new instance finds the lead the old one made, by its reference under the previous secret, and makes no second one', async () => {
    await stack.addFault({ route: 'POST /contacts', status: 503, afterCommit: true, times: 1 });
    const key = crypto.randomUUID();
    const body = buildLead({ email: 'unfinished-at-rotation@example.com' });
    const first = await stack.post('/leads', body, { key });
    assert.ok(first.status >= 500, `the old instance could not finish: ${first.status} ${first.text}`);

    const again = await rotated.request('/leads', { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(body) });
    assert.equal(again.status, 201, await again.clone().text());
    const { contacts, conversations } = await stack.emulatorState();
    const leads = contacts.filter((contact: { email?: string }) => contact.email === 'unfinished-at-rotation@example.com');
    // Before: the new instance searched under its own secret only, found nothing and created a second lead.
    assert.equal(leads.length, 1, JSON.stringify(leads.map((lead: { id: string }) => lead.id)));
    assert.equal(conversations.filter((conversation: { contacts: { contacts: { id: string }[] } }) => conversation.contacts.contacts[0]?.id === leads[0].id).length, 1);
  });
});
