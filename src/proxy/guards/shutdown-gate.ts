// Graceful stop for a server adapter, without its sockets: new requests get 503 while stopping, requests in flight are
// counted until their answer is written out, and the stop waits for them (and for queued deliveries whose contact
// exists) at most `shutdownTimeoutMs`. serve() puts its sockets around it; a test harness can use it without any.
import type { Proxy } from '../app.js';
import { wireErrorResponse } from '../errors.js';

/** What the adapter passes with a request, handed on to the proxy: @hono/node-server's `outgoing` is the response being written. */
export interface GateEnv {
  outgoing?: { once(event: 'close', listener: () => void): unknown };
  [binding: string]: unknown;
}

export interface ShutdownGate {
  /** The proxy's answer, or 503 `upstream_unavailable` once stopping. Counted until written (`env.outgoing`) or answered. */
  fetch(request: Request, env: GateEnv): Promise<Response>;
  /**
   * Stop: from now on 503, and no queued delivery starts. `requests` settles when no request is in flight or at the
   * deadline; `deliveries` when the deliveries under way have finished or were left for the next instance.
   */
  stop(): { requests: Promise<void>; deliveries: Promise<void> };
}

export function shutdownGate(proxy: Proxy, shutdownTimeoutMs: number): ShutdownGate {
  let stopping = false;
  let inFlight = 0;
  let idle: (() => void) | undefined;
  return {
    fetch: async (request, env) => {
      if (stopping) {
        return wireErrorResponse(503, 'upstream_unavailable', 'The proxy is restarting. Try again shortly.', undefined, {
          'retry-after': '2',
          connection: 'close',
        });
      }
      // Counted until the answer is written out, not only computed: the stop waits for both.
      inFlight += 1;
      let counted = true;
      const done = () => {
        if (!counted) return;
        counted = false;
        inFlight -= 1;
        if (inFlight === 0) idle?.();
      };
      if (env.outgoing) env.outgoing.once('close', done);
      try {
        return await proxy.fetch(request, env);
      } finally {
        if (!env.outgoing) done();
      }
    },
    stop: () => {
      stopping = true;
      const deadline = Date.now() + shutdownTimeoutMs;
      // At once, beside the requests: the drain loop would otherwise keep starting deliveries while they finish.
      const deliveries = proxy.stopDeliveries(shutdownTimeoutMs);
      const requests =
        inFlight === 0
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
              idle = () => {
                clearTimeout(timer);
                resolve();
              };
            });
      return { requests, deliveries };
    },
  };
}
