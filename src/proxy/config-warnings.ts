// Start-up warnings for configuration mistakes nobody would see until a visitor or a user hits them.
import { ROUTES } from '../protocol/wire.js';
import type { ProxyLogger } from './logging.js';
import type { ResolvedOptions } from './options.js';
import { MemoryStore } from './store/index.js';
import { isTurnstileTestSecret } from './guards/turnstile.js';

/** One warning: `event` is a stable code (for alerts and tests), `warning` a sentence saying what happens and the fix. */
export interface ConfigWarning {
  event: string;
  warning: string;
}

/**
 * NODE_ENV where the runtime lets it be read, else nothing: Deno throws NotCapable (PermissionDenied before 2.0) for
 * a variable its --allow-env does not list, and Workers without nodejs_compat have no `process`. A warning is not
 * worth a permission.
 */
function runtimeEnv(): Record<string, string | undefined> {
  try {
    return { NODE_ENV: (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.NODE_ENV };
  } catch {
    return {};
  }
}

/**
 * Every warning these options (as resolveOptions made them) deserve. Pure: the caller logs them. The
 * allowed-origins-empty case is origin.ts's.
 */
export function configWarnings(options: ResolvedOptions, env: Record<string, string | undefined> = runtimeEnv()): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  const { identity, origins, basePath, store } = options;

  if (!identity.identitySecret && !identity.jwtSecret && !identity.authenticate) {
    warnings.push({
      event: 'identity_not_configured',
      warning:
        'LEADRELAY_IDENTITY_SECRET is not set (nor `identity.jwtSecret` or an `identity.authenticate` hook): POST /convert can verify nobody and answers every sign-in 401 identity_unverified. Set it to merge leads into signed-in users.',
    });
  }

  for (const origin of origins.notOrigins) {
    warnings.push({
      event: 'allowed_origin_never_matches',
      warning: `LEADRELAY_ALLOWED_ORIGINS lists "${origin}", which is not an origin (scheme and host, e.g. https://www.example.com): no browser sends it, so forms there get 403 origin_not_allowed.`,
    });
  }

  if (origins.allowed.includes('*')) {
    warnings.push({
      event: 'any_origin_allowed',
      warning: 'LEADRELAY_ALLOWED_ORIGINS contains "*": a form on any website can send leads through this proxy into your Intercom.',
    });
  }

  const route = Object.values(ROUTES).find((path) => basePath.endsWith(path));
  if (route) {
    warnings.push({
      event: 'base_path_names_a_route',
      warning: `LEADRELAY_BASE_PATH "${basePath}" ends with the route ${route}: routes are served below it (${basePath}${route}). Use the prefix only, e.g. /api/leadrelay, and the same prefix in the widget's proxy attribute.`,
    });
  }

  if (store instanceof MemoryStore && env.NODE_ENV === 'production') {
    warnings.push({
      event: 'memory_store_in_production',
      warning:
        'The memory store keeps idempotency records and rate limits in this process only: a restart forgets them, and several instances do not share them. Use the SQLite store (one instance) or REDIS_URL (several).',
    });
  }
  const turnstileSecret = options.turnstile?.secret;
  if (turnstileSecret && env.NODE_ENV === 'production') {
    if (isTurnstileTestSecret(turnstileSecret)) {
      warnings.push({
        event: 'turnstile_test_secret',
        warning:
          "LEADRELAY_TURNSTILE_SECRET is one of Cloudflare's test secrets: it lets through whoever sends the test token (1x…), or refuses every visitor (2x…, 3x…). Set your Turnstile widget's own secret key.",
      });
    } else if (turnstileSecret.length < 32) {
      warnings.push({
        event: 'turnstile_secret_suspicious',
        warning: "LEADRELAY_TURNSTILE_SECRET is shorter than a Turnstile secret key (0x… and 35 characters): Cloudflare will not know it and every submission gets 422 captcha_failed. Copy the widget's secret key from the Cloudflare dashboard.",
      });
    }
  }
  return warnings;
}

/** Log each warning once, at start-up. */
export function warnAboutConfiguration(options: ResolvedOptions, logger: ProxyLogger): void {
  for (const warning of configWarnings(options)) logger({ ...warning });
}
