import type { EvaluatedFinding, OutcomeStatus } from './evaluate.js';
import type { EvaluatedReport } from './report.js';
import { severityBreakdown } from './summary.js';

/** One finding as `--output json` and the text rendering show it: enough to act on, the full record is in the report. */
function brief(f: EvaluatedFinding) {
  const outcome = f.outcome;
  return {
    id: f.id,
    package: f.package.name,
    installedVersion: f.package.installedVersion,
    fixedVersions: f.package.fixedVersions,
    severity: f.severity,
    fixState: f.fixState,
    ...(f.judgedCvss ? { cvss: f.judgedCvss.score, cvssSource: f.judgedCvss.source } : {}),
    ...(f.package.purl ? { purl: f.package.purl } : {}),
    platforms: f.platforms,
    reason: outcome.reason,
    ...(outcome.status === 'waived' ? { exception: outcome.entry, expires: outcome.expires } : {}),
    ...(outcome.status === 'in-grace' ? { until: outcome.until } : {}),
  };
}

function withStatus(report: EvaluatedReport, status: OutcomeStatus): EvaluatedFinding[] {
  return report.findings.filter((f) => f.outcome.status === status);
}

/** `--output json`: the verdict, the counts and the findings that matter, by outcome. */
export function gateJson(report: EvaluatedReport) {
  return {
    verdict: report.verdict,
    counts: report.counts,
    blocking: withStatus(report, 'blocking').map(brief),
    waived: withStatus(report, 'waived').map(brief),
    inGrace: withStatus(report, 'in-grace').map(brief),
  };
}

/** The SCAN_SUMMARY result: small, fixed size whatever the number of findings. */
export function scanSummary(report: EvaluatedReport, referrer?: string) {
  return {
    verdict: report.verdict,
    counts: report.counts,
    platforms: [...new Set(report.scans.map((s) => s.platform).filter(Boolean))],
    evaluatedAt: report.evaluatedAt,
    ...(report.digest ? { digest: report.digest } : {}),
    ...(referrer ? { report: referrer } : {}),
  };
}

function line(f: EvaluatedFinding): string {
  const fix = f.package.fixedVersions.length ? `fixed in ${f.package.fixedVersions.join(', ')}` : f.fixState;
  const where = f.platforms.length ? ` [${f.platforms.join(', ')}]` : '';
  return `  ${f.id} ${f.package.name} ${f.package.installedVersion} (${f.severity}, ${fix})${where}: ${f.outcome.reason}`;
}

/** What people read in the dashboard: the verdict first, then what blocks, what is waived, what is in grace. */
export function gateText(report: EvaluatedReport, referrer?: string): string {
  const c = report.counts;
  const out = [
    `scan-gate: ${report.verdict.toUpperCase()}: ${c.blocking} blocking, ${c.waived} waived, ${c.inGrace} in grace, ${c.belowThreshold} below threshold (${c.total} findings${c.total ? `: ${severityBreakdown(report.findings)}` : ''})`,
  ];
  const sections: Array<[string, OutcomeStatus]> = [
    ['Blocking', 'blocking'],
    ['In grace', 'in-grace'],
    ['Waived', 'waived'],
  ];
  for (const [title, status] of sections) {
    const findings = withStatus(report, status);
    if (findings.length) out.push(`${title}:`, ...findings.map(line));
  }
  if (referrer) out.push(`Report attached to ${report.image} as ${referrer}`);
  return out.join('\n');
}
