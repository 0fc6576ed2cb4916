// The proxy's size as a Cloudflare Worker: bundled as wrangler does (esbuild, one ES module, minified; the proxy
// imports no `node:*`, so none is left to nodejs_compat), gzip-compressed as Cloudflare counts it, with the bytes each package takes. Three builds:
// createProxy with the memory store (the figure to keep: <= 100 KiB gzip), the ready Worker entry with D1
// (leadrelay/proxy/cloudflare), and the memory-store Worker with libphonenumber-js's `max` metadata instead of `min`
// (the package's default entry is `min`), to show what the phone check costs.
//   node --import tsx bench/worker-bundle.ts
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUDGET_GZIP = 100 * 1024;

const MEMORY_WORKER = `
import { createProxy } from ${JSON.stringify(join(ROOT, 'src/proxy/app.ts'))};
let proxy;
export default {
  fetch(request, env, ctx) {
    proxy ??= createProxy({ secret: env.LEADRELAY_SECRET, intercom: { accessToken: env.INTERCOM_ACCESS_TOKEN }, origins: { allowed: [env.ORIGIN] } });
    return proxy.fetch(request, env, ctx);
  },
};`;

interface Built {
  bytes: number;
  gzip: number;
  packages: [string, number][];
}

async function bundle(source: { contents?: string; entry?: string }, alias: Record<string, string> = {}): Promise<Built> {
  const result = await build({
    ...(source.entry ? { entryPoints: [source.entry] } : { stdin: { contents: source.contents!, loader: 'js', resolveDir: ROOT } }),
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    external: ['node:*'],
    metafile: true,
    alias,
    logLevel: 'warning',
  });
  const code = result.outputFiles[0]!.contents;
  return { bytes: code.byteLength, gzip: gzipSync(code, { level: 9 }).byteLength, packages: byPackage(result.metafile!) };
}

/** Output bytes (minified, before gzip) per npm package, LeadRelay's own source as `leadrelay`. */
function byPackage(metafile: Metafile): [string, number][] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const name = match ? match[1]! : 'leadrelay';
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
function report(label: string, built: Built): void {
  console.log(`${label}: ${kib(built.bytes)} minified, ${kib(built.gzip)} gzip`);
  console.log(`  by package (minified): ${built.packages.map(([name, bytes]) => `${name} ${kib(bytes)}`).join(', ')}`);
}

const memory = await bundle({ contents: MEMORY_WORKER });
report('Worker, memory store (createProxy)', memory);
console.log(`  figure to keep: <= ${kib(BUDGET_GZIP)} gzip -> ${memory.gzip <= BUDGET_GZIP ? 'within' : 'OVER'} (${((memory.gzip / BUDGET_GZIP) * 100).toFixed(0)}%)`);
report('Worker entry with D1 (leadrelay/proxy/cloudflare)', await bundle({ entry: join(ROOT, 'src/proxy/cloudflare.ts') }));
const max = await bundle({ contents: MEMORY_WORKER }, { 'libphonenumber-js': join(ROOT, 'node_modules/libphonenumber-js/max/index.js') });
report('Worker, memory store, libphonenumber-js max metadata', max);
console.log(`  max instead of min: +${kib(max.gzip - memory.gzip)} gzip`);
