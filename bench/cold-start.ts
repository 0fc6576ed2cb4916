// Cold start on Node: how long `import('leadrelay/proxy')` takes against importing Hono alone, side by side.
// Every sample is a fresh `node` process (nothing cached between samples), and the two imports alternate so load
// drift on the machine hits both alike. The proxy is imported as users import it: the package's `exports` entry,
// which is dist/ (run `npx tsc -p tsconfig.build.json` or `npm run build` first).
//   node --import tsx bench/cold-start.ts            (BENCH_COLD_RUNS=15 by default)
// Figure to keep: the proxy's median at most 2x Hono's (printed as the ratio; the bench does not fail on it). Each
// sample is timed twice: wall clock, and the process's CPU time during the import (user + system, all threads),
// which a loaded machine (other processes on the same cores) disturbs far less than the wall clock.
// The phone library and jose load on first use, not with the import: the "first lead checked" line shows what the
// first POST /leads pays for that (import, createProxy, one submission validated and refused for its phone number,
// so no Intercom is needed).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 15);

const TARGETS = {
  hono: 'hono',
  proxy: 'leadrelay/proxy',
  // The same entry, then one POST /leads validated (the phone rules load then).
  proxyFirstLead: 'leadrelay/proxy+first lead',
  // The same entry with metrics on: prom-client is loaded then, as a separate figure.
  proxyWithMetrics: 'leadrelay/proxy+metrics',
} as const;
type Target = keyof typeof TARGETS;

/** What one sample prints: wall-clock and CPU milliseconds since `t`/`c`. */
const REPORT = `console.log(performance.now() - t, (({ user, system }) => (user + system) / 1000)(process.cpuUsage(c)));`;

/** One fresh process: the milliseconds one dynamic import took, measured inside it (wall clock and CPU). */
function sample(target: Target): { wall: number; cpu: number } {
  const firstLead = `const c = process.cpuUsage(); const t = performance.now(); const m = await import('leadrelay/proxy');
         const p = m.createProxy({ secret: '8f3a9c1e7b2d4f6a0c5e9b1d3f7a2c4e6b8d0f1a3c5e7b9d', intercom: { accessToken: 'tok_cold_start_bench_0000000000', baseUrl: 'http://127.0.0.1:9' }, testing: { queuePollMs: 0, setupDataAttributes: false } });
         const r = await p.fetch(new Request('http://127.0.0.1/leads', { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
           body: JSON.stringify({ name: 'Ada', email: 'ada@example.com', phone: '12345', phoneCountry: 'GB', message: 'Hello', hp: '', elapsedMs: 8000 }) }));
         if (r.status !== 400) throw new Error('expected 400, got ' + r.status); ${REPORT} await p.close();`;
  const body =
    target === 'proxyFirstLead'
      ? firstLead
      : target === 'proxyWithMetrics'
      ? `const c = process.cpuUsage(); const t = performance.now(); const m = await import('leadrelay/proxy');
         const p = m.createProxy({ secret: '8f3a9c1e7b2d4f6a0c5e9b1d3f7a2c4e6b8d0f1a3c5e7b9d', intercom: { accessToken: 'tok_cold_start_bench_0000000000' }, metrics: { token: 'metrics-token-for-the-cold-start-bench' }, testing: { queuePollMs: 0, setupDataAttributes: false } });
         await p.fetch(new Request('http://127.0.0.1/health')); ${REPORT} await p.close();`
      : `const c = process.cpuUsage(); const t = performance.now(); await import(${JSON.stringify(TARGETS[target])}); ${REPORT}`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', body], { cwd: ROOT, encoding: 'utf8' });
  const [wall, cpu] = out.trim().split('\n').pop()!.split(' ').map(Number) as [number, number];
  return { wall, cpu };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

if (!existsSync(join(ROOT, 'dist/proxy/app.js'))) {
  console.error('cold-start: dist/proxy/app.js is missing; build first (npx tsc -p tsconfig.build.json).');
  process.exit(1);
}

const samples: Record<Target, { wall: number; cpu: number }[]> = { hono: [], proxy: [], proxyFirstLead: [], proxyWithMetrics: [] };
for (let run = 0; run < RUNS; run++) {
  for (const target of Object.keys(TARGETS) as Target[]) samples[target].push(sample(target));
}
const LABELS: Record<Target, string> = {
  hono: "import('hono')                      ",
  proxy: "import('leadrelay/proxy')           ",
  proxyFirstLead: 'the same + first lead checked       ',
  proxyWithMetrics: 'the same + metrics on, first request',
};
console.log(`cold start on Node ${process.version}, median of ${RUNS} fresh processes each (min-max in brackets):`);
for (const clock of ['wall', 'cpu'] as const) {
  console.log(clock === 'wall' ? '  wall clock:' : '  CPU time (user + system; steadier on a loaded machine):');
  const values = (target: Target) => samples[target].map((one) => one[clock]);
  const hono = median(values('hono'));
  for (const target of Object.keys(TARGETS) as Target[]) {
    const all = values(target);
    const ms = median(all);
    const range = `[${Math.min(...all).toFixed(0)}-${Math.max(...all).toFixed(0)}]`;
    const ratio = target === 'hono' ? '' : `   ${(ms / hono).toFixed(2)}x hono${target === 'proxy' ? ' (figure to keep: <= 2x)' : ''}`;
    console.log(`    ${LABELS[target]} ${ms.toFixed(1).padStart(6)} ms ${range.padEnd(11)}${ratio}`.trimEnd());
  }
}
