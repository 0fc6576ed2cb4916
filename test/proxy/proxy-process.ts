// The real `leadrelay-proxy` command in a child process, for tests and benches that kill an instance with SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOADER_ARGS, moduleUrl } from '../support/child-node.js';

const CLI_URL = moduleUrl('src/proxy/cli.ts');
const RUN_MAIN = `import { main } from ${JSON.stringify(CLI_URL)}; await main(process.argv.slice(1));`;

export interface ProxyProcessOptions {
  emulatorUrl: string;
  accessToken: string;
  secret: string;
  redisUrl?: string;
  /** 0 (default) picks a free port; pass the old port to restart an instance where clients expect it. */
  port?: number;
  /** Extra environment (LEADRELAY_RATE_LIMIT defaults to 0 here: load comes from one address). */
  env?: Record<string, string>;
}

export interface ProxyProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the process printed on stdout and stderr so far (one JSON line per request). */
  output(): string;
  /** SIGKILL: no shutdown, in-flight requests cut, leases left behind. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

export async function startProxyProcess(options: ProxyProcessOptions, startTimeoutMs = 30_000): Promise<ProxyProcess> {
  // The CLI's default store is SQLite in ./leadrelay-data: give each process its own folder unless told otherwise.
  const ownDataDir =
    options.redisUrl || options.env?.LEADRELAY_STORE || options.env?.LEADRELAY_DATA_DIR ? undefined : mkdtempSync(join(tmpdir(), 'leadrelay-proc-'));
  const env: NodeJS.ProcessEnv = {
    ...(ownDataDir ? { LEADRELAY_DATA_DIR: ownDataDir } : {}),
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    INTERCOM_ACCESS_TOKEN: options.accessToken,
    INTERCOM_BASE_URL: options.emulatorUrl,
    LEADRELAY_SECRET: options.secret,
    LEADRELAY_RATE_LIMIT: '0',
    PORT: String(options.port ?? 0),
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...options.env,
  };
  const child = spawn(process.execPath, [...LOADER_ARGS, '--input-type=module', '-e', RUN_MAIN, '--'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
      resolve();
    }),
  );

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`the proxy did not start in time:\n${output}`)), startTimeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const onData = () => {
      for (const line of output.split('\n')) {
        if (!line.includes('"listening"')) continue;
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve((JSON.parse(line) as { url: string }).url);
        return;
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => fail(new Error(`the proxy exited with ${code} before listening:\n${output}`)));
  });
  const until = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    url,
    port: Number(new URL(url).port),
    child,
    output: () => output,
    kill: () => until('SIGKILL'),
    stop: () => until('SIGTERM'),
  };
}
