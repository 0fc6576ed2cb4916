// Proxy overhead on loopback: bare Node pass-throughs to the emulator against LeadRelay's POST /leads on each store.
// Servers run in a child process, the load generator here, so they share the machine as they would in production.
// The baseline for a lead is a bare pass-through doing the same two upstream calls (contact, then conversation)
// with no checks, no idempotency and no store; variants run in interleaved rounds so load drift hits all alike.
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP = Math.min(300, Math.floor(REQUESTS / 10));
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

type Variant = 'bareContact' | 'bareLead' | 'sqlite' | 'memory' | 'redis';
type Ports = Partial<Record<Variant, number>>;

/** Child: the emulator, bare pass-throughs to it, and one LeadRelay proxy per store. */
async function serveAll(): Promise<void> {
  const { startEmulator } = await import('../src/emulator/index.js');
  const { serve } = await import('../src/proxy/node.js');
  const { openStore } = await import('../src/proxy/store/open-store.js');
  const emulator = await startEmulator({ port: 0 });
  await fetch(`${emulator.url}/_emulator/config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ rateLimit: { limit: 10_000_000, windowSeconds: 60 } }),
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const upstreamHeaders = { authorization: 'Bearer bench-token', 'intercom-version': '2.14', 'content-type': 'application/json', accept: 'application/json' };
  const call = (path: string, body: string) =>
    new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
      const request = http.request({ host: '127.0.0.1', port: emulator.port, method: 'POST', path, headers: upstreamHeaders, agent }, (answer) => {
        let text = '';
        answer.setEncoding('utf8');
        answer.on('data', (chunk: string) => (text += chunk));
        answer.on('end', () => resolve({ status: answer.statusCode ?? 502, json: JSON.parse(text || '{}') as Record<string, unknown> }));
      });
      request.on('error', reject);
      request.end(body);
    });
  // (a) one call piped through; (a2) a lead's two calls, nothing else: the floor any proxy's cost is measured from.
  const bare = http.createServer((incoming, outgoing) => {
    if (incoming.url === '/lead') {
      let text = '';
      incoming.setEncoding('utf8');
      incoming.on('data', (chunk: string) => (text += chunk));
      incoming.on('end', async () => {
        try {
          const lead = JSON.parse(text) as { name: string; email: string; message: string };
          const contact = await call('/contacts', JSON.stringify({ role: 'lead', name: lead.name, email: lead.email }));
          const message = await call('/conversations', JSON.stringify({ from: { type: 'lead', id: contact.json.id }, body: lead.message }));
          outgoing.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ conversationId: message.json.conversation_id }));
        } catch {
          outgoing.writeHead(502).end();
        }
      });
      return;
    }
    const upstream = http.request(
      { host: '127.0.0.1', port: emulator.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, ...upstreamHeaders }, agent },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstream.on('error', () => outgoing.writeHead(502).end());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const barePort = (bare.address() as { port: number }).port;
  const ports: Ports = { bareContact: barePort, bareLead: barePort };
  const stores: [Variant, string][] = [['sqlite', `sqlite:${join(process.env.BENCH_DATA_DIR!, 'leadrelay.db')}`], ['memory', 'memory:']];
  if (process.env.BENCH_REDIS_URL) stores.push(['redis', process.env.BENCH_REDIS_URL]);
  for (const [variant, url] of stores) {
    const { store } = await openStore({ url });
    const proxy = await serve({ port: 0, accessToken: 'bench-token', secret: 'bench-secret', baseUrl: emulator.url, rateLimit: 0, store });
    ports[variant] = proxy.port;
  }
  process.send!(ports);
  process.on('disconnect', () => process.exit(0));
}

const clientAgent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function post(port: number, path: string, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port, method: 'POST', path, agent: clientAgent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

interface Sample {
  count: number;
  seconds: number;
  latencies: number[];
}

async function run(count: number, send: () => Promise<number>, expected: number, into?: Sample): Promise<void> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        next += 1;
        const t0 = performance.now();
        const status = await send();
        into?.latencies.push(performance.now() - t0);
        if (status !== expected) throw new Error(`a request answered ${status}, expected ${expected}`);
      }
    }),
  );
  if (into) {
    into.count += count;
    into.seconds += (performance.now() - started) / 1000;
  }
}

const contactBody = JSON.stringify({ role: 'lead', name: 'Ada Lovelace', email: 'ada@example.com', phone: '+442079460958' });
const leadBody = JSON.stringify({
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  phone: '020 7946 0958',
  phoneCountry: 'GB',
  message: 'I would like a demo.',
  page: { url: 'https://example.com/pricing', title: 'Pricing' },
  utm: { utm_source: 'bench' },
  hp: '',
  elapsedMs: 5000,
});

async function main(): Promise<void> {
  const { startTestRedis } = await import('../test/proxy/redis-server.js');
  const redis = await (process.env.REDIS_URL ? Promise.resolve({ url: process.env.REDIS_URL, stop: async () => undefined }) : startTestRedis()).catch(() => undefined);
  const dataDir = mkdtempSync(join(tmpdir(), 'leadrelay-bench-'));
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], {
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=.tmp-proxy/prof'] : [])],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, BENCH_DATA_DIR: dataDir, ...(redis ? { BENCH_REDIS_URL: redis.url } : {}) },
  });
  const ports = await new Promise<Ports>((resolve) => child.once('message', (message) => resolve(message as Ports)));
  try {
    const senders: [Variant, () => Promise<number>, number][] = [
      ['bareContact', () => post(ports.bareContact!, '/contacts', contactBody, {}), 200],
      ['bareLead', () => post(ports.bareLead!, '/lead', leadBody, {}), 201],
    ];
    for (const variant of ['sqlite', 'memory', 'redis'] as const) {
      if (ports[variant]) senders.push([variant, () => post(ports[variant]!, '/leads', leadBody, { 'idempotency-key': randomUUID() }), 201]);
    }
    const samples = new Map<Variant, Sample>(senders.map(([variant]) => [variant, { count: 0, seconds: 0, latencies: [] }]));
    for (const [, send, expected] of senders) await run(WARMUP, send, expected);
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [variant, send, expected] of senders) await run(Math.ceil(REQUESTS / ROUNDS), send, expected, samples.get(variant));
    }
    const rps = (variant: Variant) => samples.get(variant)!.count / samples.get(variant)!.seconds;
    const p = (variant: Variant, q: number) => {
      const sorted = [...samples.get(variant)!.latencies].sort((x, y) => x - y);
      return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    };
    const line = (label: string, variant: Variant) =>
      `${label.padEnd(52)}: ${rps(variant).toFixed(0).padStart(5)} req/s  p50 ${p(variant, 0.5).toFixed(2)} ms  p99 ${p(variant, 0.99).toFixed(2)} ms`;
    const base = rps('bareLead');
    console.log(`proxy bench: ${REQUESTS} requests per variant in ${ROUNDS} interleaved rounds, after ${WARMUP} warm-up, concurrency ${CONCURRENCY}, loopback, rate limit off`);
    console.log(line('(a)  bare pass-through POST /contacts (1 call)', 'bareContact'));
    console.log(line('(a2) bare lead pass-through: contact + conversation', 'bareLead'));
    console.log(line('(b)  LeadRelay POST /leads, SQLite (default, durable)', 'sqlite'));
    console.log(line('(c)  LeadRelay POST /leads, memory', 'memory'));
    if (ports.redis) console.log(line('(d)  LeadRelay POST /leads, Redis', 'redis'));
    else console.log('(d)  LeadRelay POST /leads, Redis                    : skipped (no redis-server and no REDIS_URL)');
    console.log(`throughput ratio SQLite / bare lead (b/a2)          : ${(rps('sqlite') / base).toFixed(2)}  (goal >= 0.80)`);
    console.log(`throughput ratio memory / bare lead (c/a2)          : ${(rps('memory') / base).toFixed(2)}`);
    if (ports.redis) console.log(`throughput ratio Redis / bare lead (d/a2)           : ${(rps('redis') / base).toFixed(2)}`);
    console.log(`what durability costs: SQLite / memory (b/c)        : ${(rps('sqlite') / rps('memory')).toFixed(2)}`);
    console.log(`added p99, SQLite - bare lead                       : ${(p('sqlite', 0.99) - p('bareLead', 0.99)).toFixed(2)} ms`);
  } finally {
    child.disconnect();
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--serve')) await serveAll();
else await main();
