// The script-tag global `window.LeadRelay`: calls queued before the bundle loaded (`LeadRelay.q.push([name, ...args])`) run once it has.
type Api = Record<string, unknown>;
type Call = [name: string, ...args: unknown[]];

interface LeadRelayGlobal extends Api {
  q?: { push(call: Call): unknown } | Call[];
}

function run(api: Api, [name, ...args]: Call): void {
  // A queued call has nobody awaiting it: report its failure (a name that is no function, too: "… is not a function")
  // instead of leaving an unhandled rejection. convertLead also fires `lr-convert-error` on window.
  Promise.resolve()
    .then(() => (api[name] as (...args: unknown[]) => unknown)(...args))
    .catch((error: unknown) => console.error(`LeadRelay.${name} failed`, error));
}

/** Put `api` on `window.LeadRelay` (keeping whatever the page put there), run the queue, and run later pushes at once. */
export function installGlobal(api: Api): void {
  const target = globalThis as { LeadRelay?: LeadRelayGlobal };
  const global: LeadRelayGlobal = target.LeadRelay ?? {};
  const queued = Array.isArray(global.q) ? global.q : [];
  Object.assign(global, api, { q: { push: (call: Call) => run(global, call) } });
  target.LeadRelay = global;
  for (const call of queued) run(global, call);
}
