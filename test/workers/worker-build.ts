// Builds examples/cloudflare/worker.ts as wrangler would (one ESM bundle, `node:*` left to the runtime's
// nodejs_compat), with `leadrelay/proxy/cloudflare` taken from src/ so the test needs no dist/; and reads the
// example's wrangler.toml, so the Worker under test is configured by the file users copy.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const EXAMPLE = join(ROOT, 'examples/cloudflare');

/** An example Worker (`worker.ts`, `hono-worker.ts`) as one ES module's text. */
export async function bundleExampleWorker(file = 'worker.ts'): Promise<string> {
  const result = await build({
    entryPoints: [join(EXAMPLE, file)],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    external: ['node:*'],
    alias: { 'leadrelay/proxy/cloudflare': join(ROOT, 'src/proxy/cloudflare.ts'), 'leadrelay/proxy': join(ROOT, 'src/proxy/app.ts') },
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

export interface WranglerConfig {
  compatibilityDate: string;
  compatibilityFlags: string[];
  vars: Record<string, string>;
  d1: { binding: string; databaseId: string }[];
  crons: string[];
}

/** The few wrangler.toml keys the example uses (strings, string arrays, [vars], [[d1_databases]], [triggers]). */
export function readWranglerToml(path = join(EXAMPLE, 'wrangler.toml')): WranglerConfig {
  const config: WranglerConfig = { compatibilityDate: '', compatibilityFlags: [], vars: {}, d1: [], crons: [] };
  let section = '';
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const header = /^\[\[?([\w.]+)\]\]?$/.exec(line);
    if (header) {
      section = header[1]!;
      if (section === 'd1_databases') config.d1.push({ binding: '', databaseId: '' });
      continue;
    }
    const pair = /^([\w]+)\s*=\s*(.+)$/.exec(line);
    if (!pair) throw new Error(`wrangler.toml: cannot read "${line}"`);
    const [, key, rawValue] = pair as unknown as [string, string, string];
    const value = JSON.parse(rawValue) as unknown;
    if (section === '' && key === 'compatibility_date') config.compatibilityDate = String(value);
    else if (section === '' && key === 'compatibility_flags') config.compatibilityFlags = value as string[];
    else if (section === 'vars') config.vars[key] = String(value);
    else if (section === 'd1_databases' && key === 'binding') config.d1.at(-1)!.binding = String(value);
    else if (section === 'd1_databases' && key === 'database_id') config.d1.at(-1)!.databaseId = String(value);
    else if (section === 'triggers' && key === 'crons') config.crons = value as string[];
  }
  return config;
}
