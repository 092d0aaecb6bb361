import type { EvaluatedFinding, Outcome } from './evaluate.js';
import type { EvaluatedReport } from './report.js';
import { SEVERITIES_DESC, type Severity } from './severity.js';

const SARIF_SCHEMA_URI =
  'https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json';
type Level = 'error' | 'warning' | 'note';

/** What a result's level says: blocking is an error, in grace a warning, passed findings notes. */
const outcomeLevel: Record<Outcome['status'], Level> = {
  blocking: 'error',
  'in-grace': 'warning',
  waived: 'note',
  'below-threshold': 'note',
};

const severityLevel: Record<Severity, Level> = {
  CRITICAL: 'error',
  HIGH: 'error',
  MEDIUM: 'warning',
  LOW: 'note',
  NEGLIGIBLE: 'note',
  UNKNOWN: 'warning',
};

/**
 * SARIF 2.1.0 for code-scanning dashboards: one rule per vulnerability id, one result per finding.
 * `security-severity` is the highest CVSS score seen for the id, and is left out when no scorer rated it
 * rather than invented from the severity word. Waived findings carry an accepted external suppression.
 */
export function toSarif(report: EvaluatedReport): object {
  const byId = new Map<string, EvaluatedFinding[]>();
  for (const f of report.findings) byId.set(f.id, [...(byId.get(f.id) ?? []), f]);
  const ids = [...byId.keys()].sort();
  const rules = ids.map((id) => rule(id, byId.get(id)!));
  const results = ids.flatMap((id, ruleIndex) => byId.get(id)!.map((f) => result(f, ruleIndex)));
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'image-lifecycle scan-gate',
            rules,
          },
        },
        results,
        properties: {
          verdict: report.verdict,
          image: report.image,
          digest: report.digest,
          evaluatedAt: report.evaluatedAt,
          counts: report.counts,
          scans: report.scans,
        },
      },
    ],
  };
}

function rule(id: string, findings: EvaluatedFinding[]) {
  const first = findings[0]!;
  const scores = findings.flatMap((f) => f.cvss.map((c) => c.score));
  const worst = findings
    .map((f) => f.severity)
    .sort((a, b) => SEVERITIES_DESC.indexOf(a) - SEVERITIES_DESC.indexOf(b))[0]!;
  const properties: Record<string, unknown> = { tags: ['security', 'vulnerability', worst] };
  if (scores.length > 0) properties['security-severity'] = Math.max(...scores).toFixed(1);
  return {
    id,
    name: id.replace(/[^A-Za-z0-9]/g, ''),
    shortDescription: { text: truncate(first.title ?? id, 1000) },
    ...(first.url ? { helpUri: first.url } : {}),
    help: {
      text: `${id}${first.aliases.length ? ` (also ${first.aliases.join(', ')})` : ''}${first.url ? `: ${first.url}` : ''}`,
    },
    defaultConfiguration: { level: severityLevel[worst] },
    properties,
  };
}

function result(f: EvaluatedFinding, ruleIndex: number) {
  const fixed = f.package.fixedVersions.length
    ? `fixed in ${f.package.fixedVersions.join(', ')}`
    : f.fixState.replace('-', ' ');
  const where = f.package.path ?? f.target;
  return {
    ruleId: f.id,
    ruleIndex,
    level: outcomeLevel[f.outcome.status],
    message: {
      text: `${f.id} in ${f.package.name} ${f.package.installedVersion} (${f.severity}, ${fixed}): ${f.outcome.status}, ${f.outcome.reason}`,
    },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri: encodeURI(where.replace(/^\/+/, '')) } },
        logicalLocations: [
          {
            name: f.package.name,
            fullyQualifiedName: f.package.purl ?? `${f.package.name}@${f.package.installedVersion}`,
            kind: 'package',
          },
        ],
      },
    ],
    ...(f.outcome.status === 'waived'
      ? { suppressions: [{ kind: 'external', state: 'accepted', justification: f.outcome.reason }] }
      : {}),
    properties: {
      outcome: f.outcome.status,
      severity: f.severity,
      fixState: f.fixState,
      installedVersion: f.package.installedVersion,
      fixedVersions: f.package.fixedVersions,
      platforms: f.platforms,
      ...(f.judgedCvss ? { cvss: f.judgedCvss } : {}),
    },
  };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
