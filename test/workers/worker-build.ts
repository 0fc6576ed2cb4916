// Builds examples/cloudflare/worker.ts as wrangler would (one ESM bundle; a `node:*` import would be left to the
// runtime, and fail to load without nodejs_compat, which the example does not set), with `leadrelay/proxy/cloudflare`
// taken from src/ so the test needs no dist/; and reads the example's wrangler.toml, so the Worker under test is
// configured by the file users copy.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { ACCESS_TOKEN, SECRET } from '../proxy/harness.js';

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

/** The example Worker in workerd with its wrangler.toml's vars and D1, in front of an emulator of its own. */
export interface RunningExampleWorker {
  mf: Miniflare;
  emulator: RunningEmulator;
  /** `http://worker.test` + the example's base path + `path`. */
  url(path: string): string;
  close(): Promise<void>;
}

/** Starts the example Worker with the secrets every test needs, pointed at a fresh emulator, plus `bindings`. */
export async function startExampleWorker(bindings: Record<string, string> = {}): Promise<RunningExampleWorker> {
  const config = readWranglerToml();
  const persistDir = mkdtempSync(join(tmpdir(), 'leadrelay-workerd-'));
  const emulator = await startEmulator({ port: 0 });
  const mf = new Miniflare({
    modules: [{ type: 'ESModule', path: 'worker.mjs', contents: await bundleExampleWorker() }],
    compatibilityDate: config.compatibilityDate,
    compatibilityFlags: config.compatibilityFlags,
    bindings: { ...config.vars, INTERCOM_ACCESS_TOKEN: ACCESS_TOKEN, LEADRELAY_SECRET: SECRET, INTERCOM_BASE_URL: emulator.url, ...bindings },
    d1Databases: Object.fromEntries(config.d1.map((db) => [db.binding, db.databaseId])),
    d1Persist: persistDir,
  });
  return {
    mf,
    emulator,
    url: (path) => `http://worker.test${config.vars.LEADRELAY_BASE_PATH}${path}`,
    close: async () => {
      await mf.dispose();
      await emulator.close();
      rmSync(persistDir, { recursive: true, force: true });
    },
  };
}
