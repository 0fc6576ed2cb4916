// Cloudflare Turnstile for `captcha="turnstile"`: its script is fetched on the visitor's first interaction (never on
// page load), the check runs only when a send asks for a token, and it is drawn only if Cloudflare needs the visitor
// (`appearance: 'interaction-only'`), in a fixed box over the page that moves nothing on it (no layout shift).
import type { LeadRequest } from '../protocol/wire.js';
import type { CaptchaHost } from './host.js';

/** Explicit rendering: the script draws nothing by itself; we render one widget per form when it is needed. */
export const TURNSTILE_SCRIPT = 'https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit';

interface TurnstileApi {
  render(container: HTMLElement, options: Record<string, unknown>): string;
  execute(widget: string): void;
  reset(widget: string): void;
}

interface Challenge {
  api: TurnstileApi;
  id: string;
  /** A token was handed out: the next one needs a reset first (a token works once). */
  used: boolean;
  waiting?: { resolve(token: string): void; reject(error: Error): void };
}

const turnstileApi = (): TurnstileApi | undefined => (window as { turnstile?: TurnstileApi }).turnstile;

let script: Promise<TurnstileApi> | undefined;

/** Cloudflare's script, once per page (another widget or the page itself may have loaded it already). */
function loadScript(): Promise<TurnstileApi> {
  return (script ??= new Promise<TurnstileApi>((resolve, reject) => {
    const loaded = turnstileApi();
    if (loaded) return resolve(loaded);
    const element = document.createElement('script');
    element.src = TURNSTILE_SCRIPT;
    element.onload = () => (turnstileApi() ? resolve(turnstileApi()!) : reject(new Error('Turnstile did not start')));
    element.onerror = () => reject(new Error(`Could not load ${TURNSTILE_SCRIPT}`));
    document.head.append(element);
  }).catch((error: unknown) => {
    script = undefined; // blocked or offline: the next send tries again
    throw error;
  }));
}

const challenges = new WeakMap<CaptchaHost, Promise<Challenge>>();

/**
 * Load the script and render this form's widget (not run yet: `execution: 'execute'`). Called on the first
 * interaction, so the script is in by the time the visitor presses Send.
 */
export function prepare(host: CaptchaHost): Promise<Challenge> {
  let ready = challenges.get(host);
  if (!ready) {
    ready = loadScript().then((api) => {
      // In the page's light DOM (Cloudflare's iframe is not drawn into shadow roots), fixed near the bottom: empty
      // unless Cloudflare asks the visitor to click, and never pushing the page's content.
      const box = document.createElement('div');
      box.style.cssText = 'position:fixed;z-index:2147483647;bottom:1rem;left:50%;transform:translateX(-50%)';
      document.body.append(box);
      const challenge: Challenge = { api, id: '', used: false };
      const fail = (why: string) => () => challenge.waiting?.reject(new Error(why));
      challenge.id = api.render(box, {
        sitekey: host.getAttribute('turnstile-site-key'),
        execution: 'execute',
        appearance: 'interaction-only',
        theme: host.theme === 'dark' || host.theme === 'light' ? host.theme : 'auto',
        language: host.l10n.lang || 'auto',
        callback: (token: string) => challenge.waiting?.resolve(token),
        'error-callback': fail('error'),
        'expired-callback': fail('expired'),
        'timeout-callback': fail('timeout'),
      });
      return challenge;
    });
    ready.catch(() => challenges.delete(host));
    challenges.set(host, ready);
  }
  return ready;
}

/**
 * A token for one new submission: a new challenge each time (after a 422 captcha_failed too), since the proxy
 * accepts each token once. Rejects when the script cannot be loaded or the check fails; the form keeps what was typed.
 */
export async function freshToken(host: CaptchaHost): Promise<string> {
  const challenge = await prepare(host);
  if (challenge.used) challenge.api.reset(challenge.id);
  challenge.used = true;
  return new Promise<string>((resolve, reject) => {
    challenge.waiting = { resolve, reject };
    challenge.api.execute(challenge.id);
  });
}

/**
 * Put a fresh token on a new submission's body (each token works once, for 300 s: the outbox keeps the body as it is,
 * and the proxy does not challenge a resend of a submission it already verified). When no token can be had (the
 * script blocked, the check failed or timed out), the form says so and keeps what was typed: false.
 */
export async function addToken(host: CaptchaHost, body: LeadRequest): Promise<boolean> {
  try {
    body.captchaToken = await freshToken(host);
    return true;
  } catch {
    host.pendingKey = '';
    host.failure = 'captcha_failed';
    host.sendState = 'error';
    return false;
  }
}
