// The prerendered snippet with questions (renderLeadRelay's `questions`, leadrelay-render --questions/--form): the
// chosen form drawn into the declarative shadow DOM with the hidden form/hash fields, the definition as inert JSON
// that nothing in a label can break out of, the questions' CSS under the one CSP hash, and a file or form that cannot
// be used refused with a sentence.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { questionsHash, parseQuestionsFile } from '../../src/protocol/questions.js';
import { main, parseRenderArgs } from '../../src/render/cli.js';
import { prerenderLeadRelay } from '../../src/render/render-lead-relay.js';

const FILE = {
  forms: {
    contact: [{ name: 'company', type: 'text', label: { en: 'Company', de: 'Firma' }, required: true }],
    demo: [
      { name: 'team_size', type: 'select', label: 'Team size', options: ['1-10', '11-50'], required: true },
      { name: 'interests', type: 'checkboxes', label: 'Interests', hint: 'All that apply', options: ['api', 'ui'] },
      { name: 'campaign', type: 'hidden', value: 'spring' },
    ],
  },
};

test('renderLeadRelay draws the form the `form` attribute names, with its hash and the hidden fields a post without JavaScript needs', async () => {
  const { html, styleSrc } = await prerenderLeadRelay({ proxy: 'https://example.com/api/leadrelay', form: 'demo', questions: FILE });
  const hash = questionsHash(parseQuestionsFile(FILE).forms.demo!);
  assert.match(html, /<lead-relay [^>]*form="demo"/);
  assert.match(html, /<select part="input" id="lr-team_size" name="team_size" required/);
  assert.match(html, /<fieldset class="field group" part="field" aria-describedby="lr-interests-hint">\s*<legend part="label">Interests<\/legend>/);
  assert.equal((html.match(/type="checkbox" id="lr-interests[^"]*" name="interests"/g) ?? []).length, 2);
  assert.match(html, /<input type="hidden" name="form" value="demo" \/><input type="hidden" name="questions" value="([0-9a-f]{16})" \/>/);
  assert.ok(html.includes(`value="${hash}"`), 'the hash the proxy computes for that form');
  assert.equal(html.includes('name="campaign"'), false, 'a hidden question is not drawn');
  assert.equal(html.includes('Company'), false, 'another form\'s questions are not drawn');
  // One <style>, the questions' rules in it, one hash for a CSP.
  assert.equal((html.match(/<style>/g) ?? []).length, 1);
  assert.match(html, /<style>[^<]*fieldset\{/);
  assert.equal(styleSrc.length, 1);
  // The definition the element reads on upgrade.
  const json = /<script type="application\/json">([^<]*)<\/script>/.exec(html)?.[1];
  assert.equal(JSON.parse(json!).hash, hash);
});

test('labels are in the snippet\'s locale, and nothing in a label can close the JSON script or open markup', async () => {
  const hostile = { questions: [{ name: 'company', type: 'text', label: { en: '</script><script>alert(1)</script>', de: 'Firma <b>&</b>' } }] };
  const { html } = await prerenderLeadRelay({ proxy: 'https://example.com', locale: 'de', questions: hostile });
  assert.match(html, /<label part="label" for="lr-company">Firma &lt;b&gt;&amp;&lt;\/b&gt;<\/label>/);
  assert.equal((html.match(/<script/g) ?? []).length, 1, 'one script element: the inert JSON');
  assert.equal(html.includes('<script>alert'), false);
  const json = /<script type="application\/json">(.*?)<\/script>/s.exec(html)?.[1] ?? '';
  assert.equal(JSON.parse(json).questions[0].label.en, '</script><script>alert(1)</script>');
});

test('a form the file does not have, or a file that cannot work, is refused with a sentence naming it', async () => {
  await assert.rejects(prerenderLeadRelay({ proxy: 'https://example.com', form: 'pricing', questions: FILE }), /no form "pricing" \(it has: contact, demo\)/);
  await assert.rejects(
    prerenderLeadRelay({ proxy: 'https://example.com', questions: { questions: [{ name: 'team_size', type: 'select', label: 'Team size' }] } }),
    /Question "team_size" is a select question without options/,
  );
});

test('leadrelay-render --questions FILE --form NAME reads the file and draws that form', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'leadrelay-render-'));
  const path = join(folder, 'questions.json');
  writeFileSync(path, JSON.stringify(FILE));
  const { attributes } = parseRenderArgs(['--proxy', 'https://example.com', '--questions', path, '--form', 'contact']);
  assert.deepEqual(attributes.questions, FILE);
  assert.equal(attributes.form, 'contact');
  const written: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => (written.push(chunk), true)) as typeof process.stdout.write;
  const quiet = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    assert.equal(await main(['--proxy', 'https://example.com', '--questions', path, '--form', 'contact', '--locale', 'de']), 0);
  } finally {
    process.stdout.write = write;
    process.stderr.write = quiet;
  }
  assert.match(written.join(''), /<label part="label" for="lr-company">Firma<\/label>/);
});
