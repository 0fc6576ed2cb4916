// The shipped framework typings: React 19, Vue 3 and Svelte 5 usage type-checks; wrong attributes and details do not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { ROOT } from '../support/root.js';

// The usage files import `leadrelay/react`, `leadrelay/vue`, `leadrelay/svelte`: the package's own exports and
// dist/*.d.ts (run `npm run build:ts` first), exactly what a user's project resolves.
const root = ROOT;
const bin = (name: string) => `${root}node_modules/.bin/${name}`;
const run = promisify(execFile);

/** Runs a checker; resolves with its exit code and output instead of throwing on failure. */
async function check(command: string, args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(bin(command), args, { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failure.code === 'number' ? failure.code : 1, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
  }
}

/** svelte-check's machine output: one `ERROR "file" line:col "message"` line per error. */
function svelteErrors(output: string): string[] {
  return output.split('\n').filter((line) => / ERROR /.test(line));
}

test('React 19: <lead-relay> with its attributes and onlr-* handlers type-checks; each @ts-expect-error mistake fails', async () => {
  // tsc fails on an unused @ts-expect-error, so a wrong mode, a missing proxy, a wrong strings type and a wrong event
  // detail (the lines marked in usage.tsx) must each be an error for this to pass.
  const { code, output } = await check('tsc', ['-p', 'test/types/react/tsconfig.json']);
  assert.equal(code, 0, output);
});

test('Vue 3: vue-tsc checks <lead-relay> in a template through GlobalComponents, @lr-* details included', async () => {
  const { code, output } = await check('vue-tsc', ['-p', 'test/types/vue/tsconfig.json']);
  assert.equal(code, 0, output);
});

test('Svelte 5: the element typings accept its attributes and handlers, and refuse the @ts-expect-error mistakes', async () => {
  const { code, output } = await check('tsc', ['-p', 'test/types/svelte/tsconfig.json']);
  assert.equal(code, 0, output);
});

test('Svelte 5: svelte-check accepts <lead-relay> in markup', async () => {
  const args = ['--workspace', 'test/types/svelte', '--tsconfig', `${root}test/types/svelte/tsconfig.json`, '--output', 'machine'];
  const { code, output } = await check('svelte-check', [...args, '--fail-on-warnings']);
  assert.equal(code, 0, output);
  assert.deepEqual(svelteErrors(output), []);
});

test('Svelte 5: svelte-check refuses a wrong mode and a wrong event detail in markup', async () => {
  const args = ['--workspace', 'test/types/svelte-mistakes', '--tsconfig', `${root}test/types/svelte-mistakes/tsconfig.json`];
  const { code, output } = await check('svelte-check', [...args, '--output', 'machine']);
  assert.notEqual(code, 0);
  const errors = svelteErrors(output);
  assert.equal(errors.length, 2, output);
  assert.match(errors[0]!, /Mistakes\.svelte" 6:\d+ .*sideways.* is not assignable/);
  assert.match(errors[1]!, /Mistakes\.svelte" 7:\d+ .*'leadToken' does not exist on type 'LeadErrorDetail'/);
});

test('the typings list every attribute and event of the element manifest, and nothing else', () => {
  const manifest = JSON.parse(readFileSync(`${root}custom-elements.json`, 'utf8')) as {
    modules: { declarations?: { tagName?: string; attributes?: { name: string }[]; events?: { name: string }[] }[] }[];
  };
  const element = manifest.modules.flatMap((module) => module.declarations ?? []).find((d) => d.tagName === 'lead-relay');
  assert.ok(element, 'custom-elements.json describes <lead-relay>');
  const source = readFileSync(`${root}src/jsx/attributes.ts`, 'utf8');
  const body = /export interface LeadRelayAttributes \{([^}]*)\}/.exec(source)?.[1] ?? '';
  const typed = [...body.matchAll(/^\s*'?([\w-]+)'?\??:/gm)].map((match) => match[1]).sort();
  assert.deepEqual(typed, (element.attributes ?? []).map((attribute) => attribute.name).sort());

  const events = readFileSync(`${root}src/widget/events.ts`, 'utf8');
  const eventMap = /export interface LeadRelayEventMap \{([^}]*)\}/.exec(events)?.[1] ?? '';
  const typedEvents = [...eventMap.matchAll(/'([\w-]+)':/g)].map((match) => match[1]).sort();
  assert.deepEqual(typedEvents, (element.events ?? []).map((event) => event.name).sort());
});

test("createProxy's grouped options: the published types accept every group and refuse the old flat options (@ts-expect-error lines)", async () => {
  const { code, output } = await check('tsc', ['-p', 'test/types/proxy/tsconfig.json']);
  assert.equal(code, 0, output);
});
