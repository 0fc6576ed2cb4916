// Proxy overhead on loopback: bare Node pass-throughs to the emulator against LeadRelay's POST /leads on each store.
// Servers run in a child process, the load generator here, so they share the machine as they would in production.
// The baseline for a lead is a bare pass-through doing the same two upstream calls (contact, then conversation)
// with no checks, no idempotency and no store; variants run in interleaved rounds so load drift hits all alike.
// Two phases: (1) an upstream that answers at once, so the figures are each server's own CPU cost; (2) an upstream
// that takes BENCH_LATENCY_MS (50) per call, as Intercom does over the internet, with BENCH_VISITORS (32) at once.
import { fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const VISITORS = Number(process.env.BENCH_VISITORS ?? 32);

interface Phase {
  label: string;
  delayMs: number;
  requests: number;
  concurrency: number;
}

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
  const delayMs = Number(process.env.BENCH_DELAY_MS ?? 0);
  if (delayMs > 0) {
    // Every call to the emulator takes this long, as a call to Intercom over the internet does.
    await fetch(`${emulator.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ route: '*', delayMs }) });
  }
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
    const proxy = await serve({ port: 0, intercom: { accessToken: 'bench-token', baseUrl: emulator.url }, secret: randomBytes(32).toString('hex'), clients: { rateLimit: 0 }, store });
    ports[variant] = proxy.port;
  }
  process.send!(ports);
  process.on('disconnect', () => process.exit(0));
}

const clientAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });

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

async function run(count: number, concurrency: number, send: () => Promise<number>, expected: number, into?: Sample): Promise<void> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
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

type Rates = Map<Variant, Sample>;

/** One phase: a fresh child (emulator, bare servers, a LeadRelay per store), every variant in interleaved rounds. */
async function measure(phase: Phase, redisUrl: string | undefined): Promise<{ samples: Rates; redis: boolean }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'leadrelay-bench-'));
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], {
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=.tmp-proxy/prof'] : [])],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, BENCH_DATA_DIR: dataDir, BENCH_DELAY_MS: String(phase.delayMs), ...(redisUrl ? { BENCH_REDIS_URL: redisUrl } : {}) },
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
    const samples: Rates = new Map(senders.map(([variant]) => [variant, { count: 0, seconds: 0, latencies: [] }]));
    const warmup = Math.min(300, Math.floor(phase.requests / 10));
    for (const [, send, expected] of senders) await run(warmup, phase.concurrency, send, expected);
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [variant, send, expected] of senders) await run(Math.ceil(phase.requests / ROUNDS), phase.concurrency, send, expected, samples.get(variant));
    }
    return { samples, redis: Boolean(ports.redis) };
  } finally {
    child.disconnect();
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function report(phase: Phase, { samples, redis }: { samples: Rates; redis: boolean }): void {
  const rps = (variant: Variant) => samples.get(variant)!.count / samples.get(variant)!.seconds;
  const p = (variant: Variant, q: number) => {
    const sorted = [...samples.get(variant)!.latencies].sort((x, y) => x - y);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  };
  const line = (label: string, variant: Variant) =>
    `${label.padEnd(52)}: ${rps(variant).toFixed(0).padStart(5)} req/s  p50 ${p(variant, 0.5).toFixed(2)} ms  p99 ${p(variant, 0.99).toFixed(2)} ms`;
  const base = rps('bareLead');
  console.log(`\n${phase.label}: ${phase.requests} requests per variant in ${ROUNDS} interleaved rounds, ${phase.concurrency} at once, loopback, rate limit off`);
  console.log(line('(a)  bare pass-through POST /contacts (1 call)', 'bareContact'));
  console.log(line('(a2) bare lead pass-through: contact + conversation', 'bareLead'));
  console.log(line('(b)  LeadRelay POST /leads, SQLite (default, durable)', 'sqlite'));
  console.log(line('(c)  LeadRelay POST /leads, memory', 'memory'));
  if (redis) console.log(line('(d)  LeadRelay POST /leads, Redis', 'redis'));
  else console.log('(d)  LeadRelay POST /leads, Redis                    : skipped (no redis-server and no REDIS_URL)');
  console.log(`throughput ratio SQLite / bare lead (b/a2)          : ${(rps('sqlite') / base).toFixed(2)}  (goal >= 0.80)`);
  console.log(`throughput ratio memory / bare lead (c/a2)          : ${(rps('memory') / base).toFixed(2)}`);
  if (redis) console.log(`throughput ratio Redis / bare lead (d/a2)           : ${(rps('redis') / base).toFixed(2)}`);
  console.log(`what durability costs: SQLite / memory (b/c)        : ${(rps('sqlite') / rps('memory')).toFixed(2)}`);
  console.log(`added p99, SQLite - bare lead                       : ${(p('sqlite', 0.99) - p('bareLead', 0.99)).toFixed(2)} ms`);
}

async function main(): Promise<void> {
  const { startTestRedis } = await import('../test/proxy/redis-server.js');
  const redis = await (process.env.REDIS_URL ? Promise.resolve({ url: process.env.REDIS_URL, stop: async () => undefined }) : startTestRedis()).catch(() => undefined);
  const phases: Phase[] = [
    { label: 'proxy bench (1) CPU cost: an upstream that answers at once', delayMs: 0, requests: REQUESTS, concurrency: CONCURRENCY },
    {
      label: `proxy bench (2) with Intercom's latency: every upstream call takes ${LATENCY_MS} ms`,
      delayMs: LATENCY_MS,
      requests: Math.max(ROUNDS, Math.round(REQUESTS / 5)),
      concurrency: VISITORS,
    },
  ];
  try {
    for (const phase of phases) report(phase, await measure(phase, redis?.url));
  } finally {
    await redis?.stop();
  }
}

if (process.argv.includes('--serve')) await serveAll();
else await main();
