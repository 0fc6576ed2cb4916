// The proxy's folders are its layers: routes → delivery → guards/intercom → store → base. An import that runs back
// up (a value import from a higher layer, or any import of a route) fails here, and so does a cycle between folders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROXY = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/proxy');

/** Which folders each layer may import values from. The top level (app, options, node, cli…) composes them all. */
const MAY_IMPORT: Record<string, string[]> = {
  routes: ['delivery', 'guards', 'intercom', 'store', 'base'],
  delivery: ['guards', 'intercom', 'store', 'base'],
  guards: ['store', 'base'],
  intercom: ['base'],
  store: ['base'],
  base: [],
};
/** Top-level files every layer may use: the wire-error builder, the log line, and the one retry policy. */
const BASE_FILES = new Set(['errors.ts', 'logging.ts', 'retry-policy.ts', 'web-crypto.ts']);

function layerOf(file: string): string {
  const rel = relative(PROXY, file).split('\\').join('/');
  const [first, ...rest] = rel.split('/');
  if (rest.length > 0) return first;
  return BASE_FILES.has(first) ? 'base' : 'top';
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

/** Relative imports of one file; `import type` / `export type` lines are type-only (erased from the build). */
function importsOf(file: string): Edge[] {
  const text = readFileSync(file, 'utf8');
  const edges: Edge[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?[^;]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/gm;
  for (const match of text.matchAll(re)) {
    const spec = match[3] ?? match[4];
    const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
    if (!target.startsWith(PROXY)) continue;
    edges.push({ from: file, to: target, typeOnly: Boolean(match[2]) });
  }
  return edges;
}

const edges = sourceFiles(PROXY).flatMap(importsOf);
const rel = (file: string) => relative(PROXY, file);

test('src/proxy is grouped in layer folders with few files left at the top', () => {
  const layers = new Set(sourceFiles(PROXY).map(layerOf));
  for (const layer of ['routes', 'delivery', 'guards', 'intercom', 'store']) assert.ok(layers.has(layer), `no ${layer}/ folder`);
  const top = sourceFiles(PROXY).filter((file) => layerOf(file) === 'top');
  assert.ok(top.length <= 10, `too many files at the top of src/proxy: ${top.map(rel).join(', ')}`);
});

test('no value import runs back up the layers', () => {
  const wrong = edges.filter(({ from, to, typeOnly }) => {
    const a = layerOf(from);
    const b = layerOf(to);
    if (a === 'top' || a === b) return false;
    if (b === 'top') return !typeOnly; // options' types are shared; the composition root's values are not
    return !typeOnly && !MAY_IMPORT[a].includes(b);
  });
  assert.deepEqual(wrong.map(({ from, to }) => `${rel(from)} → ${rel(to)}`), []);
});

test('nothing below the routes imports a route, not even a type', () => {
  const wrong = edges.filter(({ from, to }) => layerOf(to) === 'routes' && !['routes', 'top'].includes(layerOf(from)));
  assert.deepEqual(wrong.map(({ from, to }) => `${rel(from)} → ${rel(to)}`), []);
});

test('the layer folders import each other without cycles', () => {
  const graph = new Map<string, Set<string>>();
  for (const { from, to, typeOnly } of edges) {
    const a = layerOf(from);
    const b = layerOf(to);
    if (typeOnly || a === b || a === 'top' || b === 'top') continue;
    if (!graph.has(a)) graph.set(a, new Set());
    graph.get(a)!.add(b);
  }
  const cycles: string[] = [];
  const visit = (node: string, path: string[]) => {
    if (path.includes(node)) return cycles.push([...path, node].join(' → '));
    for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
  };
  for (const node of graph.keys()) visit(node, []);
  assert.deepEqual(cycles, []);
});

test('routes import no Intercom client, not even a type: they call delivery, which answers results', () => {
  const client = join(PROXY, 'intercom', 'intercom-client.ts');
  const wrong = edges.filter(({ from, to }) => layerOf(from) === 'routes' && to === client);
  assert.deepEqual(wrong.map(({ from, to }) => `${rel(from)} → ${rel(to)}`), []);
});

/** What a delivery file may import as a value from errors.ts: the class, to recognise one (never to build one). */
const DELIVERY_MAY_USE_FROM_ERRORS = new Set(['ProxyError']);

test('the delivery layer throws no HTTP status: it builds no ProxyError, the routes translate its results', () => {
  const wrong: string[] = [];
  for (const file of sourceFiles(join(PROXY, 'delivery'))) {
    const text = readFileSync(file, 'utf8');
    if (/new\s+ProxyError\s*\(/.test(text)) wrong.push(`${rel(file)}: new ProxyError(`);
    if (/extends\s+ProxyError\b/.test(text)) wrong.push(`${rel(file)}: extends ProxyError`);
    if (/\bintercomErrorToProxyError\b/.test(text)) wrong.push(`${rel(file)}: intercomErrorToProxyError`);
    // The error builders of errors.ts (invalidFields, upstreamError, idempotencyKeyReused…) each answer a ProxyError.
    for (const match of text.matchAll(/^\s*import\s+\{([^}]*)\}\s*from\s*['"]\.\.\/errors\.js['"]/gm)) {
      for (const name of match[1].split(',').map((part) => part.trim()).filter(Boolean)) {
        if (!name.startsWith('type ') && !DELIVERY_MAY_USE_FROM_ERRORS.has(name)) wrong.push(`${rel(file)}: imports ${name} from errors.ts`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});

/** How delivery is entered from the routes; its steps, recovery and queue internals are not (not even as types). */
const DELIVERY_INTERNALS = ['lead-delivery.ts', 'lead-steps.ts', 'question-steps.ts', 'delivery-queue.ts'];

test('routes import no delivery internals: they call an entry (accept-lead, idempotency, lead-reply…) and translate its result', () => {
  const internals = DELIVERY_INTERNALS.map((name) => join(PROXY, 'delivery', name));
  const wrong = edges.filter(({ from, to }) => layerOf(from) === 'routes' && internals.includes(to));
  assert.deepEqual(wrong.map(({ from, to }) => `${rel(from)} → ${rel(to)}`), []);
});

/** A class or a throw whose name says "later", "refused" or "queued": an outcome dressed as an exception. */
const OUTCOME_AS_EXCEPTION = /\b(class\s+\w*(Deferred|Refus\w*|Queued)\w*\s+extends\b|throw\s+new\s+\w*(Deferred|Refus\w*|Queued)\w*\s*\()/;

test('delivery answers deferred and refused as results, not exceptions, and the routes catch none', () => {
  const wrong: string[] = [];
  for (const file of [...sourceFiles(join(PROXY, 'delivery')), ...sourceFiles(join(PROXY, 'routes'))]) {
    const text = readFileSync(file, 'utf8');
    const match = OUTCOME_AS_EXCEPTION.exec(text);
    if (match) wrong.push(`${rel(file)}: ${match[0]}`);
  }
  assert.deepEqual(wrong, []);
  // The pattern finds what it is meant to find.
  assert.ok(OUTCOME_AS_EXCEPTION.test("export class DeliveryDeferred extends Error {"));
  assert.ok(OUTCOME_AS_EXCEPTION.test("throw new Queued(body);"));
});

test('the delivery check sees an HTTP status where one is built', () => {
  // Guard against a scan that reads nothing: the routes do build ProxyErrors, and the same patterns find them there.
  const routes = sourceFiles(join(PROXY, 'routes')).map((file) => readFileSync(file, 'utf8'));
  assert.ok(routes.some((text) => /new\s+ProxyError\s*\(/.test(text)));
  assert.ok(sourceFiles(join(PROXY, 'delivery')).length >= 5);
});

test('the checker sees a back-up import when one exists', () => {
  // Guard against a checker that silently finds no imports at all.
  assert.ok(edges.length > 50, `only ${edges.length} imports found in src/proxy`);
  assert.ok(edges.some(({ from, to }) => layerOf(from) === 'routes' && layerOf(to) === 'delivery'));
});
