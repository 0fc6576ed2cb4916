// A keep-alive node:http(s) transport for the Intercom client: cheaper per call than Node's fetch (undici).
import http from 'node:http';
import https from 'node:https';
import { TransportError, type HttpTransport } from './intercom-client.js';

export interface NodeTransportOptions {
  /** Sockets per Intercom host (default 64). */
  maxSockets?: number;
  /** Agents to use instead of the transport's own keep-alive ones (tests pass one whose connections fail). */
  agents?: { 'http:'?: http.Agent; 'https:'?: https.Agent };
}

/**
 * How long an idle kept-alive socket waits for the next call before the transport closes it itself. A server that
 * announces `Keep-Alive: timeout=N` is left a second earlier than N (Node's agent applies the hint only when it has a
 * timeout of its own; without one it waited for the server to close, and a call sent on the socket in that instant
 * failed with ECONNRESET, maybe sent). 4 s stays under the shortest common server default (Node's 5 s).
 */
export const IDLE_SOCKET_MS = 4_000;

/** A transport with its own keep-alive agents; `close()` frees their sockets. */
export function nodeHttpTransport(options: NodeTransportOptions = {}): HttpTransport & { close(): void } {
  const maxSockets = options.maxSockets ?? 64;
  const kept = { keepAlive: true, maxSockets, timeout: IDLE_SOCKET_MS };
  const agents = {
    'http:': options.agents?.['http:'] ?? new http.Agent(kept),
    'https:': options.agents?.['https:'] ?? new https.Agent(kept),
  };
  const transport: HttpTransport = ({ url, method, headers, body, timeoutMs }) =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      const secure = target.protocol === 'https:';
      if (!secure && target.protocol !== 'http:') return reject(new TransportError('network', 'unsupported_protocol'));
      const outgoing = { ...headers };
      if (body !== undefined) outgoing['content-length'] = String(Buffer.byteLength(body));
      const request = (secure ? https : http).request(
        target,
        { method, headers: outgoing, agent: agents[secure ? 'https:' : 'http:'] },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', () => reject(new TransportError('network', 'ECONNRESET')));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const get = (name: string) => {
              const value = response.headers[name.toLowerCase()];
              return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
            };
            resolve({ status: response.statusCode ?? 0, headers: { get }, text });
          });
        },
      );
      // Until a socket is connected nothing of the request has left: a failure then (EMFILE when the process is out
      // of descriptors, ENOTFOUND, ECONNREFUSED…) is "not sent", and even a creating call may be sent again at once.
      let connected = false;
      request.on('socket', (socket) => {
        if (!socket.connecting) connected = true; // a kept-alive socket: the request goes out at once
        else socket.once('connect', () => (connected = true));
      });
      request.setTimeout(timeoutMs, () => {
        request.destroy();
        reject(new TransportError('timeout'));
      });
      // Only the code: a system error's message and fields may describe the request.
      request.on('error', (error: NodeJS.ErrnoException) => {
        reject(new TransportError('network', error.code, !connected));
      });
      request.end(body);
    });
  return Object.assign(transport, {
    close: () => {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  });
}
