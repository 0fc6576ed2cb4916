// Gzip sizes of the script-tag bundles: what first paint loads, what loads later, and the classic script.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const LOCALE_CHUNK = /^leadrelay-(en|de|es|fr|ar)-/;

export interface BundleSizes {
  /** gzip bytes of dist/leadrelay.js and every chunk it imports statically (all loaded before first paint). */
  firstRender: number;
  firstRenderFiles: string[];
  /** Chunks loaded with import() later: submit code, ky, launcher, convertLead (one chunk), and the locales. */
  lazy: { name: string; gzip: number }[];
  /** firstRender + every lazy chunk except all but the largest locale pack. */
  withKyAndLocale: number;
  /** What an inline form in English loads: first render, the `later` chunk (ky, submit code) and the English pack. */
  inlineEnglish: number;
  /** dist/leadrelay.iife.js, gzip. */
  iife: number;
  /** The files that hold ky (found by its HTTPError class, whatever the chunk is called). */
  kyFiles: string[];
}

/** ky sets `this.name = "HTTPError"` on its error class; no code of ours contains that string. */
function holdsKy(name: string): boolean {
  return readFileSync(dist + name, 'utf8').includes('"HTTPError"');
}

function gzipSize(name: string): number {
  return gzipSync(readFileSync(dist + name), { level: 9 }).length;
}

function imports(name: string, dynamic: boolean): string[] {
  const code = readFileSync(dist + name, 'utf8');
  const pattern = dynamic ? /import\(\s*["']\.\/([^"']+)["']\s*\)/g : /(?:import|export)\s*(?:[\w*{}\s,$]+from\s*)?["']\.\/([^"']+)["']/g;
  return [...code.matchAll(pattern)].map((match) => match[1]);
}

export function measureBundles(): BundleSizes {
  const first = new Set<string>();
  const visit = (name: string) => {
    if (first.has(name)) return;
    first.add(name);
    for (const next of imports(name, false)) visit(next);
  };
  visit('leadrelay.js');
  const lazyNames = new Set<string>();
  const visitLazy = (name: string) => {
    for (const next of [...imports(name, true), ...imports(name, false)]) {
      if (first.has(next) || lazyNames.has(next)) continue;
      lazyNames.add(next);
      visitLazy(next);
    }
  };
  for (const name of first) visitLazy(name);
  const lazy = [...lazyNames].sort().map((name) => ({ name, gzip: gzipSize(name) }));
  const firstRender = [...first].reduce((sum, name) => sum + gzipSize(name), 0);
  const locales = lazy.filter((chunk) => LOCALE_CHUNK.test(chunk.name));
  const largestLocale = Math.max(0, ...locales.map((chunk) => chunk.gzip));
  const rest = lazy.filter((chunk) => !LOCALE_CHUNK.test(chunk.name)).reduce((sum, chunk) => sum + chunk.gzip, 0);
  return {
    firstRender,
    firstRenderFiles: [...first],
    lazy,
    withKyAndLocale: firstRender + rest + largestLocale,
    inlineEnglish:
      firstRender + lazy.filter((chunk) => /^leadrelay-(later|en)-/.test(chunk.name)).reduce((sum, chunk) => sum + chunk.gzip, 0),
    iife: gzipSize('leadrelay.iife.js'),
    kyFiles: [...first, ...lazyNames].filter(holdsKy),
  };
}
