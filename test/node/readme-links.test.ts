// Every relative link of the docs resolves: the file exists, and a #fragment names a heading of that page, the way
// GitHub makes anchors from headings. Moving a section from one page to another breaks links that this catches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { docFiles, root } from './readme-blocks.js';

/** The pages checked: the docs, and the other Markdown pages that link into them. */
const pages = [...docFiles(), 'SECURITY.md', 'DEVELOPERS.md'];

/** The text of a page outside fenced code blocks and inline code, where `[x](y)` is a link. */
function prose(text: string): string {
  return text.replace(/^(`{3,})[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '').replace(/`[^`\n]*`/g, '``');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped (not `-` or `_`), each space a `-`, repeats numbered. */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  const withoutCode = text.replace(/^(`{3,})[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '');
  for (const [, heading] of withoutCode.matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm)) {
    const plain = heading!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/`/g, '');
    const slug = plain.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count ? `${slug}-${count}` : slug);
  }
  return result;
}

/** Every relative link and image of a page: its line and its target. */
function links(file: string): { line: number; target: string }[] {
  const text = prose(readFileSync(`${root}${file}`, 'utf8'));
  const found: { line: number; target: string }[] = [];
  text.split('\n').forEach((line, index) => {
    for (const [, target] of line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target!)) found.push({ line: index + 1, target: target! });
    }
  });
  return found;
}

test('the anchor rule gives GitHub\'s anchors for the docs\' kinds of headings', () => {
  assert.deepEqual(
    [...anchors("## 1. Prove who signed in\n## Troubleshooting: `origin_not_allowed`\n## Base path: the widget's `proxy` attribute\n## A\n## A\n")],
    ['1-prove-who-signed-in', 'troubleshooting-origin_not_allowed', 'base-path-the-widgets-proxy-attribute', 'a', 'a-1'],
  );
});

test('every relative link and #anchor in README.md, docs/*.md, SECURITY.md and DEVELOPERS.md resolves', () => {
  const broken: string[] = [];
  let checked = 0;
  for (const file of pages) {
    for (const { line, target } of links(file)) {
      checked += 1;
      const [path = '', fragment] = target.split('#');
      const resolved = path ? normalize(join(dirname(file), decodeURIComponent(path))) : file;
      if (resolved.startsWith('..') || !existsSync(join(root, resolved))) {
        broken.push(`${file}:${line} ${target}: no file ${resolved}`);
        continue;
      }
      if (fragment === undefined) continue;
      if (!resolved.endsWith('.md')) broken.push(`${file}:${line} ${target}: an anchor into a file that is not Markdown`);
      else if (!anchors(readFileSync(join(root, resolved), 'utf8')).has(fragment)) {
        broken.push(`${file}:${line} ${target}: ${resolved} has no heading #${fragment}`);
      }
    }
  }
  assert.ok(checked > 40, `found ${checked} links`);
  assert.deepEqual(broken, []);
});

test('the README stays short (at most 250 lines) and each docs page focused (at most 300 lines)', () => {
  const lengths = Object.fromEntries(docFiles().map((file) => [file, readFileSync(`${root}${file}`, 'utf8').trimEnd().split('\n').length]));
  assert.ok(lengths['README.md']! <= 250, `README.md has ${lengths['README.md']} lines: move detail into docs/`);
  const long = Object.entries(lengths).filter(([file, lines]) => file !== 'README.md' && lines > 300);
  assert.deepEqual(long, [], 'split a page that grew past 300 lines into focused pages');
});

test('the README links every docs page, so none is found only by browsing the folder', () => {
  const readme = prose(readFileSync(`${root}README.md`, 'utf8'));
  const unlinked = docFiles().filter((file) => file !== 'README.md' && !readme.includes(`](${file})`) && !readme.includes(`](${file}#`));
  assert.deepEqual(unlinked, [], 'add a row to the README\'s Documentation table');
});
