// `leadrelay-proxy queue …` as an operator runs it: the real CLI in a child process, with only the given environment.
import { spawn } from 'node:child_process';
import { LOADER_ARGS, moduleUrl } from '../support/child-node.js';

const CLI_URL = moduleUrl('src/proxy/cli.ts');

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run `leadrelay-proxy queue <args>` and wait for it (without blocking this process's event loop). */
export function runQueueCli(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<CliRun> {
  const script = `import { main } from ${JSON.stringify(CLI_URL)}; await main(${JSON.stringify(['queue', ...args])});`;
  const child = spawn(process.execPath, [...LOADER_ARGS, '--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
