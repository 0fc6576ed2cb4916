// The mounting examples in examples/ (Express, plain Node, a Next.js route handler) run against the emulator over HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { ACCESS_TOKEN, SECRET, buildLead } from '../proxy/harness.js';
import { ROOT } from '../support/root.js';

// The examples import `leadrelay/proxy`, the package's published entry (dist/, from `npm run build`).
const ORIGIN = 'https://www.example.com';
const root = ROOT;

function proxyOptions(emulator: RunningEmulator) {
  return { intercom: { accessToken: ACCESS_TOKEN, baseUrl: emulator.url }, secret: SECRET, origins: { allowed: [ORIGIN] }, clients: { rateLimit: 5 } };
}

/** A submission as the widget sends it from the site's page. */
function postLead(url: string, email: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN, 'idempotency-key': randomUUID(), ...headers },
    body: JSON.stringify(buildLead({ email })),
  });
}

async function leadEmails(emulator: RunningEmulator): Promise<string[]> {
  const state = (await (await fetch(`${emulator.url}/_emulator/state`)).json()) as { contacts: { role: string; email: string }[] };
  return state.contacts.filter((contact) => contact.role === 'lead').map((contact) => contact.email);
}

test('Express: a lead posted to /api/leadrelay/leads reaches Intercom, and the app keeps its own routes', async () => {
  const { startExpressApp } = await import('../../examples/express.js');
  const emulator = await startEmulator({ port: 0 });
  const app = await startExpressApp(proxyOptions(emulator), 0);
  try {
    const response = await postLead(`${app.url}/api/leadrelay/leads`, 'express@example.com');
    assert.equal(response.status, 201, await response.clone().text());
    assert.equal(response.headers.get('access-control-allow-origin'), ORIGIN);
    assert.deepEqual(await leadEmails(emulator), ['express@example.com']);
    assert.equal((await fetch(`${app.url}/api/leadrelay/health`)).status, 200);
    assert.match(await (await fetch(`${app.url}/`)).text(), /Your site/);
  } finally {
    await app.close();
    await emulator.close();
  }
});

test('Express: the proxy sees each client address through the mount (its per-IP limit answers 429)', async () => {
  const { startExpressApp } = await import('../../examples/express.js');
  const emulator = await startEmulator({ port: 0 });
  const logs: Record<string, unknown>[] = [];
  const app = await startExpressApp({ ...proxyOptions(emulator), clients: { rateLimit: 2 }, logger: (line) => logs.push(line) }, 0);
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await postLead(`${app.url}/api/leadrelay/leads`, `burst${i}@example.com`)).status);
    assert.deepEqual(statuses, [201, 201, 429]);
    assert.ok(!logs.some((line) => line.event === 'client_address_unknown'), 'the client address was known');
  } finally {
    await app.close();
    await emulator.close();
  }
});

test('plain Node: node:http serves its own page and hands /api/leadrelay/* to the proxy', async () => {
  const { startNodeServer } = await import('../../examples/node.js');
  const emulator = await startEmulator({ port: 0 });
  const server = await startNodeServer(proxyOptions(emulator), 0);
  try {
    const response = await postLead(`${server.url}/api/leadrelay/leads`, 'node@example.com');
    assert.equal(response.status, 201, await response.clone().text());
    assert.deepEqual(await leadEmails(emulator), ['node@example.com']);
    const refused = await postLead(`${server.url}/api/leadrelay/leads`, 'evil@example.com', { origin: 'https://evil.example' });
    assert.equal(refused.status, 403);
    assert.match(await (await fetch(`${server.url}/about`)).text(), /Your site/);
  } finally {
    await server.close();
    await emulator.close();
  }
});

test('Next.js: the App Router route handler answers a Request: preflight, lead, health, and per-client limits', async () => {
  const emulator = await startEmulator({ port: 0 });
  Object.assign(process.env, {
    INTERCOM_ACCESS_TOKEN: ACCESS_TOKEN,
    LEADRELAY_SECRET: SECRET,
    INTERCOM_BASE_URL: emulator.url,
    LEADRELAY_ALLOWED_ORIGINS: ORIGIN,
  });
  try {
    const route = await import('../../examples/nextjs/app/api/leadrelay/[...path]/route.js');
    const url = 'http://127.0.0.1:3000/api/leadrelay';
    const preflight = await route.OPTIONS(
      new Request(`${url}/leads`, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST' } }),
    );
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), ORIGIN);

    // What Next.js hands the handler: a Request whose X-Forwarded-For ends with the client's address.
    const lead = (email: string, client: string) =>
      route.POST(
        new Request(`${url}/leads`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: ORIGIN, 'idempotency-key': randomUUID(), 'x-forwarded-for': client },
          body: JSON.stringify(buildLead({ email })),
        }),
      );
    const created = await lead('next@example.com', '203.0.113.7');
    assert.equal(created.status, 201, await created.clone().text());
    assert.deepEqual(await leadEmails(emulator), ['next@example.com']);
    assert.equal((await route.GET(new Request(`${url}/health`))).status, 200);

    // The default limit is 20 per minute per client: the 21st from one address is refused, another address is not.
    const statuses: number[] = [];
    for (let i = 0; i < 20; i += 1) statuses.push((await lead(`n${i}@example.com`, '198.51.100.1')).status);
    assert.deepEqual([...new Set(statuses.slice(0, 19))], [201]);
    assert.equal(statuses[19], 201);
    assert.equal((await lead('one-more@example.com', '198.51.100.1')).status, 429);
    assert.equal((await lead('other@example.com', '198.51.100.2')).status, 201);
  } finally {
    for (const name of ['INTERCOM_ACCESS_TOKEN', 'LEADRELAY_SECRET', 'INTERCOM_BASE_URL', 'LEADRELAY_ALLOWED_ORIGINS']) delete process.env[name];
    await emulator.close();
  }
});

test('the examples type-check against the published types', async () => {
  const tsc = `${root}node_modules/.bin/tsc`;
  const result = await promisify(execFile)(tsc, ['-p', 'examples/tsconfig.json'], { cwd: root }).then(
    () => ({ code: 0, output: '' }),
    (error: { code?: number; stdout?: string }) => ({ code: error.code ?? 1, output: error.stdout ?? '' }),
  );
  assert.equal(result.code, 0, result.output);
});
