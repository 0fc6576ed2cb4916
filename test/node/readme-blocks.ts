// The code blocks of README.md and docs/*.md for readme.test.ts: each fenced block with its file and `readme-check=`
// tag, the example regions blocks are cut from, and a way to run the `leadrelay-proxy` commands a block shows.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/root.js';

export const root = ROOT;

export interface ReadmeBlock {
  /** The Markdown file it is in, relative to the repository: `README.md` or `docs/….md`. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  /** The `readme-check=` value: how a test runs or checks this block. */
  check?: string;
  code: string;
}

/** The user documentation: README.md, then every docs/*.md in name order. */
export function docFiles(): string[] {
  const pages = readdirSync(`${root}docs`).filter((name) => name.endsWith('.md')).sort();
  return ['README.md', ...pages.map((name) => `docs/${name}`)];
}

/** Every fenced block of the README and of each docs page, in that order. */
export function docBlocks(): ReadmeBlock[] {
  return docFiles().flatMap((file) => readmeBlocks(readFileSync(`${root}${file}`, 'utf8'), file));
}

/** Every fenced block of one Markdown file (the README by default), with its info string's language and `readme-check=` tag. */
export function readmeBlocks(text = readFileSync(`${root}README.md`, 'utf8'), file = 'README.md'): ReadmeBlock[] {
  const blocks: ReadmeBlock[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^(`{3,})(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const [lang = '', ...rest] = open[2]!.trim().split(/\s+/);
    const check = rest.find((word) => word.startsWith('readme-check='))?.slice('readme-check='.length);
    const start = i;
    const body: string[] = [];
    for (i += 1; i < lines.length && lines[i]!.trimEnd() !== open[1]; i += 1) body.push(lines[i]!);
    blocks.push({ file, line: start + 1, lang, check, code: body.join('\n') });
  }
  return blocks;
}

/** The lines between `#region readme` and `#endregion` markers of a file (`//` or `<!-- -->`), dedented, in order. */
export function readmeRegion(path: string): string {
  const parts: string[] = [];
  let current: string[] | undefined;
  for (const line of readFileSync(`${root}${path}`, 'utf8').split('\n')) {
    if (/^\s*(\/\/|<!--)\s*#region readme/.test(line)) current = [];
    else if (/^\s*(\/\/|<!--)\s*#endregion/.test(line) && current) {
      parts.push(dedent(current).replace(/^\n+|\n+$/g, ''));
      current = undefined;
    } else current?.push(line);
  }
  return parts.join('\n\n');
}

function dedent(lines: string[]): string {
  const indents = lines.filter((line) => line.trim()).map((line) => /^ */.exec(line)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((line) => line.slice(cut)).join('\n');
}

/** One shell command of a block: its leading `NAME=value` assignments and its words (continuation lines joined). */
export interface ShellCommand {
  env: Record<string, string>;
  words: string[];
}

/**
 * The commands of a `sh` block, comments dropped. Placeholders become test values: `…` a fresh secret (32 random bytes),
 * `$(openssl rand -hex 32)` 64 hex digits. Enough shell for what the README shows; not a shell.
 */
export function shellCommands(code: string): ShellCommand[] {
  const joined = code.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter(Boolean)
    .map((line) => {
      const words = line.split(/\s+/);
      const env: Record<string, string> = {};
      while (words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[0]!)) {
        const [name, ...value] = words.shift()!.split('=');
        const raw = value.join('=');
        env[name!] = raw === '…' ? `readme-${randomBytes(32).toString('hex')}` : raw === '$(openssl' ? randomBytes(32).toString('hex') : raw;
        if (raw === '$(openssl') words.splice(0, 3); // `rand -hex 32)`: the rest of the same substitution
      }
      return { env, words };
    });
}

export interface CliRun {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * `npx -p leadrelay leadrelay-proxy <args>` as the installed package runs it (bin/leadrelay-proxy.js over dist/),
 * with a block's environment, on a free port, its SQLite file in a temporary folder. Resolves once it listens.
 */
export async function startCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'leadrelay-readme-'));
  const child = spawn(process.execPath, [`${root}bin/leadrelay-proxy.js`, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LEADRELAY_DATA_DIR: dataDir, ...env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`leadrelay-proxy did not listen in time:\n${output}`)), 30_000);
    child.once('exit', (code) => {
      clearTimeout(deadline);
      reject(new Error(`leadrelay-proxy exited with ${code}:\n${output}`));
    });
    child.stdout.on('data', () => {
      const line = output.split('\n').find((text) => text.includes('"listening"'));
      if (!line) return;
      clearTimeout(deadline);
      resolve(new URL((JSON.parse(line) as { url: string }).url).origin);
    });
  });
  return {
    url,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The JSON lines a CLI run printed (start-up events, warnings, one line per request). */
export function jsonLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A `leadrelay-proxy` command that exits by itself (`setup`, `--help`): its exit code and output. */
export function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [`${root}bin/leadrelay-proxy.js`, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

/** While `body` runs, Intercom's hosts lead to the emulator and any other non-loopback address is refused. */
export async function withIntercomAt<T>(emulatorUrl: string, body: () => Promise<T>): Promise<T> {
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input);
    if (/(^|\.)intercom\.io$/.test(url.hostname)) {
      const moved = new URL(url.pathname + url.search, emulatorUrl);
      return realFetch(input instanceof Request ? new Request(moved, input) : moved, init);
    }
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw new Error(`README code tried to reach ${url.host}`);
    return realFetch(input, init);
  };
  try {
    return await body();
  } finally {
    globalThis.fetch = realFetch;
  }
}
