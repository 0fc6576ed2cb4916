// docs/workers.md shows the example files the workerd tests run, as they are: a change to one without the other fails.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EXAMPLE, ROOT } from './worker-build.js';

const page = readFileSync(join(ROOT, 'docs/workers.md'), 'utf8');
const blocks = [...page.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((match) => ({ lang: match[1], text: match[2] }));

/** A file's `#region readme` … `#endregion readme` lines, or the whole file. */
function shown(file: string): string {
  const text = readFileSync(join(EXAMPLE, file), 'utf8');
  const region = /\/\/ #region readme\n([\s\S]*?)\/\/ #endregion readme\n/.exec(text);
  return region ? region[1]! : text;
}

for (const file of ['wrangler.toml', 'worker.ts', 'hono-worker.ts']) {
  test(`docs/workers.md shows examples/cloudflare/${file} as it is`, () => {
    const expected = shown(file);
    assert.ok(
      blocks.some((block) => block.text === expected),
      `no code block in docs/workers.md equals examples/cloudflare/${file}${file.endsWith('.ts') ? "'s readme region" : ''}:\n${expected}`,
    );
  });
}
