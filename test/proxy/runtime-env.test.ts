// Runtimes that guard the environment: Deno with a scoped --allow-env throws NotCapable (PermissionDenied before
// 2.0) on reading a variable it does not list. createProxy reads NODE_ENV for one start-up warning only, so a
// refused read must not stop the proxy; where NODE_ENV can be read, the warning still comes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProxy, MemoryStore } from '../../src/proxy/app.js';
import { ACCESS_TOKEN, SECRET } from './harness.js';

/** Run `fn` with process.env replaced by one that refuses every read, as Deno's permission check does. */
async function withGuardedEnv<T>(fn: () => Promise<T>): Promise<T> {
  const original = process.env;
  class NotCapable extends Error {
    override name = 'NotCapable';
  }
  process.env = new Proxy({} as NodeJS.ProcessEnv, {
    get(_target, name) {
      throw new NotCapable(`Requires env access to "${String(name)}", run again with the --allow-env flag`);
    },
  });
  try {
    return await fn();
  } finally {
    process.env = original;
  }
}

function start(lines: Record<string, unknown>[]) {
  return createProxy({
    intercom: { accessToken: ACCESS_TOKEN, baseUrl: 'http://127.0.0.1:9' },
    secret: SECRET,
    store: new MemoryStore(),
    testing: { setupDataAttributes: false, queuePollMs: 0 },
    logger: (line) => lines.push(line),
  });
}

test('createProxy starts and answers when reading NODE_ENV is refused (Deno without --allow-env=NODE_ENV)', async () => {
  const lines: Record<string, unknown>[] = [];
  const response = await withGuardedEnv(async () => {
    const proxy = start(lines);
    try {
      return await proxy.fetch(new Request('http://127.0.0.1/health'));
    } finally {
      await proxy.close();
    }
  });
  assert.equal(response.status, 200);
  assert.ok(!lines.some((line) => line.event === 'memory_store_in_production'), 'no NODE_ENV read, no production warning');
});

test('where NODE_ENV can be read, production with the memory store is still warned about', async () => {
  const lines: Record<string, unknown>[] = [];
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await start(lines).close();
  } finally {
    if (previous === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = previous;
  }
  assert.ok(lines.some((line) => line.event === 'memory_store_in_production'));
});
