// Request log lines: one JSON object per request with no personal data, and a last-line guard against the token.

export type ProxyLogger = (line: Record<string, unknown>) => void;

/** What one request's log line holds; nothing from the body, no IP, no headers. */
export interface RequestLogLine {
  method: string;
  route: string;
  status: number;
  durationMs: number;
  intercomRequestId?: string;
  code?: string;
  replayed?: boolean;
  /** POST /leads: the body's leadToken was invalid, expired, foreign or its contact no longer a lead; a new lead was made. */
  leadTokenIgnored?: boolean;
  /** POST /leads: page-context fields (`utm.utm_source`, `phoneCountry`…) sent with nothing usable and dropped; names, never values. */
  contextDropped?: string[];
  /** POST /leads: why the Turnstile check refused (`missing`, `replayed`, `timeout`, `misconfigured`…); never the token. */
  captchaFailed?: string;
}

/**
 * Wrap `logger` so a line that somehow contains one of `secrets` has it replaced before it is written.
 * The code never puts the token in a line; this makes sure a future mistake cannot either.
 */
export function redactingLogger(logger: ProxyLogger | undefined, secrets: (string | undefined)[]): ProxyLogger {
  if (!logger) return () => undefined;
  const hidden = secrets.filter((secret): secret is string => typeof secret === 'string' && secret.length >= 4);
  return (line) => {
    let text = JSON.stringify(line);
    if (!hidden.some((secret) => text.includes(secret))) return logger(line);
    for (const secret of hidden) text = text.split(secret).join('[redacted]');
    logger(JSON.parse(text) as Record<string, unknown>);
  };
}

/** A logger that writes each line as JSON to stdout (the CLI's). */
export function stdoutLogger(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`);
}
