// The Intercom emulator's public API (`leadrelay/emulator`): a fetch handler, and a server on a loopback port.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createApiApp } from './app.js';
import { withCompaniesInState } from './companies.js';
import { createHooksApp, refuseForeignRequest, type EmulatorBinding } from './hooks.js';
import { EmulatorState } from './state.js';

export interface EmulatorOptions {
  /** When set, only `Authorization: Bearer <token>` is accepted; otherwise any non-empty bearer token is. */
  token?: string;
  /** How many API requests `GET /_emulator/requests` keeps, oldest dropped first (default 10,000). */
  requestLogLimit?: number;
  /**
   * Host names it answers to besides loopback (`localhost`, `127.0.0.1`, `[::1]`) and the address it is bound to,
   * each `name` or `name:port`: e.g. a container's service name. Any other Host is refused (DNS rebinding).
   */
  allowedHosts?: readonly string[];
}

export interface Emulator {
  /** Answers one request like Intercom would (or a `/_emulator/` hook). Pass Node's bindings as `env` so `drop` faults can cut the socket. */
  fetch(request: Request, env?: unknown): Promise<Response>;
  /** Forgets everything: contacts, conversations, visitors, data attributes, requests, faults, config. */
  reset(): void;
}

export interface RunningEmulator {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  emulator: Emulator;
  close(): Promise<void>;
}

export function createEmulator(options: EmulatorOptions = {}): Emulator {
  return emulatorFor(options, { allowedHosts: options.allowedHosts });
}

/** `binding` is filled in by startEmulator once its server listens: the Host check then knows the address and port. */
function emulatorFor(options: EmulatorOptions, binding: EmulatorBinding): Emulator {
  const state = new EmulatorState(options.requestLogLimit);
  const api = createApiApp(state, options);
  const hooks = withCompaniesInState(createHooksApp(state), state);
  return {
    async fetch(request: Request, env?: unknown): Promise<Response> {
      const path = new URL(request.url).pathname;
      const hook = path === '/_emulator' || path.startsWith('/_emulator/');
      // The Turnstile test hooks (turnstile.ts) have no auth either: a foreign Origin is refused there too.
      const turnstileHook = path.startsWith('/turnstile/_emulator/');
      const refusal = refuseForeignRequest(request, binding, hook || (turnstileHook && 'origin'));
      if (refusal) return refusal;
      return (hook ? hooks : api).fetch(request, env as never);
    },
    reset: () => state.reset(),
  };
}

/** Starts the emulator over HTTP (port 0 picks a free port); bind it to loopback, the hooks have no auth. */
export async function startEmulator(options: EmulatorOptions & { port?: number; host?: string } = {}): Promise<RunningEmulator> {
  const binding: EmulatorBinding = { allowedHosts: options.allowedHosts };
  const emulator = emulatorFor({ token: options.token, requestLogLimit: options.requestLogLimit }, binding);
  const host = options.host ?? '127.0.0.1';
  const { server, port } = await new Promise<{ server: Server; port: number }>((resolve, reject) => {
    const created = serve({ fetch: (request, env) => emulator.fetch(request, env), port: options.port ?? 0, hostname: host }, (info: AddressInfo) =>
      resolve({ server: created as Server, port: info.port }),
    ) as Server;
    created.once('error', reject);
  });
  binding.address = host;
  binding.port = port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    emulator,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive and in-flight (delayed) connections would hold close() open: end them now.
        server.closeAllConnections();
      }),
  };
}
