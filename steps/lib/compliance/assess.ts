import { DAY_MS, daysBetween, parseDay } from '../scan/dates.js';
import type { ExceptionStatus } from '../scan/evaluate.js';
import { globMatch } from '../scan/glob.js';
import type { EvaluatedReport } from '../scan/report.js';
import type { Counts } from '../scan/summary.js';

/** One image (a digest) of a repository, with the latest scan report attached to it, if any. */
export interface ImageRecord {
  repository: string;
  digest: string;
  tags: string[];
  /** When the image was built (its config's `created`), if it says. */
  created?: string;
  scan?: {
    report: EvaluatedReport;
    /** Digest of the report artifact the scan came from. */
    referrer: string;
    /** Scan reports attached to the image in all; the latest one counts. */
    reportsFound: number;
  };
}

export type ComplianceStatus = 'compliant' | 'non-compliant' | 'unscanned';

export interface ExceptionView {
  id: string;
  expires: string;
  owner?: string;
  ticket?: string;
  reason: string;
  waived: number;
  /** Days left from the report's generation; negative once expired. */
  daysLeft: number;
}

export interface ImageAssessment {
  repository: string;
  digest: string;
  tags: string[];
  created?: string;
  ageDays?: number;
  production: boolean;
  status: ComplianceStatus;
  reasons: string[];
  scan?: {
    evaluatedAt: string;
    scanAgeDays: number;
    verdict: 'pass' | 'fail';
    counts: Counts;
    referrer: string;
    reportsFound: number;
  };
  exceptions: ExceptionView[];
}

export interface AssessOptions {
  now: Date;
  /** Globs (`*` any run of characters) naming production tags. */
  productionTags: readonly string[];
  /** A report older than this no longer vouches for the image. */
  maxScanAgeDays?: number;
}

/**
 * Whether an image is compliant now: it has a scan report, the report passed, no exception it relied on
 * has expired since, and the report is recent enough when a maximum age is asked for.
 */
export function assessImage(image: ImageRecord, options: AssessOptions): ImageAssessment {
  const now = options.now.getTime();
  const production = image.tags.some((t) => options.productionTags.some((p) => globMatch(p, t)));
  const base = {
    repository: image.repository,
    digest: image.digest,
    tags: [...image.tags].sort(),
    created: image.created,
    ageDays: image.created ? Math.floor((now - Date.parse(image.created)) / DAY_MS) : undefined,
    production,
  };
  if (!image.scan)
    return {
      ...base,
      status: 'unscanned',
      reasons: ['no scan report is attached to this digest'],
      exceptions: [],
    };

  const report = image.scan.report;
  const exceptions = report.exceptions.filter((e) => e.waived > 0).map((e) => exceptionView(e, now));
  const reasons: string[] = [];
  if (report.verdict === 'fail')
    reasons.push(
      `the last scan failed with ${report.counts.blocking} blocking finding${report.counts.blocking === 1 ? '' : 's'}`,
    );
  for (const e of exceptions) {
    if (e.daysLeft < 0) reasons.push(`exception for ${e.id} the scan relied on expired on ${e.expires}`);
  }
  const scanAgeDays = Math.floor((now - Date.parse(report.evaluatedAt)) / DAY_MS);
  if (options.maxScanAgeDays !== undefined && scanAgeDays > options.maxScanAgeDays) {
    reasons.push(`last scanned ${scanAgeDays} days ago, more than ${options.maxScanAgeDays}`);
  }
  return {
    ...base,
    status: reasons.length ? 'non-compliant' : 'compliant',
    reasons,
    scan: {
      evaluatedAt: report.evaluatedAt,
      scanAgeDays,
      verdict: report.verdict,
      counts: report.counts,
      referrer: image.scan.referrer,
      reportsFound: image.scan.reportsFound,
    },
    exceptions,
  };
}

function exceptionView(e: ExceptionStatus, now: number): ExceptionView {
  return {
    id: e.id,
    expires: e.expires,
    owner: e.owner,
    ticket: e.ticket,
    reason: e.reason,
    waived: e.waived,
    daysLeft: daysBetween(now, parseDay(e.expires)!),
  };
}

export interface ComplianceSummary {
  verdict: 'pass' | 'fail';
  images: number;
  compliant: number;
  nonCompliant: number;
  unscanned: number;
  production: number;
  productionNonCompliant: number;
  productionUnscanned: number;
}

export interface ComplianceReport {
  kind: 'image-lifecycle/compliance-report';
  generatedAt: string;
  repositories: string[];
  productionTags: string[];
  maxScanAgeDays?: number;
  summary: ComplianceSummary;
  images: ImageAssessment[];
}

/** The whole report; its verdict fails when a production image is non-compliant or unscanned. */
export function complianceReport(
  images: readonly ImageAssessment[],
  repositories: readonly string[],
  options: AssessOptions,
): ComplianceReport {
  const count = (pred: (i: ImageAssessment) => boolean) => images.filter(pred).length;
  const productionNonCompliant = count((i) => i.production && i.status === 'non-compliant');
  const productionUnscanned = count((i) => i.production && i.status === 'unscanned');
  return {
    kind: 'image-lifecycle/compliance-report',
    generatedAt: options.now.toISOString(),
    repositories: [...repositories],
    productionTags: [...options.productionTags],
    maxScanAgeDays: options.maxScanAgeDays,
    summary: {
      verdict: productionNonCompliant + productionUnscanned > 0 ? 'fail' : 'pass',
      images: images.length,
      compliant: count((i) => i.status === 'compliant'),
      nonCompliant: count((i) => i.status === 'non-compliant'),
      unscanned: count((i) => i.status === 'unscanned'),
      production: count((i) => i.production),
      productionNonCompliant,
      productionUnscanned,
    },
    images: [...images],
  };
}
