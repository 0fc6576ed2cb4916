// createProxy's options as a user's project sees them (leadrelay/proxy from dist/*.d.ts): the groups type-check; the
// flat options they replaced, a missing token, a wrong type in a group and the internal `testing` group do not
// (tsc fails on an unused @ts-expect-error, so each marked line must be an error).
import { createProxy, type ProxyOptions } from 'leadrelay/proxy';
import { serve } from 'leadrelay/proxy/node';
import { optionsFromWorkerEnv } from 'leadrelay/proxy/cloudflare';

const options: ProxyOptions = {
  secret: 'a-secret-of-64-hex-digits',
  previousSecrets: ['an-older-one'],
  intercom: { accessToken: 'tok', region: 'eu', version: '2.16', timeoutMs: 5_000, maxRetries: 1, setupRetry: { maxMs: 30_000 } },
  identity: { secret: 'identity', jwtSecret: 'jwt', jwtAudience: 'aud', jwtIssuer: 'iss', jwtMaxAgeSeconds: 300, authenticate: async () => null },
  origins: { allowed: ['https://www.example.com'], publicUrl: 'https://www.example.com/api/leadrelay' },
  clients: { rateLimit: 20, ipv6Prefix: 56, trustProxy: true, clientIp: (request) => request.headers.get('x-real-ip') ?? undefined },
  limits: { maxBodyBytes: 16_384, minFillMs: 1_000, leadTokenTtlSeconds: 3_600 },
  turnstile: { secret: '0x-turnstile', action: 'contact' },
  questions: { questions: [{ name: 'company', type: 'text', label: 'Company' }] },
  logger: (line) => console.log(JSON.stringify(line)),
  basePath: '/api/leadrelay',
  metrics: { token: 'scrape' },
  delivery: { recoveryLagMs: 300_000, recoveryWaitMs: 1_500, rateWaitMs: 1_000, leaseMs: 15_000, idempotencyWaitMs: 25_000, pendingLeadWaitMs: 10_000 },
  queue: { concurrency: 8, retentionMs: 86_400_000, retry: { firstMs: 1_000, maxMs: 60_000 } },
};
createProxy(options);
createProxy({ secret: 's', intercom: { accessToken: 't' } });
void serve({ ...options, port: 0, host: '127.0.0.1', requestTimeoutMs: 30_000, maxConnectionsPerClient: 128, shutdownTimeoutMs: 10_000 });
const fromEnv: ProxyOptions = optionsFromWorkerEnv({ INTERCOM_ACCESS_TOKEN: 'tok', LEADRELAY_SECRET: 's' }, { delivery: { recoveryWaitMs: 0 } });
void fromEnv;

// @ts-expect-error a flat option from before the groups: allowedOrigins is origins.allowed now
createProxy({ secret: 's', intercom: { accessToken: 't' }, allowedOrigins: ['https://www.example.com'] });
// @ts-expect-error the token is intercom.accessToken
createProxy({ secret: 's', accessToken: 't' });
// @ts-expect-error intercom.accessToken is required
createProxy({ secret: 's', intercom: { region: 'eu' } });
// @ts-expect-error a wrong type inside a group
createProxy({ secret: 's', intercom: { accessToken: 't' }, clients: { rateLimit: '20' } });
// @ts-expect-error a delivery option in the wrong group
createProxy({ secret: 's', intercom: { accessToken: 't' }, queue: { recoveryWaitMs: 0 } });
// @ts-expect-error `testing` is internal: not in the published types
createProxy({ secret: 's', intercom: { accessToken: 't' }, testing: { queuePollMs: 0 } });
