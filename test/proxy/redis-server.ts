// A Redis for tests: LEADRELAY_TEST_REDIS_URL when CI provides one, else a private redis-server on a free port.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, createConnection } from 'node:net';
import { waitUntil } from '../support/wait.js';

export interface TestRedis {
  url: string;
  /** A key prefix no other test file uses, so files sharing CI's Redis never see each other's keys. */
  prefix(): string;
  /** Stops the server when this helper started it; leaves CI's alone. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on the port and answers PING with PONG. */
function answersPong(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('error', () => resolve(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
  });
}

export async function startTestRedis(): Promise<TestRedis> {
  const prefix = () => `leadrelay-test:${randomUUID()}:`;
  const fromEnv = process.env.LEADRELAY_TEST_REDIS_URL;
  if (fromEnv) return { url: fromEnv, prefix, stop: async () => undefined };

  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitUntil(() => {
      if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
      return answersPong(port);
    }, 'redis-server to answer PING', { timeoutMs: 10_000, intervalMs: 25 });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    prefix,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
