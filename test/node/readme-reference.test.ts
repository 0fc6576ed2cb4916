// The reference parts of the docs follow the code: the routes table (docs/proxy.md) lists exactly the routes served,
// and docs/reference.md names every option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ROUTES } from '../../src/protocol/wire.js';
import { createProxy } from '../../src/proxy/app.js';
import { HEALTH_ROUTES } from '../../src/proxy/routes/health.js';
import { ACCESS_TOKEN, SECRET } from '../proxy/harness.js';
import { root } from './readme-blocks.js';

const proxyPage = readFileSync(`${root}docs/proxy.md`, 'utf8');
const reference = readFileSync(`${root}docs/reference.md`, 'utf8');

/** The `METHOD /path` rows of the routes table in docs/proxy.md. */
function documentedRoutes(): { method: string; path: string }[] {
  const start = proxyPage.indexOf('\n## Routes\n');
  assert.ok(start >= 0, 'docs/proxy.md has a Routes section');
  const section = proxyPage.slice(start, proxyPage.indexOf('\n## ', start + 1));
  return [...section.matchAll(/^\| `(GET|POST) (\/[\w/]*)` \|/gm)].map((match) => ({ method: match[1]!, path: match[2]! }));
}

test('the routes table lists exactly the routes the proxy serves (metrics included)', () => {
  const served = [...Object.values(ROUTES), ...Object.values(HEALTH_ROUTES), '/metrics'].sort();
  assert.deepEqual(documentedRoutes().map((route) => route.path).sort(), served);
});

test('each documented route answers under the base path with its method, and 404 outside it', async () => {
  const proxy = createProxy({
    intercom: { accessToken: ACCESS_TOKEN, baseUrl: 'http://127.0.0.1:9' },
    secret: SECRET,
    testing: { setupDataAttributes: false, queuePollMs: 0 },
    basePath: '/api/leadrelay',
    metrics: { token: 'readme-metrics-token' },
  });
  try {
    for (const { method, path } of documentedRoutes()) {
      const headers = { authorization: 'Bearer readme-metrics-token', 'content-type': 'application/json' };
      const inside = await proxy.fetch(new Request(`http://127.0.0.1/api/leadrelay${path}`, { method, headers, body: method === 'POST' ? '{}' : undefined }));
      assert.notEqual(inside.status, 404, `${method} /api/leadrelay${path}`);
      assert.notEqual(inside.status, 405, `${method} /api/leadrelay${path}`);
      const outside = await proxy.fetch(new Request(`http://127.0.0.1${path}`, { method, headers, body: method === 'POST' ? '{}' : undefined }));
      assert.equal(outside.status, 404, `${method} ${path} without the base path`);
    }
  } finally {
    await proxy.close();
  }
});

/**
 * The options of an exported interface in a source file as paths: each member, and the members of a group it opens
 * (`intercom.accessToken`), whether the group is written inline or as an interface of its own in the same file.
 */
function interfaceMembers(path: string, name: string, prefix = ''): string[] {
  const source = readFileSync(`${root}${path}`, 'utf8');
  const start = source.indexOf(`export interface ${name} `);
  assert.ok(start >= 0, `${path} declares ${name}`);
  const members: string[] = [];
  let depth = 0;
  let group: string | undefined;
  for (const line of source.slice(source.indexOf('{', start)).split('\n')) {
    const member = depth === 1 || (depth === 2 && group) ? /^\s+(\w+)\??: (\{$|([A-Z]\w*);$)?/.exec(line) : null;
    if (member) {
      const name = depth === 2 ? `${group}.${member[1]}` : member[1]!;
      members.push(prefix + name);
      if (member[3] && source.includes(`export interface ${member[3]} `)) members.push(...interfaceMembers(path, member[3], `${prefix}${name}.`));
      if (member[2] === '{') group = member[1];
    }
    depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;
    if (depth === 1) group = undefined;
    if (depth === 0) break;
  }
  return members;
}

test('every option of createProxy and of serve() is named in docs/reference.md', () => {
  const options = [...interfaceMembers('src/proxy/options.ts', 'ProxyOptions'), ...interfaceMembers('src/proxy/node.ts', 'ServeOptions')];
  assert.ok(options.length > 30, `found ${options.length} options`);
  const tables = reference.slice(reference.indexOf('\n## Environment variables\n'));
  assert.match(tables, /\n## Every option of `createProxy`\n/);
  const undocumented = options.filter((option) => !new RegExp('`' + option.replaceAll('.', '\\.') + '(`|\\.)').test(tables));
  assert.deepEqual(undocumented, [], 'add each to docs/reference.md (the variables table or "Every option of createProxy")');
});
