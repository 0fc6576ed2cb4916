// Script-tag bundles from the tsc output: dist/leadrelay.js (ESM + lazy chunks) and dist/leadrelay.iife.js (one file).
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import ts from 'typescript';

const input = 'dist/widget/script-tag.js';
/** Modules first paint does not need (loaded with import()); the locale packs stay one chunk each. */
const LATER = [
  '/node_modules/ky/',
  '\0ky-post', // ky's entry in these bundles (see kyPostOnly)
  '/dist/protocol/wire.js',
  '/dist/client/proxy-client.js',
  '/dist/widget/submission.js',
  '/dist/widget/validation.js',
  '/dist/widget/page-context.js',
  '/dist/widget/outbox.js',
];

/**
 * The member names of the element's internal form state, the questions view's hooks, the outbox controller and the
 * submit code's entry points (src/widget/host.ts): the modules around the element reach them through those
 * interfaces, and the bundle shortens them like `_` names.
 */
function hostMembers() {
  const path = 'src/widget/host.ts';
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const names = [];
  for (const node of file.statements) {
    if (ts.isInterfaceDeclaration(node) && ['FormState', 'QuestionsView', 'Outbox', 'SubmitCode', 'PackLoading'].includes(node.name.text)) {
      for (const member of node.members) names.push(member.name.getText(file));
    }
  }
  if (names.length < 20) throw new Error(`${path}: the host interfaces were not found`);
  return names;
}

/**
 * The element's private custom properties (`--_accent`…, declared on `:host` in lead-relay.styles.ts, read there and
 * by the launcher's and the questions' styles) → `--_a`, `--_b`…: one table for every chunk. A `--_name` not declared
 * there stops the build.
 */
function privateProperties() {
  const path = 'src/widget/lead-relay.styles.ts';
  const names = [...new Set([...readFileSync(path, 'utf8').matchAll(/(--_[\w-]+):/g)].map((match) => match[1]))];
  if (names.length < 5 || names.length > 26) throw new Error(`${path}: expected the :host block's --_ properties`);
  const short = new Map(names.map((name, index) => [name, `--_${String.fromCharCode(97 + index)}`]));
  return (css, id) =>
    css.replace(/--_[\w-]+/g, (name) => {
      if (!short.has(name)) throw new Error(`${id}: ${name} is not declared in ${path}`);
      return short.get(name);
    });
}

/**
 * Collapse the indentation inside our html`` and css`` templates (terser leaves template text alone), and shorten the
 * private custom properties in css``. Uses the TypeScript parser to find the templates, so strings, comments and
 * regexes elsewhere are never touched.
 */
function minifyTemplates() {
  const shortenProperties = privateProperties();
  return {
    name: 'minify-templates',
    transform(code, id) {
      if (!id.includes('/dist/widget/')) return null;
      const file = ts.createSourceFile(id, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
      const edits = [];
      const visit = (node) => {
        if (ts.isTaggedTemplateExpression(node) && ['html', 'css'].includes(node.tag.getText(file))) {
          const isCss = node.tag.getText(file) === 'css';
          const parts = ts.isNoSubstitutionTemplateLiteral(node.template)
            ? [node.template]
            : [node.template.head, ...node.template.templateSpans.map((span) => span.literal)];
          for (const part of parts) {
            let text = part.getText(file).replace(/\s*\n\s*/g, ' ');
            if (isCss) {
              text = text
                .replace(/\s*([{};:,>+])\s*/g, '$1') // no calc() here adds with +
                .replace(/;}/g, '}')
                .replace(/([\s:(,])0\.(\d)/g, '$1.$2') // 0.5rem → .5rem
                .replace(/ !important/g, '!important')
                .replace(/='([\w-]+)'\]/g, '=$1]') // [theme='dark'] → [theme=dark]
                .replace(/@media \(/g, '@media(');
              text = shortenProperties(text, id);
            } else if (text.includes('--_')) {
              throw new Error(`${id}: a private custom property in html\`\` (only css\`\` is shortened)`);
            }
            edits.push([part.getStart(file), part.getEnd(), text]);
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(file);
      let out = code;
      for (const [start, end, text] of edits.sort((a, b) => b[0] - a[0])) out = out.slice(0, start) + text + out.slice(end);
      return { code: out, map: null };
    },
  };
}

/**
 * ky for the script-tag bundles: its request class (`Ky.create`: the fetch, timeout, retry with backoff and
 * Retry-After, HTTPError) without the instance factory around it (`ky.create`, `ky.extend`, a function per method,
 * and the deep merge of default options into each call's), which the widget never uses. The widget calls
 * `ky.post(url, options)` and catches `HTTPError`, and that is all this module offers: the build stops on any other
 * member of `ky` in our code (another method, `ky.create`), which would have to be added here. The npm entry (dist/)
 * imports ky itself; apps bundle all of it. ky's `exports` map hides `core/Ky.js`, so it is found beside ky's entry, and the build
 * stops if ky's files moved (ky is pinned: see DEVELOPERS.md).
 */
function kyPostOnly() {
  const ID = '\0ky-post';
  const distribution = dirname(createRequire(import.meta.url).resolve('ky'));
  const core = `${distribution}/core/Ky.js`;
  if (!readFileSync(core, 'utf8').includes('export class Ky {')) throw new Error(`${core}: ky's request class moved`);
  return {
    name: 'ky-post-only',
    resolveId: (source) => (source === 'ky' ? ID : null),
    // The contract, checked: a module of ours that imports ky calls nothing on it but `post`.
    transform(code, id) {
      if (id.includes('/node_modules/') || !/from 'ky'|import\('ky'\)/.test(code)) return null;
      const file = ts.createSourceFile(id, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
      const visit = (node) => {
        if (ts.isPropertyAccessExpression(node) && node.expression.getText(file) === 'ky' && node.name.text !== 'post') {
          throw new Error(`${id}: ky.${node.name.text} is not in the bundles' ky (see kyPostOnly in rollup.config.mjs)`);
        }
        ts.forEachChild(node, visit);
      };
      visit(file);
      return null;
    },
    load: (id) =>
      id === ID
        ? [
            `import { Ky } from ${JSON.stringify(core)};`,
            `export { HTTPError } from ${JSON.stringify(`${distribution}/errors/HTTPError.js`)};`,
            // What ky.post does, less the deep merge (the options are one plain object: nothing to merge into).
            `export default { post: (input, options) => Ky.create(input, { ...options, method: 'post' }) };`,
          ].join('\n')
        : null,
  };
}

/**
 * After minifying: every `import('./chunk.js').then((m) => m.name)` reads a name that chunk exports. Property mangling
 * renames member accesses but never export names, so a mangled export name (once a lone `_`) would be undefined only
 * when that chunk loads, in the browser; this stops the build instead.
 */
function checkLazyExports() {
  return {
    name: 'check-lazy-exports',
    generateBundle(_options, bundle) {
      let reads = 0;
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk') continue;
        for (const [, file, , name] of chunk.code.matchAll(/import\("\.\/([^"]+)"\)\.then\(\(?(\w+)\)?=>\2\.([\w$]+)\)/g)) {
          reads++;
          if (!bundle[file]?.exports.includes(name)) this.error(`${chunk.fileName} reads \`${name}\` from ${file}, which does not export it`);
        }
      }
      if (reads === 0) this.error('no lazy chunk reads found: the pattern in checkLazyExports no longer matches the output');
    },
  };
}

const plugins = () => [
  minifyTemplates(),
  kyPostOnly(),
  nodeResolve({ exportConditions: ['production', 'browser'], browser: true }),
  terser({
    ecma: 2020,
    module: true,
    // Five passes rather than three: 2 B less first paint and 10 B less for an inline form (measured); a slower build only.
    compress: { passes: 5, unsafe_arrows: true, ecma: 2020 },
    // Internal members are `_name` (ours, and ky's `_options`…) and the element's form state (host.ts): shortened.
    // Not `__proto__`, and not Lit's `_$xx` (already short, and shared between Lit's own packages). Not `_` alone
    // either: Rollup may name a chunk's export `_`, and a lazy chunk reads it as a property of the namespace that
    // import() returns (`.then((m) => m._)`), which the export itself would not follow.
    mangle: { properties: { regex: new RegExp(`^(?:_(?=[^_$])|(?:${hostMembers().join('|')})$)`) } },
    // One name cache for all chunks of a build, so a `_name` gets the same short name in every chunk.
    nameCache: {},
    format: { comments: false },
  }),
];

export default [
  {
    input,
    plugins: plugins(),
    // Let the lazy chunks import Lit from leadrelay.js itself, instead of a facade that costs one more request.
    preserveEntrySignatures: 'allow-extension',
    output: {
      dir: 'dist',
      format: 'es',
      plugins: [checkLazyExports()],
      // The namespace objects of lazily imported chunks are only read: no Object.freeze() call in every chunk.
      freeze: false,
      entryFileNames: 'leadrelay.js',
      // ky, the submit code, the locale packs (English's too), the launcher dialog and convertLead load after first
      // paint, from beside leadrelay.js.
      chunkFileNames: 'leadrelay-[name]-[hash:6].js',
      // Everything that loads after first paint, except the locale packs and launcher mode, in ONE chunk: per-file
      // gzip overhead and code shared between the submit code, the proxy client and ky are paid once.
      // convertLead()'s own code (`convert`, 0.6 KB) is a chunk of its own that imports ky from `later`: a page calls it
      // at sign-in, never on the way to a submission, so a form does not download it.
      // Launcher mode's button and dialog are a small chunk of their own, so the button shows without waiting for ky.
      // First-paint modules are named too: otherwise Rollup pulls Lit into 'later' along with the launcher's imports.
      // The English pack (the sentences after first paint) is a locale chunk like the others, named `en`.
      // The site's own questions: the code that draws them (`questions`) when a form has some, their checks with
      // the submit code's (`answers`, with the shared definition reader), and Turnstile's loader: none of it for a form
      // without questions or captcha.
      manualChunks: (id) =>
        id.includes('/widget/questions-view.js')
          ? 'questions'
          : ['/widget/questions-answers.js', '/protocol/questions.js', '/protocol/url.js'].some((path) => id.includes(path))
            ? 'answers'
            : id.includes('/widget/turnstile.js')
              ? 'turnstile'
              : id.includes('/client/lead-conversion.js')
                ? 'convert'
                : LATER.some((path) => id.includes(path))
                  ? 'later'
                  : id.includes('/widget/messages-later.js')
                    ? 'en'
                    : id.includes('/locales/') || id.includes('/widget/launcher.js')
                      ? undefined
                      : 'main',
    },
  },
  {
    input,
    plugins: plugins(),
    // The entry's exports are for the ESM build; the classic script keeps them unnamed on purpose (see below).
    onwarn: (warning, warn) => warning.code === 'MISSING_NAME_OPTION_FOR_IIFE_EXPORT' || warn(warning),
    output: {
      file: 'dist/leadrelay.iife.js',
      format: 'iife',
      freeze: false,
      // No `name`: the bundle sets up window.LeadRelay itself, keeping a queue the page made before it loaded.
      inlineDynamicImports: true,
    },
  },
];
