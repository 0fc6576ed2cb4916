// Compiles the repository's TypeScript to JavaScript once, for the node test run, into a mirror of the tree
// (.test-js/<name>/): each `x.ts` becomes `x.js` beside a link to `x.ts`, and every other file or folder is a link to the
// real one, so a test that reads a file next to it (`new URL('../fixtures/…', import.meta.url)`), a source text
// (`…/options.ts`) or dist/ finds it there.
//
// Why: with `--import tsx`, every test file's process starts tsx's loader and passes each module through it, about
// 0.8 s of CPU per file before its first test (113 files, 2 cores). Compiled once here (esbuild, the compiler tsx
// itself uses, with the same tsconfig), the files run on plain Node. Processes a test starts itself (the CLI, the demo)
// still run the TypeScript sources with tsx, as a developer runs them.
// Each run of the node tests compiles its own mirror (.test-js/<its process id>/) and removes it when done, so two
// runs side by side in one checkout do not pull files from under each other.
//   node scripts/compile-tests.mjs [name]   → prints the mirror's path (.test-js/<name>/, default `manual`)
import { build } from 'esbuild';
import { mkdirSync, readdirSync, rmSync, symlinkSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const MIRRORS = join(root, '.test-js');

/** Top-level entries never mirrored: the mirror itself, git's folder, and node_modules (found from the mirror by walking up). */
const SKIP = new Set(['.test-js', '.git', 'node_modules']);

/** Folders holding TypeScript that is not ours to compile (other tools' projects under test: React, Vue, Svelte). */
const LINK_WHOLE = new Set([join('test', 'types', 'react'), join('test', 'types', 'vue'), join('test', 'types', 'svelte'), join('test', 'types', 'svelte-mistakes'), join('test', 'types', 'proxy')]);

function holdsTypeScript(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() ? holdsTypeScript(join(dir, entry.name)) : /\.ts$/.test(entry.name) && !entry.name.endsWith('.d.ts')) return true;
  }
  return false;
}

/** Mirrors `dir` (relative to the root): real folders where TypeScript is, links elsewhere; returns the .ts files. */
function mirror(MIRROR, dir, entries) {
  mkdirSync(join(MIRROR, dir), { recursive: true });
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (dir === '' && SKIP.has(entry.name)) continue;
    const real = join(root, path);
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && statSync(real).isDirectory());
    if (isDir && !LINK_WHOLE.has(path) && holdsTypeScript(real)) {
      mirror(MIRROR, path, entries);
      continue;
    }
    // esbuild writes x.js beside the link to x.ts: a real x.js there would be written through its link.
    if (!isDir && entry.name.endsWith('.js') && readdirSync(join(root, dir)).includes(entry.name.replace(/\.js$/, '.ts'))) {
      throw new Error(`compile-tests: ${path} and its .ts both exist; the compiled file would overwrite it`);
    }
    symlinkSync(relative(join(MIRROR, dir), real), join(MIRROR, path));
    if (!isDir && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) entries.push(path);
  }
  return entries;
}

/** Compiles into .test-js/<name>/ (emptied first) and returns its path. */
export async function compileTests(name = 'manual') {
  const MIRROR = join(MIRRORS, String(name));
  rmSync(MIRROR, { recursive: true, force: true });
  const entries = mirror(MIRROR, '', []);
  await build({
    absWorkingDir: root,
    entryPoints: entries,
    outdir: MIRROR,
    outbase: '.',
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  return MIRROR;
}

/** Removes a mirror compileTests made. */
export function removeMirror(path) {
  rmSync(path, { recursive: true, force: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(await compileTests(process.argv[2]));
