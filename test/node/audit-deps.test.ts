// npm run audit:deps (scripts/audit-deps.mjs): fails on a high or critical advisory in production dependencies,
// never on a refused or unreachable audit endpoint unless LEADRELAY_AUDIT_STRICT=1. Saved reports, no network.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const dir = mkdtempSync(join(tmpdir(), 'leadrelay-audit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function audit(report: unknown, env: Record<string, string> = {}) {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof report === 'string' ? report : JSON.stringify(report));
  const run = spawnSync(process.execPath, ['scripts/audit-deps.mjs', '--report', file], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: run.status, out: run.stdout };
}

/** An `npm audit --omit=dev --json` report (format 2) with one vulnerable package of the given severity. */
function reportWith(severity: string) {
  const counts = { info: 0, low: 0, moderate: 0, high: 0, critical: 0, total: 1, [severity]: 1 };
  return {
    auditReportVersion: 2,
    vulnerabilities: {
      'example-parser': {
        name: 'example-parser',
        severity,
        isDirect: true,
        via: [{ source: 1, name: 'example-parser', dependency: 'example-parser', title: 'Fixture advisory: prototype pollution', url: 'https://example.invalid/advisory/1', severity, range: '<2.0.1' }],
        effects: [],
        range: '<2.0.1',
        nodes: ['node_modules/example-parser'],
        fixAvailable: { name: 'example-parser', version: '2.0.1', isSemVerMajor: false },
      },
    },
    metadata: { vulnerabilities: counts, dependencies: { prod: 40, dev: 0, optional: 0, peer: 0, peerOptional: 0, total: 40 } },
  };
}

/** What npm prints with --json when the registry refuses the audit endpoint (this registry: 405). */
const refused = { message: '405 Method Not Allowed - POST registry/-/npm/v1/security/advisories/bulk', method: 'POST', statusCode: 405, body: '', error: { summary: '', detail: '' } };

test('a high or a critical advisory in a production dependency fails, naming the package, advisory and fix', () => {
  for (const severity of ['high', 'critical']) {
    const { status, out } = audit(reportWith(severity));
    assert.equal(status, 1, out);
    assert.match(out, new RegExp(`${severity.toUpperCase()} example-parser <2.0.1: ${severity} Fixture advisory`));
    assert.match(out, /fix: example-parser@2\.0\.1/);
  }
});

test('moderate and low advisories are reported without failing', () => {
  for (const severity of ['moderate', 'low']) {
    const { status, out } = audit(reportWith(severity));
    assert.equal(status, 0, out);
    assert.match(out, new RegExp(`0 critical, 0 high, ${severity === 'moderate' ? 1 : 0} moderate`));
  }
});

test('a refused audit endpoint or no report at all says advisories were not checked, and fails only when strict', () => {
  for (const report of [refused, '', 'npm ERR! network']) {
    const lenient = audit(report);
    assert.equal(lenient.status, 0, lenient.out);
    assert.match(lenient.out, /ADVISORIES NOT CHECKED/);
    const strict = audit(report, { LEADRELAY_AUDIT_STRICT: '1' });
    assert.equal(strict.status, 2, strict.out);
  }
  assert.match(audit(refused).out, /refused the audit endpoint \(HTTP 405\)/);
});

test('a clean report passes', () => {
  const clean = { auditReportVersion: 2, vulnerabilities: {}, metadata: { vulnerabilities: { info: 0, low: 0, moderate: 0, high: 0, critical: 0, total: 0 }, dependencies: {} } };
  const { status, out } = audit(clean);
  assert.equal(status, 0);
  assert.match(out, /0 critical, 0 high/);
});
