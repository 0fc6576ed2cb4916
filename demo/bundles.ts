// The demo pages' own scripts, bundled in memory with esbuild when the server starts (nothing is written to disk).
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** Entry points in demo/, served as /assets/<name>.js (with their lazy chunks as /assets/chunk-<hash>.js). */
const ENTRIES = ['playground', 'inbox-view', 'app'] as const;

export interface PageBundles {
  /** Every output file by name: the entries and their chunks. */
  files: Map<string, string>;
  /**
   * The chunks each entry imports statically (`app.js` → its shared chunks), for the page to name in
   * `<link rel="modulepreload">`: fetched with the entry, at the entry's priority, instead of after it at high priority.
   */
  preloads: Map<string, string[]>;
}

export async function buildPageBundles(): Promise<PageBundles> {
  const demoDir = fileURLToPath(new URL('.', import.meta.url));
  // One build per page script, as each customer's app is bundled on its own: the code a page runs first is ONE file
  // (a module's static imports are fetched at high priority, ahead of the page's painting, fetchpriority="low" on the
  // <script> or not), and only the dynamic imports become chunks. Identical chunks of two builds have the same name.
  const results = await Promise.all(
    ENTRIES.map((name) =>
      build({
        absWorkingDir: fileURLToPath(new URL('..', import.meta.url)),
        entryPoints: { [name]: `${demoDir}${name}.ts` },
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
        metafile: true,
        tsconfigRaw: { compilerOptions: { experimentalDecorators: true, useDefineForClassFields: false } },
      }),
    ),
  );
  const files = new Map<string, string>();
  const preloads = new Map<string, string[]>();
  const base = (path: string) => path.slice(path.lastIndexOf('/') + 1);
  for (const result of results) {
    for (const file of result.outputFiles) files.set(base(file.path), file.text);
    const outputs = result.metafile.outputs;
    for (const [path, output] of Object.entries(outputs)) {
      if (!output.entryPoint) continue;
      // The static import closure: what the browser fetches before it can run the entry.
      const found = new Set<string>();
      const visit = (from: string) => {
        for (const imported of outputs[from]?.imports ?? []) {
          if (imported.kind !== 'import-statement' || found.has(imported.path)) continue;
          found.add(imported.path);
          visit(imported.path);
        }
      };
      visit(path);
      preloads.set(base(path), [...found].map(base));
    }
  }
  return { files, preloads };
}
