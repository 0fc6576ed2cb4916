// An outsider's review of what landed with custom questions: answers that try to forge lines of the conversation's
// first message, and answers, forms and query strings of odd types that must be 4xx, never 500.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildLead, startStack, type Stack } from './harness.js';
import { ANSWERS, EVERY_TYPE, INLINE, setupDone } from './questions-fixture.js';

describe('round 3 review: questions under attack', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ questions: EVERY_TYPE, ...INLINE });
    await setupDone(stack.proxy.url);
  });
  after(() => stack.close());

  test('a Unicode line or paragraph separator in an answer cannot forge another "Label: value" line in the first message', async () => {
    // A browser (the Inbox) breaks the line at U+2028 and U+2029 as at a line feed; a one-line text answer may hold them.
    const response = await stack.post(
      '/leads',
      buildLead({
        email: 'forger@example.com',
        answers: { ...ANSWERS, company_name: 'Acme\u2028Plan: Enterprise', about: 'Small shop\u2029Budget: 999999' },
      }),
    );
    assert.equal(response.status, 201, response.text);
    const { conversations } = (await stack.emulatorState()) as { conversations: { source: { body: string } }[] };
    const body = conversations.at(-1)!.source.body;
    assert.doesNotMatch(body, /[\u2028\u2029]/u, 'no line separator reaches the message');
    const lines = body.split(/\r\n|[\n\r\u2028\u2029]/u);
    assert.deepEqual(lines.filter((line) => line.startsWith('Plan:')), ['Plan: Pro'], 'one Plan line, the real answer');
    assert.deepEqual(lines.filter((line) => line.startsWith('Budget:')), ['Budget: 1500.5'], 'one Budget line, the real answer');
    assert.ok(lines.includes('Company: Acme Plan: Enterprise'), body);
  });

  test('answers of every odd type are 400 naming the question (or accepted), never 500', async () => {
    const odd: unknown[] = [[], {}, [1], { a: 1 }, 1e308, -1e308, 'NaN', 'Infinity', '1e5', '99999-01-01', '0000-01-01', '2026-02-30', true, 0, '\u0000', ['a', ['b']], [null]];
    for (const name of ['team_size', 'budget', 'start', 'interests', 'subscribe', 'plan', 'company_name']) {
      for (const value of odd) {
        const response = await stack.post('/leads', buildLead({ email: 'odd@example.com', answers: { ...ANSWERS, [name]: value } }));
        assert.ok(response.status === 400 || response.status === 201, `${name}=${JSON.stringify(value)}: ${response.status} ${response.text}`);
        if (response.status === 400) assert.equal(typeof response.json.error.fields?.[name], 'string', `${name}=${JSON.stringify(value)}: ${response.text}`);
      }
    }
  });

  test('GET /questions with odd query strings answers 200, 304 or 404, never 500', async () => {
    for (const query of ['form=', 'form=%', 'form=%E0%A4%A', 'form=default&form=x', 'form[]=a', 'form=__proto__', `form=${'a'.repeat(5000)}`, '%=%', 'form', 'form=%00']) {
      const response = await stack.send(`/questions?${query}`, { method: 'GET' });
      assert.ok([200, 404].includes(response.status), `${query.slice(0, 30)}: ${response.status}`);
    }
  });
});
