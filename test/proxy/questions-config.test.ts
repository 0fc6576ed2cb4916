// The questions file as configuration: `questions` in createProxy, LEADRELAY_QUESTIONS for the CLI (a path or the
// JSON) and the Worker (the JSON); a file that cannot work stops the proxy at start with a sentence naming the question.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseQuestionsFile } from '../../src/protocol/questions.js';
import { ConfigError, createProxy } from '../../src/proxy/app.js';
import { optionsFromEnv } from '../../src/proxy/cli.js';
import { optionsFromWorkerEnv } from '../../src/proxy/cloudflare.js';
import { ACCESS_TOKEN, buildLead, SECRET, startInProcessStack } from './harness.js';
import { docBlocks } from '../node/readme-blocks.js';
import { EVERY_TYPE, INLINE, setupDone } from './questions-fixture.js';

const base = { intercom: { accessToken: ACCESS_TOKEN, baseUrl: 'http://127.0.0.1:9' }, secret: SECRET, testing: { setupDataAttributes: false, queuePollMs: 0 } };
const dir = mkdtempSync(join(tmpdir(), 'leadrelay-questions-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const BAD_FILES: [string, unknown, RegExp][] = [
  ['a select without options', { questions: [{ name: 'team_size', type: 'select', label: 'Team size' }] }, /Question "team_size" is a select question without options/],
  ['an attribute that is a standard contact field', { questions: [{ name: 'work_role', type: 'text', label: 'Role', attribute: 'role' }] }, /Question "work_role" has the attribute "role", one of Intercom's standard contact fields/],
  ['a leadrelay_* attribute', { questions: [{ name: 'ref', type: 'text', label: 'Ref', attribute: 'leadrelay_submission_id' }] }, /Question "ref" has the attribute "leadrelay_submission_id"/],
  ['an unknown type', { questions: [{ name: 'colour', type: 'color', label: 'Colour' }] }, /Question "colour" has an unknown type "color"/],
];

for (const [what, file, sentence] of BAD_FILES) {
  test(`createProxy refuses a file with ${what}, naming the question`, () => {
    assert.throws(
      () => createProxy({ ...base, questions: file as Record<string, unknown> }),
      (error: unknown) => error instanceof ConfigError && sentence.test(error.message) && /LEADRELAY_QUESTIONS/.test(error.message),
    );
  });
}

test('createProxy takes the JSON or what parseQuestionsFile made of it, and both serve the same hash', async () => {
  const fromJson = createProxy({ ...base, questions: EVERY_TYPE });
  const fromParsed = createProxy({ ...base, questions: parseQuestionsFile(EVERY_TYPE) });
  try {
    const [a, b] = await Promise.all(
      [fromJson, fromParsed].map(async (proxy) => (await proxy.fetch(new Request('http://127.0.0.1/questions'))).json() as Promise<{ hash: string }>),
    );
    assert.match(a.hash, /^[0-9a-f]{16}$/);
    assert.equal(a.hash, b.hash);
  } finally {
    await fromJson.close();
    await fromParsed.close();
  }
});

test('the CLI reads LEADRELAY_QUESTIONS as a path, or as the JSON itself when it starts with {', () => {
  const env = { INTERCOM_ACCESS_TOKEN: ACCESS_TOKEN, LEADRELAY_SECRET: SECRET };
  assert.equal(optionsFromEnv(env, false).questions, undefined);
  const path = join(dir, 'questions.json');
  writeFileSync(path, JSON.stringify(EVERY_TYPE));
  assert.deepEqual(optionsFromEnv({ ...env, LEADRELAY_QUESTIONS: path }, false).questions, EVERY_TYPE);
  assert.deepEqual(optionsFromEnv({ ...env, LEADRELAY_QUESTIONS: ` ${JSON.stringify(EVERY_TYPE)}` }, false).questions, EVERY_TYPE);
});

test('the CLI refuses a questions file it cannot read, that is not JSON, or that cannot work, before anything starts', () => {
  const env = { INTERCOM_ACCESS_TOKEN: ACCESS_TOKEN, LEADRELAY_SECRET: SECRET };
  const refused = (value: string, sentence: RegExp) =>
    assert.throws(() => optionsFromEnv({ ...env, LEADRELAY_QUESTIONS: value }, false), (error: unknown) => error instanceof ConfigError && sentence.test(error.message));
  refused(join(dir, 'missing.json'), /LEADRELAY_QUESTIONS names a file that could not be read \(ENOENT\)/);
  const notJson = join(dir, 'not-json.json');
  // A file that is not JSON is not quoted back (it could be any file: a .env given by mistake).
  writeFileSync(notJson, `SECRET_VALUE=${SECRET}\n`);
  assert.throws(
    () => optionsFromEnv({ ...env, LEADRELAY_QUESTIONS: notJson }, false),
    (error: unknown) => error instanceof ConfigError && /is not valid JSON/.test(error.message) && !error.message.includes(SECRET),
  );
  refused(JSON.stringify({ questions: [{ name: 'team_size', type: 'select', label: 'Team size' }] }), /Question "team_size" is a select question without options/);
});

test('the Worker reads LEADRELAY_QUESTIONS as JSON text or as a JSON object in [vars]', () => {
  const env = { INTERCOM_ACCESS_TOKEN: ACCESS_TOKEN, LEADRELAY_SECRET: SECRET };
  assert.equal(optionsFromWorkerEnv(env).questions, undefined);
  assert.deepEqual(optionsFromWorkerEnv({ ...env, LEADRELAY_QUESTIONS: JSON.stringify(EVERY_TYPE) }).questions, EVERY_TYPE);
  assert.deepEqual(optionsFromWorkerEnv({ ...env, LEADRELAY_QUESTIONS: EVERY_TYPE }).questions, EVERY_TYPE);
  assert.throws(() => optionsFromWorkerEnv({ ...env, LEADRELAY_QUESTIONS: '{"questions": [' }), /LEADRELAY_QUESTIONS is not valid JSON/);
});

test('the questions file in docs/questions.md: the proxy takes it, and a lead with answers to it arrives typed', async () => {
  const block = docBlocks().find((candidate) => candidate.check === 'questions-file');
  assert.ok(block, 'docs/questions.md has the questions-file block');
  const stack = await startInProcessStack({ questions: JSON.parse(block.code), ...INLINE });
  await setupDone(stack);
  try {
    const answers = { company: 'Acme Inc', team_size: '11-50', seats: 12, interests: ['api'], subscribe: true, start: '2026-09-01' };
    const response = await stack.post('/leads', buildLead({ answers }));
    assert.equal(response.status, 201, response.text);
    const { contacts, conversations, companies } = (await stack.emulatorState()) as { contacts: any[]; conversations: any[]; companies: any[] };
    assert.equal(contacts[0].custom_attributes.company_name, 'Acme Inc');
    assert.equal(contacts[0].custom_attributes.seats, 12);
    assert.equal(contacts[0].custom_attributes.interests, 'api');
    assert.match(conversations[0].source.body, /^Team size: 11–50$/m);
    assert.equal(companies.length, 1);
  } finally {
    await stack.close();
  }
});
