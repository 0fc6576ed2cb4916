// Injected faults (POST /_emulator/faults): which calls fail, how, and how often.
import type { EmulatorState, FaultRule } from './state.js';

/** The API routes the emulator answers, as `METHOD /path` with `{id}` for ids; fault routes name these (or `*`). */
export const ROUTE_TEMPLATES = [
  'POST /contacts',
  'POST /contacts/search',
  'POST /contacts/merge',
  'GET /contacts/find_by_external_id/{id}',
  'GET /contacts/{id}',
  'PUT /contacts/{id}',
  'DELETE /contacts/{id}',
  'POST /conversations',
  'GET /conversations/{id}',
  'POST /conversations/{id}/reply',
  'GET /visitors',
  'PUT /visitors',
  'POST /visitors/convert',
  'GET /data_attributes',
  'POST /data_attributes',
  'POST /companies',
  'GET /companies',
  'POST /contacts/{id}/companies',
  'GET /contacts/{id}/companies',
] as const;

const TEMPLATE_PATTERNS = ROUTE_TEMPLATES.map((template) => {
  const [method, path] = template.split(' ') as [string, string];
  return { template, method, pattern: new RegExp(`^${path.replace(/\{id\}/g, '[^/]+')}/?$`) };
});

/** `POST /contacts/6762f0dd1bb69f9f2193bb83` → `POST /contacts/{id}`; an unknown route keeps its literal path. */
export function routeTemplate(method: string, path: string): string {
  const match = TEMPLATE_PATTERNS.find((entry) => entry.method === method && entry.pattern.test(path));
  return match ? match.template : `${method} ${path}`;
}

export class FaultInputError extends Error {}

/** Validates one fault from the hook's body; the defaults are those of DESIGN.md's hooks table. */
function parseFault(input: unknown, id: number): FaultRule {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new FaultInputError('a fault must be an object');
  const raw = input as Record<string, unknown>;
  if (typeof raw.route !== 'string' || !(raw.route === '*' || /^[A-Z]+ \//.test(raw.route))) {
    throw new FaultInputError('route must be "METHOD /path" (with {id} for ids) or "*"');
  }
  const status = raw.status;
  if (status !== undefined && (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 599)) {
    throw new FaultInputError('status must be an integer from 400 to 599');
  }
  const rate = raw.rate ?? 1;
  if (typeof rate !== 'number' || rate < 0 || rate > 1) throw new FaultInputError('rate must be a number from 0 to 1');
  const times = raw.times;
  if (times !== undefined && (typeof times !== 'number' || !Number.isInteger(times) || times < 1)) {
    throw new FaultInputError('times must be a positive integer');
  }
  const delayMs = raw.delayMs ?? 0;
  if (typeof delayMs !== 'number' || delayMs < 0 || delayMs > 600_000) throw new FaultInputError('delayMs must be 0..600000');
  for (const flag of ['afterCommit', 'drop'] as const) {
    if (raw[flag] !== undefined && typeof raw[flag] !== 'boolean') throw new FaultInputError(`${flag} must be a boolean`);
  }
  const drop = raw.drop === true;
  return {
    id,
    route: raw.route,
    // A fault that neither drops nor only delays answers 503.
    status: status ?? (drop || delayMs > 0 ? undefined : 503),
    rate,
    times,
    afterCommit: raw.afterCommit === true,
    drop,
    delayMs,
    fired: 0,
  };
}

/** Adds one fault or a list of them; all are validated before any is added. */
export function addFaults(state: EmulatorState, input: unknown): FaultRule[] {
  const list = Array.isArray(input) ? input : [input];
  const parsed = list.map((item) => parseFault(item, state.newFaultId()));
  state.faults.push(...parsed);
  return parsed;
}

/** The fault that fires for this call, if any; counts it against its `times`. */
export function pickFault(state: EmulatorState, method: string, path: string): FaultRule | undefined {
  const template = routeTemplate(method, path);
  for (const fault of state.faults) {
    if (fault.times !== undefined && fault.fired >= fault.times) continue;
    if (fault.route !== '*' && fault.route !== template && fault.route !== `${method} ${path}`) continue;
    if (fault.rate < 1 && Math.random() >= fault.rate) continue;
    fault.fired++;
    return fault;
  }
  return undefined;
}
