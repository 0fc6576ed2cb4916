// The demo pages' own scripts, bundled in memory with esbuild when the server starts (nothing is written to disk).
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** Entry points in demo/, served as /assets/<name>.js (with their shared and lazy chunks as /assets/chunk-<hash>.js). */
const ENTRIES = ['playground', 'inbox-view', 'app'] as const;

export type PageBundles = Map<string, string>;

export async function buildPageBundles(): Promise<PageBundles> {
  const demoDir = fileURLToPath(new URL('.', import.meta.url));
  const result = await build({
    absWorkingDir: fileURLToPath(new URL('..', import.meta.url)),
    entryPoints: Object.fromEntries(ENTRIES.map((name) => [name, `${demoDir}${name}.ts`])),
    bundle: true,
    format: 'esm',
    // The widget's lazy modules (submit flow, locale packs, launcher) stay lazy, as a customer's bundler keeps them:
    // without splitting esbuild inlines every dynamic import into app.js, and a visitor parses it all before the form.
    splitting: true,
    chunkNames: 'chunk-[hash]',
    target: 'es2022',
    // 'leadrelay' in app.ts resolves to this package through its own exports map (dist/index.js), as in a customer's app.
    conditions: ['production', 'browser'],
    outdir: 'out',
    write: false,
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    tsconfigRaw: { compilerOptions: { experimentalDecorators: true, useDefineForClassFields: false } },
  });
  const bundles: PageBundles = new Map();
  for (const file of result.outputFiles) bundles.set(file.path.slice(file.path.lastIndexOf('/') + 1), file.text);
  return bundles;
}
