// GET /health/live and /health/ready: is the process up; can it accept submissions, and is Intercom set up yet.
import type { ProxyDeps, RouteHandler } from '../options.js';

export const HEALTH_ROUTES = { live: '/health/live', ready: '/health/ready' } as const;

/** How long the readiness probe waits for the store before it calls it unreachable. */
const STORE_PROBE_MS = 2_000;
/** A key no record ever has: reading it is a round trip to the store that changes nothing. */
const PROBE_KEY = 'leadrelay:health-probe';

/** Up: the process answers. Nothing else is checked, so a restart is never triggered by an Intercom outage. */
export function createLiveRoute(): RouteHandler {
  return async (c) => c.json({ ok: true });
}

/**
 * Ready: the store answers, so a submission can be accepted (and queued when Intercom is down). `intercomSetup`
 * says whether the data attributes exist yet (`pending` while Intercom is unreachable; leads wait in the queue), or
 * `clash` when attributes of the questions file exist in the workspace with another data type: `attributeClashes`
 * names each (attribute, the type the file needs, the type found), and leads wait in the queue until it is fixed.
 */
export function createReadyRoute(deps: ProxyDeps): RouteHandler {
  return async (c) => {
    const clashes = deps.setup?.done ? undefined : deps.setup?.clashes;
    const intercomSetup = deps.setup === undefined ? 'off' : deps.setup.done ? 'done' : clashes?.length ? 'clash' : 'pending';
    let timer: NodeJS.Timeout | undefined;
    const reachable = await Promise.race([
      deps.store.get(PROBE_KEY).then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), STORE_PROBE_MS))),
    ]);
    clearTimeout(timer);
    const body = {
      ok: reachable,
      store: reachable ? 'reachable' : 'unreachable',
      durable: deps.store.durable,
      intercomSetup,
      ...(clashes?.length ? { attributeClashes: clashes } : {}),
    };
    return c.json(body, reachable ? 200 : 503, { 'cache-control': 'no-store' });
  };
}
