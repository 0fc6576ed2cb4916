// `npm run bench:faults`: N submissions through the real proxy (one or more `leadrelay-proxy` processes) against the
// emulator with injected faults; reports submitted / created / duplicated / lost / p50 / p99, non-zero on any loss or duplicate.
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { startEmulator } from '../src/emulator/index.js';
import { startProxyProcess, type ProxyProcess } from '../test/proxy/proxy-process.js';
import { startTestRedis, type TestRedis } from '../test/proxy/redis-server.js';
import { auditWhenDelivered, driveSubmissions, quantile } from './fault-load.js';

const HELP = `Usage: npm run bench:faults -- [options]

Starts the emulator and the real proxy (the leadrelay-proxy command, one process per instance), injects faults,
sends N lead submissions with bounded concurrency, retries each with the same Idempotency-Key until it is
accepted (201 or 202), then audits the emulator: one lead (role lead, leadrelay_submission_id) and one
conversation per submission, after waiting for queued (202) submissions to be delivered. Exits 1 on any lost
or duplicated submission, any refused one, or the access token in the proxies' output.

  --n N               submissions (default 1000)
  --concurrency C     submissions in flight (default 16)
  --fail F            share of POST /contacts and POST /conversations failing before commit, half 503 and
                      half 429 (default 0.3)
  --fail-status S     503 | 429 | both (default both): the status of the --fail share
  --after-commit A    share of those calls that create the object and then answer 503 (default 0.1), on top of --fail
  --store S           memory | sqlite | redis (default memory); sqlite is the CLI's default store (a file per
                      process); redis uses REDIS_URL, else LEADRELAY_TEST_REDIS_URL,
                      else starts a private redis-server on a free loopback port
  --instances I       proxy processes (default 1; more than 1 needs --store redis); retries rotate over them
  --race              send the first attempt of every 4th submission to two instances at once
  --kill              SIGKILL the last instance a third of the way through and start it again on its port
  --burst             no faults; set the emulator's rate limit so that the run needs 10x its budget per 1 s
                      slice, and report how many calls the emulator refused with 429
  --shrink            no faults; warm the proxy with --warm submissions under the emulator's default limit
                      (10,000 per minute), then lower the budget under the running proxy to --shrink-limit calls
                      per 1 s and send N submissions paced at --rate per second; reports the 429s the emulator
                      answered after the change (the proxy learns the new budget from the next answer's headers)
  --warm W            submissions before the budget shrinks (default 20; with --shrink)
  --shrink-limit L    the lowered budget, calls per 1 s window (default 20; with --shrink)
  --rate R            submissions started per second after the change (default 20; with --shrink)
  --drain-timeout S   how long to wait after the run for queued (202) submissions to be delivered (default 180)
  --search-lag MS     the emulator's search index lag: a new contact or conversation is missing from search this
                      long (default 200)
  --recovery-lag MS   the proxies' LEADRELAY_RECOVERY_LAG_MS, a safe margin above the search lag (default 1000)
  --queue-concurrency Q  the proxies' LEADRELAY_QUEUE_CONCURRENCY (default 8)
  --lease-ms MS       the proxies' LEADRELAY_LEASE_MS: how soon a killed instance's work is taken over (default 3000)

The emulator's rate window is 1 s (limit 100,000 per window, or the burst budget with --burst), so the
X-RateLimit-Reset of an injected 429 is at most a second away.
  --help              this text

Example: npm run bench:faults -- --n 1000 --store redis --instances 2 --race --kill
         npm run bench:faults -- --shrink --n 200 --store sqlite`;

function options() {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '16' },
      fail: { type: 'string', default: '0.3' },
      'after-commit': { type: 'string', default: '0.1' },
      'fail-status': { type: 'string', default: 'both' },
      store: { type: 'string', default: 'memory' },
      instances: { type: 'string', default: '1' },
      race: { type: 'boolean', default: false },
      kill: { type: 'boolean', default: false },
      burst: { type: 'boolean', default: false },
      shrink: { type: 'boolean', default: false },
      warm: { type: 'string', default: '20' },
      'shrink-limit': { type: 'string', default: '20' },
      rate: { type: 'string', default: '20' },
      'drain-timeout': { type: 'string', default: '180' },
      'search-lag': { type: 'string', default: '200' },
      'recovery-lag': { type: 'string', default: '1000' },
      'queue-concurrency': { type: 'string', default: '8' },
      'lease-ms': { type: 'string', default: '3000' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  const n = Number(values.n);
  const concurrency = Number(values.concurrency);
  const noFaults = values.burst || values.shrink;
  const fail = noFaults ? 0 : Number(values.fail);
  const afterCommit = noFaults ? 0 : Number(values['after-commit']);
  const instances = Number(values.instances);
  const store = values.store;
  const problems: string[] = [];
  if (!(Number.isInteger(n) && n > 0)) problems.push('--n must be a positive whole number');
  if (!(Number.isInteger(concurrency) && concurrency > 0)) problems.push('--concurrency must be a positive whole number');
  if (!(fail >= 0 && afterCommit >= 0 && fail + afterCommit < 1)) problems.push('--fail and --after-commit must be shares that add up to less than 1');
  if (store !== 'memory' && store !== 'sqlite' && store !== 'redis') problems.push('--store must be memory, sqlite or redis');
  const shrink = { warm: Number(values.warm), limit: Number(values['shrink-limit']), rate: Number(values.rate) };
  if (!(Number.isInteger(shrink.warm) && shrink.warm >= 0)) problems.push('--warm must be a whole number');
  if (!(Number.isInteger(shrink.limit) && shrink.limit > 0)) problems.push('--shrink-limit must be a positive whole number');
  if (!(shrink.rate > 0)) problems.push('--rate must be a positive number');
  if (values.burst && values.shrink) problems.push('--burst and --shrink are two different runs: pick one');
  if (!(Number.isInteger(instances) && instances >= 1)) problems.push('--instances must be 1 or more');
  if (values.kill && store !== 'redis') problems.push('--kill needs --store redis (a killed process takes a memory store and its queue with it)');
  if (instances > 1 && store !== 'redis') problems.push('--instances above 1 needs --store redis (memory stores are not shared)');
  const failStatus = values['fail-status'];
  if (!['503', '429', 'both'].includes(failStatus)) problems.push('--fail-status must be 503, 429 or both');
  const drainTimeoutMs = Number(values['drain-timeout']) * 1000;
  if (!(drainTimeoutMs >= 0)) problems.push('--drain-timeout must be a number of seconds');
  const tuning = {
    searchLagMs: Number(values['search-lag']),
    recoveryLagMs: Number(values['recovery-lag']),
    queueConcurrency: Number(values['queue-concurrency']),
    leaseMs: Number(values['lease-ms']),
  };
  for (const [name, value] of Object.entries(tuning)) {
    if (!(Number.isInteger(value) && value >= 0)) problems.push(`${name} must be a whole number`);
  }
  if (tuning.recoveryLagMs <= tuning.searchLagMs) problems.push('--recovery-lag must be above --search-lag, or recovery can miss a commit');
  if (problems.length) {
    process.stderr.write(`${problems.join('\n')}\n\n${HELP}\n`);
    process.exit(2);
  }
  return {
    n,
    concurrency,
    fail,
    afterCommit,
    failStatus,
    store,
    instances,
    drainTimeoutMs,
    ...tuning,
    race: values.race,
    kill: values.kill,
    burst: values.burst,
    shrink: values.shrink ? shrink : undefined,
  };
}

/** Disjoint faults per route, first match wins: afterCommit first, then 503, then 429, each rate conditional. */
function faultsFor(fail: number, afterCommit: number, failStatus: string): Record<string, unknown>[] {
  const faults: Record<string, unknown>[] = [];
  for (const route of ['POST /contacts', 'POST /conversations']) {
    if (afterCommit > 0) faults.push({ route, status: 503, rate: afterCommit, afterCommit: true });
    if (fail <= 0) continue;
    if (failStatus !== 'both') {
      faults.push({ route, status: Number(failStatus), rate: fail / (1 - afterCommit) });
      continue;
    }
    const half = fail / 2;
    faults.push({ route, status: 503, rate: half / (1 - afterCommit) });
    faults.push({ route, status: 429, rate: half / (1 - afterCommit - half) });
  }
  return faults;
}

async function hook(emulatorUrl: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${emulatorUrl}/_emulator/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`emulator hook ${path} answered ${response.status}: ${await response.text()}`);
}

async function main(): Promise<void> {
  const run = options();
  const accessToken = `tok_bench_${randomUUID().replaceAll('-', '')}`;
  const secret = randomBytes(32).toString('hex');
  // The audit counts every Intercom call of the run: keep the whole request log (its default cap is 10,000).
  const emulator = await startEmulator({ port: 0, requestLogLimit: Infinity });
  let redis: TestRedis | undefined;
  const proxies: ProxyProcess[] = [];
  const output: string[] = [];
  try {
    let redisUrl: string | undefined;
    if (run.store === 'redis') {
      redisUrl = process.env.REDIS_URL;
      if (!redisUrl) {
        redis = await startTestRedis();
        redisUrl = redis.url;
      }
    }
    const env: Record<string, string> = {
      // --store memory means memory (the CLI's default is now a SQLite file in the working folder).
      ...(run.store === 'memory' ? { LEADRELAY_STORE: 'memory:' } : {}),
      LEADRELAY_RECOVERY_LAG_MS: String(run.recoveryLagMs),
      LEADRELAY_QUEUE_CONCURRENCY: String(run.queueConcurrency),
      LEADRELAY_LEASE_MS: String(run.leaseMs),
    };
    const start = (port?: number) => startProxyProcess({ emulatorUrl: emulator.url, accessToken, secret, redisUrl, port, env });
    for (let i = 0; i < run.instances; i += 1) proxies.push(await start());

    let warmResults: Awaited<ReturnType<typeof driveSubmissions>> = [];
    let callsBeforeShrink = 0;
    if (run.shrink) {
      // Warm under the emulator's default limit (its rate-limit headers now tell the proxy 10,000 per minute), then
      // lower the budget under the running proxy: only the next answers' headers can tell it so.
      await hook(emulator.url, 'config', { searchLagMs: run.searchLagMs });
      warmResults = await driveSubmissions({ n: run.shrink.warm, concurrency: run.concurrency, proxyUrls: () => proxies.map((proxy) => proxy.url) });
      callsBeforeShrink = ((await (await fetch(`${emulator.url}/_emulator/requests`)).json()) as { requests: unknown[] }).requests.length;
      await hook(emulator.url, 'config', { rateLimit: { limit: run.shrink.limit, windowSeconds: 1 } });
    } else if (run.burst) {
      // Each submission costs two calls (contact, conversation): a 1 s slice budget of n*2/10 makes the run 10x it.
      await hook(emulator.url, 'config', { rateLimit: { limit: Math.max(1, Math.ceil((run.n * 2) / 10)), windowSeconds: 1 }, searchLagMs: run.searchLagMs });
    } else {
      await hook(emulator.url, 'config', { rateLimit: { limit: 100_000, windowSeconds: 1 }, searchLagMs: run.searchLagMs });
      const faults = faultsFor(run.fail, run.afterCommit, run.failStatus);
      if (faults.length) await hook(emulator.url, 'faults', faults);
    }

    const started = performance.now();
    let killed = false;
    const results = await driveSubmissions({
      n: run.n,
      concurrency: run.concurrency,
      proxyUrls: () => proxies.map((proxy) => proxy.url),
      raceEvery: run.race ? 4 : 0,
      ...(run.shrink ? { startEveryMs: 1000 / run.shrink.rate, firstIndex: run.shrink.warm } : {}),
      onSettled: async (done) => {
        if (!run.kill || killed || done < run.n / 3) return;
        killed = true;
        const victim = proxies[proxies.length - 1]!;
        await victim.kill();
        output.push(victim.output());
        process.stderr.write(`bench: SIGKILLed instance ${proxies.length} after ${done} submissions; restarting it\n`);
        proxies[proxies.length - 1] = await start(victim.port);
      },
    });
    const seconds = (performance.now() - started) / 1000;
    // Faults stay on while queued (202) submissions drain: the drain loop has to cope with them too.
    const audit = await auditWhenDelivered(emulator.url, [...warmResults, ...results], run.drainTimeoutMs, secret);
    const drainSeconds = (performance.now() - started) / 1000 - seconds;
    const requests = ((await (await fetch(`${emulator.url}/_emulator/requests`)).json()) as { requests: { status: number | null }[] }).requests;
    const afterShrink = requests.slice(callsBeforeShrink);
    const latencies = results.filter((result) => result.status).map((result) => result.latencyMs);
    const refused = results.filter((result) => result.refused);
    for (const proxy of proxies) await proxy.stop();
    output.push(...proxies.map((proxy) => proxy.output()));
    const tokenLeaked = output.some((text) => text.includes(accessToken));

    const report = {
      store: run.store,
      instances: run.instances,
      faults: run.burst ? 'none (burst)' : run.shrink ? 'none (budget shrinks)' : { fail: run.fail, failStatus: run.failStatus, afterCommit: run.afterCommit },
      searchLagMs: run.searchLagMs,
      recoveryLagMs: run.recoveryLagMs,
      queueConcurrency: run.queueConcurrency,
      submitted: audit.submitted,
      accepted: audit.accepted,
      accepted202: results.filter((result) => result.status === 202).length,
      created: audit.created,
      leads: audit.leads,
      conversations: audit.conversations,
      duplicated: audit.duplicated,
      lost: audit.lost,
      refused: refused.length,
      refusedCodes: [...new Set(refused.map((result) => `${result.refused!.status} ${result.refused!.code ?? ''}`.trim()))],
      clientAttempts: results.reduce((sum, result) => sum + result.attempts, 0),
      emulatorCalls: requests.length,
      emulator429: requests.filter((request) => request.status === 429).length,
      ...(run.shrink
        ? {
            shrink: { warm: run.shrink.warm, limitPerSecond: run.shrink.limit, leadsPerSecond: run.shrink.rate },
            callsAfterShrink: afterShrink.length,
            emulator429AfterShrink: afterShrink.filter((request) => request.status === 429).length,
          }
        : {}),
      p50Ms: Math.round(quantile(latencies, 0.5)),
      p99Ms: Math.round(quantile(latencies, 0.99)),
      seconds: Math.round(seconds * 10) / 10,
      drainSeconds: Math.round(drainSeconds * 10) / 10,
      tokenLeaked,
      duplicateIdsSample: audit.duplicateIds.slice(0, 5),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    const ok = audit.lost === 0 && audit.duplicated === 0 && !tokenLeaked && refused.length === 0;
    process.stdout.write(ok ? 'bench:faults: OK, every submission is exactly one lead and one conversation\n' : 'bench:faults: FAILED\n');
    process.exitCode = ok ? 0 : 1;
  } finally {
    for (const proxy of proxies) await proxy.kill();
    await emulator.close();
    await redis?.stop();
  }
}

await main();
