// Dependency audit (npm run audit:deps, run by .ci/run): npm's advisories for production dependencies only.
//
// Fails (exit 1) on a high or critical advisory in a production dependency. When no advisory data can be had
// (the registry refuses the audit endpoint, as ours answers 405, or the network fails) it says so loudly and
// exits 0: a network hiccup must not block every submission, and advisories can only be judged with data.
// LEADRELAY_AUDIT_STRICT=1 turns "could not check" into exit 2, for pipelines whose registry serves audits.
//
//   node scripts/audit-deps.mjs                 run `npm audit --omit=dev --json` and judge its report
//   node scripts/audit-deps.mjs --report FILE   judge a saved `npm audit --json` report (tests; offline triage)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const FAILING = ['high', 'critical'];

/** The audit report npm printed, or why there is none. */
function readReport(args) {
  const at = args.indexOf('--report');
  if (at !== -1) return parse(readFileSync(args[at + 1], 'utf8'));
  // ~/.npmrc may say audit=false; --audit=true overrides it for this one command.
  const run = spawnSync('npm', ['audit', '--omit=dev', '--audit=true', '--json'], { encoding: 'utf8', timeout: 120_000 });
  if (run.error) return { unavailable: `npm audit did not run (${run.error.code ?? run.error.message})` };
  return parse(run.stdout);
}

function parse(text) {
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    return { unavailable: 'npm audit printed no report (network failure?)' };
  }
  if (json && typeof json.vulnerabilities === 'object' && json.metadata?.vulnerabilities) return { report: json };
  // npm's shape for a failed audit request: {message, statusCode?, code?, error: {...}}.
  const why = json?.statusCode ? `the registry refused the audit endpoint (HTTP ${json.statusCode})` : json?.error?.code ?? json?.code ?? json?.message;
  return { unavailable: why ?? 'npm audit gave an unknown answer' };
}

/** The advisories behind a vulnerable package: npm lists them in `via` (strings there name another vulnerable package). */
function advisories(entry) {
  return (entry.via ?? []).filter((via) => typeof via === 'object').map((via) => `${via.severity} ${via.title ?? ''} ${via.url ?? ''}`.trim());
}

const { report, unavailable } = readReport(process.argv.slice(2));
if (!report) {
  console.log(`audit:deps: ADVISORIES NOT CHECKED: ${unavailable}.`);
  if (process.env.LEADRELAY_AUDIT_STRICT === '1') {
    console.log('audit:deps: LEADRELAY_AUDIT_STRICT=1, so this fails.');
    process.exit(2);
  }
  console.log('audit:deps: not failing for that (set LEADRELAY_AUDIT_STRICT=1 where the registry serves audits).');
  process.exit(0);
}

const counts = report.metadata.vulnerabilities;
const failing = Object.values(report.vulnerabilities).filter((entry) => FAILING.includes(entry.severity));
console.log(
  `audit:deps: production dependencies: ${counts.critical ?? 0} critical, ${counts.high ?? 0} high, ${counts.moderate ?? 0} moderate, ${counts.low ?? 0} low.`,
);
for (const entry of failing) {
  console.log(`  ${entry.severity.toUpperCase()} ${entry.name} ${entry.range ?? ''}: ${advisories(entry).join('; ') || `via ${entry.via.join(', ')}`}`);
  if (entry.fixAvailable) console.log(`    fix: ${typeof entry.fixAvailable === 'object' ? `${entry.fixAvailable.name}@${entry.fixAvailable.version}` : 'npm audit fix'}`);
}
process.exit(failing.length ? 1 : 0);
