import { UsageError } from '../errors.js';
import type { Evaluation, EvaluatedFinding, ExceptionStatus } from './evaluate.js';
import type { ScanReport, ScannerName } from './finding.js';
import { isObject, parseJsonText } from './json-input.js';
import { countFindings, type Counts } from './summary.js';

/** artifactType of the evaluated report when attached to an image as an OCI referrer. */
export const SCAN_REPORT_ARTIFACT_TYPE = 'application/vnd.image-lifecycle.scan-report.v1+json';
const SCAN_REPORT_KIND = 'image-lifecycle/scan-report';

/**
 * The evaluated report: what the gate decided and why, finding by finding. It goes to the workspace and is
 * attached to the image, where compliance-report finds it again by the image's digest.
 */
export interface EvaluatedReport {
  kind: typeof SCAN_REPORT_KIND;
  schemaVersion: 1;
  image?: string;
  digest?: string;
  evaluatedAt: string;
  verdict: 'pass' | 'fail';
  policy: { source: string; sha256?: string };
  scans: Array<{
    scanner: ScannerName;
    scannerVersion?: string;
    artifact?: string;
    platform?: string;
    source: string;
    findings: number;
  }>;
  counts: Counts;
  exceptions: ExceptionStatus[];
  warnings: string[];
  findings: EvaluatedFinding[];
}

export interface ReportContext {
  image?: string;
  digest?: string;
  policy: { source: string; sha256?: string };
  scans: readonly ScanReport[];
}

export function buildReport(evaluation: Evaluation, ctx: ReportContext): EvaluatedReport {
  return {
    kind: SCAN_REPORT_KIND,
    schemaVersion: 1,
    image: ctx.image,
    digest: ctx.digest,
    evaluatedAt: evaluation.evaluatedAt,
    verdict: evaluation.verdict,
    policy: ctx.policy,
    scans: ctx.scans.map((s) => ({
      scanner: s.scanner,
      scannerVersion: s.scannerVersion,
      artifact: s.artifact,
      platform: s.platform,
      source: s.source,
      findings: s.findings.length,
    })),
    counts: countFindings(evaluation.findings),
    exceptions: evaluation.exceptions,
    warnings: evaluation.warnings,
    findings: evaluation.findings,
  };
}

/** Reads an evaluated report back (from a referrer or a file), checking the fields readers rely on. */
export function readReport(text: string, source: string): EvaluatedReport {
  const doc = parseJsonText(text, source);
  if (!isObject(doc) || doc.kind !== SCAN_REPORT_KIND)
    throw new UsageError(
      `${source}: not an image-lifecycle scan report (kind must be "${SCAN_REPORT_KIND}")`,
    );
  if (doc.schemaVersion !== 1)
    throw new UsageError(
      `${source}: scan report schemaVersion ${JSON.stringify(doc.schemaVersion)} is not supported, expected 1`,
    );
  if (doc.verdict !== 'pass' && doc.verdict !== 'fail')
    throw new UsageError(`${source}: verdict must be "pass" or "fail"`);
  if (typeof doc.evaluatedAt !== 'string' || Number.isNaN(Date.parse(doc.evaluatedAt)))
    throw new UsageError(`${source}: evaluatedAt must be a timestamp`);
  if (!isObject(doc.counts) || !isObject(doc.counts.bySeverity))
    throw new UsageError(`${source}: counts.bySeverity is missing`);
  if (!Array.isArray(doc.exceptions) || !Array.isArray(doc.findings))
    throw new UsageError(`${source}: exceptions and findings must be lists`);
  return doc as unknown as EvaluatedReport;
}
