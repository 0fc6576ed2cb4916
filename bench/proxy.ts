// Proxy overhead on loopback: a bare Node pass-through to the emulator (POST /contacts) against LeadRelay's POST /leads.
// Servers run in a child process, the load generator here, so the two share the machine as they would in production.
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const WARMUP = Math.min(300, Math.floor(REQUESTS / 10));
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

interface Ports {
  passThrough: number;
  leadRelay: number;
}

/** Child: the emulator, a bare pass-through proxy to it, and LeadRelay's proxy to it. */
async function serveAll(): Promise<void> {
  const { startEmulator } = await import('../src/emulator/index.js');
  const { serve } = await import('../src/proxy/node.js');
  const emulator = await startEmulator({ port: 0 });
  await fetch(`${emulator.url}/_emulator/config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ rateLimit: { limit: 10_000_000, windowSeconds: 60 } }),
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const passThrough = http.createServer((incoming, outgoing) => {
    const upstream = http.request(
      { host: '127.0.0.1', port: emulator.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, authorization: 'Bearer bench-token', 'intercom-version': '2.14' }, agent },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstream.on('error', () => outgoing.writeHead(502).end());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => passThrough.listen(0, '127.0.0.1', resolve));
  const leadRelay = await serve({ port: 0, accessToken: 'bench-token', secret: 'bench-secret', baseUrl: emulator.url, rateLimit: 0 });
  const ports: Ports = { passThrough: (passThrough.address() as { port: number }).port, leadRelay: leadRelay.port };
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

interface Result {
  rps: number;
  p50: number;
  p99: number;
}

async function run(count: number, send: (i: number) => Promise<number>, expected: number): Promise<Result> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        const status = await send(i);
        latencies.push(performance.now() - t0);
        if (status !== expected) throw new Error(`request ${i} answered ${status}, expected ${expected}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { rps: count / seconds, p50: at(0.5), p99: at(0.99) };
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
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { execArgv: ['--import', 'tsx', ...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=.tmp-proxy/prof'] : [])], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const ports = await new Promise<Ports>((resolve) => child.once('message', (message) => resolve(message as Ports)));
  try {
    const passThrough = (i: number) => post(ports.passThrough, '/contacts', contactBody, {});
    const leadRelay = (i: number) => post(ports.leadRelay, '/leads', leadBody, { 'idempotency-key': randomUUID() });
    await run(WARMUP, passThrough, 200);
    await run(WARMUP, leadRelay, 201);
    const a = await run(REQUESTS, passThrough, 200);
    const b = await run(REQUESTS, leadRelay, 201);
    const ms = (value: number) => `${value.toFixed(2)} ms`;
    console.log(`proxy bench: ${REQUESTS} requests each after ${WARMUP} warm-up, concurrency ${CONCURRENCY}, loopback, rate limit off`);
    console.log(`(a) bare pass-through POST /contacts : ${a.rps.toFixed(0)} req/s  p50 ${ms(a.p50)}  p99 ${ms(a.p99)}  (1 upstream call)`);
    console.log(`(b) LeadRelay POST /leads            : ${b.rps.toFixed(0)} req/s  p50 ${ms(b.p50)}  p99 ${ms(b.p99)}  (2 upstream calls)`);
    console.log(`throughput ratio b/a                 : ${(b.rps / a.rps).toFixed(2)}  (goal >= 0.60)`);
    console.log(`added p99 b - a                      : ${ms(b.p99 - a.p99)}  (goal <= 5 ms)`);
    console.log(`per upstream call: ratio (2*b)/a     : ${((2 * b.rps) / a.rps).toFixed(2)}`);
    console.log(`per upstream call: p99 b - 2*a       : ${ms(b.p99 - 2 * a.p99)}  (LeadRelay's own cost beyond two pass-through round trips)`);
  } finally {
    child.disconnect();
  }
}

if (process.argv.includes('--serve')) await serveAll();
else await main();
