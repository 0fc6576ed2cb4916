// What importing `leadrelay/proxy` loads before any request, read from esbuild's import graph of src/proxy/app.ts
// (no timing): only Hono among packages, so the libraries that made the import slow (libphonenumber-js, jose,
// prom-client, ioredis, SQLite drivers) load when first used; and the Node built-ins it needs, as docs/workers.md
// names them for Vercel and Netlify edge functions.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { build, type Metafile } from 'esbuild';
import { ROOT } from './worker-build.js';

let metafile: Metafile;
before(async () => {
  const result = await build({
    entryPoints: [join(ROOT, 'src/proxy/app.ts')],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  metafile = result.metafile;
});

/** Every external import in the graph: what it names, how, and which module imports it. */
function externals(): { path: string; kind: string; from: string }[] {
  return Object.entries(metafile.inputs).flatMap(([from, input]) =>
    input.imports.filter((item) => item.external).map((item) => ({ path: item.path, kind: item.kind, from })),
  );
}

test('leadrelay/proxy imports no package but Hono up front; the phone library and jose are loaded on first use', () => {
  const packages = new Set(externals().filter((item) => item.kind === 'import-statement' && !item.path.startsWith('node:')).map((item) => item.path.split('/')[0]));
  assert.deepEqual([...packages].sort(), ['hono']);
  const lazy = new Set(externals().filter((item) => item.kind === 'dynamic-import').map((item) => item.path));
  assert.ok(lazy.has('libphonenumber-js') && lazy.has('jose'), [...lazy].join(', '));
});

test('docs/workers.md names the Node built-ins the import graph has, and Buffer if it is used', () => {
  const docs = readFileSync(join(ROOT, 'docs/workers.md'), 'utf8').replace(/\s+/g, ' ');
  const sentence = /imports two Node built-in modules, `node:crypto` .*? and `node:timers\/promises`/.exec(docs);
  assert.ok(sentence, 'the edge section names the two built-ins');
  const builtins = new Set(externals().filter((item) => item.path.startsWith('node:') && item.kind === 'import-statement').map((item) => item.path));
  assert.deepEqual([...builtins].sort(), ['node:crypto', 'node:timers/promises'], 'the built-ins imported up front are the two the docs name');
  const usesBuffer = Object.keys(metafile.inputs).some((file) => /\bBuffer\.(from|concat|byteLength)\b/.test(readFileSync(join(ROOT, file), 'utf8')));
  assert.equal(usesBuffer, /uses the `Buffer` global/.test(docs));
});
