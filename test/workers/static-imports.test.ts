// What the proxy's code imports, read from esbuild's import graphs (no timing). `leadrelay/proxy` loads only Hono up
// front, so the libraries that made the import slow (libphonenumber-js, jose, prom-client, ioredis, SQLite drivers)
// load when first used. And no module the Worker (leadrelay/proxy/cloudflare) or
// `leadrelay/proxy` reaches imports a Node built-in or uses `Buffer`/`process` unguarded: the proxy runs on
// web-standard runtimes (Workers without nodejs_compat), as docs/workers.md says.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { build, type Metafile } from 'esbuild';
import { ROOT } from './worker-build.js';

/** The graph of `entry`: packages left out (as Node loads them), or bundled as wrangler bundles a Worker. */
async function graph(entry: string, as: 'node' | 'worker'): Promise<Metafile> {
  const result = await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    logLevel: 'silent',
    ...(as === 'node'
      ? { platform: 'node', packages: 'external' }
      : { platform: 'browser', conditions: ['workerd', 'worker', 'browser'], external: ['node:*'] }),
  });
  return result.metafile;
}

let proxy: Metafile;
let worker: Metafile;
before(async () => {
  [proxy, worker] = await Promise.all([graph('src/proxy/app.ts', 'node'), graph('src/proxy/cloudflare.ts', 'worker')]);
});

/** Every external import in the graph: what it names, how, and which module imports it. */
function externals(metafile: Metafile): { path: string; kind: string; from: string }[] {
  return Object.entries(metafile.inputs).flatMap(([from, input]) =>
    input.imports.filter((item) => item.external).map((item) => ({ path: item.path, kind: item.kind, from })),
  );
}

const packageName = (path: string) => path.split('/').slice(0, path.startsWith('@') ? 2 : 1).join('/');

/** The modules `entry` loads before any request: reached from it by static imports only. */
function loadedUpFront(metafile: Metafile, entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const item of metafile.inputs[file]!.imports) if (!item.external && item.kind === 'import-statement') visit(item.path);
  };
  visit(entry);
  return seen;
}

test('leadrelay/proxy imports no package but Hono up front; the phone library and jose are loaded on first use', () => {
  const upFront = loadedUpFront(proxy, 'src/proxy/app.ts');
  const imported = (files: Iterable<string>, kind: string) =>
    new Set([...files].flatMap((file) => proxy.inputs[file]!.imports.filter((item) => item.external && item.kind === kind && !item.path.startsWith('node:') && !item.path.startsWith('.')).map((item) => packageName(item.path))));
  assert.deepEqual([...imported(upFront, 'import-statement')].sort(), ['hono']);
  // What the dynamic imports reach: the phone library and jose, each through a module naming the few functions used.
  const lazy = Object.keys(proxy.inputs).filter((file) => !upFront.has(file));
  assert.deepEqual([...imported(lazy, 'import-statement')].sort(), ['jose', 'libphonenumber-js']);
});

test('no module leadrelay/proxy loads up front imports a Node built-in', () => {
  const upFront = loadedUpFront(proxy, 'src/proxy/app.ts');
  const builtins = externals(proxy).filter((item) => upFront.has(item.from) && item.kind === 'import-statement' && (item.path.startsWith('node:') || isBuiltin(item.path)));
  assert.deepEqual(builtins, []);
});

test('no module of the Worker (leadrelay/proxy/cloudflare, its packages included) imports a Node built-in, even lazily', () => {
  assert.deepEqual(externals(worker).filter((item) => item.path.startsWith('node:')), []);
});

test('the Worker keeps only the parts of libphonenumber-js and jose the proxy uses (not as-you-type formatting, JWE, JWK)', () => {
  const kept = Object.values(worker.outputs).flatMap((output) => Object.entries(output.inputs).filter(([, input]) => input.bytesInOutput > 0).map(([file]) => file));
  assert.ok(kept.some((file) => file.includes('libphonenumber-js/metadata.min.json')), 'the phone metadata is in');
  assert.deepEqual(kept.filter((file) => /libphonenumber-js\/.*(AsYouType|findNumbers|PhoneNumberMatcher)|jose\/.*(jwe|jwk|key_management)/i.test(file)), []);
});

test("the Worker's and the proxy's own modules use no Buffer, and read process.env only where process may be missing", () => {
  const own = [...new Set([...Object.keys(worker.inputs), ...Object.keys(proxy.inputs)])].filter((file) => file.startsWith('src/'));
  assert.ok(own.includes('src/proxy/web-crypto.ts'));
  for (const file of own) {
    const code = readFileSync(join(ROOT, file), 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '');
    assert.doesNotMatch(code, /\bBuffer\b/, `${file} uses Buffer`);
    // (stdoutLogger's process.stdout is the CLI's logger: on Workers the logger is console.log.)
    for (const match of code.matchAll(/\bprocess\??\.env\b/g)) {
      assert.match(code.slice(Math.max(0, match.index! - 120), match.index! + 12), /globalThis as[^)]*\)\.process\?\.env|typeof process/, `${file}: ${match[0]} where process may not exist`);
    }
  }
});

test('docs/workers.md says the proxy needs no Node built-in and no nodejs_compat', () => {
  const docs = readFileSync(join(ROOT, 'docs/workers.md'), 'utf8').replace(/\s+/g, ' ');
  assert.ok(/imports no Node built-in module/.test(docs), 'docs/workers.md says "imports no Node built-in module"');
  assert.ok(!/`nodejs_compat` is required/.test(docs), 'docs/workers.md still says nodejs_compat is required');
});

function isBuiltin(name: string): boolean {
  return ['crypto', 'timers', 'buffer', 'fs', 'path', 'os', 'http', 'https', 'net', 'stream', 'util', 'events', 'zlib', 'worker_threads'].includes(name);
}
