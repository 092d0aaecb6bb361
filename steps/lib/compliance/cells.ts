import { SEVERITIES_DESC } from '../scan/severity.js';
import type { ComplianceReport, ExceptionView, ImageAssessment } from './assess.js';

/** The text of each table cell, shared by the Markdown and HTML renderings so they always agree. */
export const COLUMNS = [
  'Repository',
  'Tags',
  'Digest',
  'Age',
  'Status',
  'Scan',
  ...SEVERITIES_DESC,
  'Exceptions',
] as const;

function shortDigest(digest: string): string {
  return digest.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]+$/, '$1…');
}

function days(n: number | undefined): string {
  return n === undefined ? '' : `${n} d`;
}

function exceptionText(e: ExceptionView): string {
  const when = e.daysLeft < 0 ? `expired ${e.expires}` : `until ${e.expires} (${e.daysLeft} d)`;
  const who = [e.owner, e.ticket].filter(Boolean).join(', ');
  return `${e.id} ${when}${who ? `, ${who}` : ''}`;
}

export function rowCells(image: ImageAssessment): string[] {
  const counts = image.scan?.counts.bySeverity;
  return [
    image.repository,
    image.tags.join(', ') || '(untagged)',
    shortDigest(image.digest),
    days(image.ageDays),
    image.production ? `${image.status} (production)` : image.status,
    image.scan
      ? `${image.scan.verdict}, ${image.scan.evaluatedAt.slice(0, 10)} (${days(image.scan.scanAgeDays)} ago)`
      : 'none',
    ...SEVERITIES_DESC.map((s) => (counts ? String(counts[s]) : '')),
    image.exceptions.map(exceptionText).join('; '),
  ];
}

export function headline(report: ComplianceReport): string {
  const s = report.summary;
  return (
    `${s.verdict.toUpperCase()}: ${s.images} images, ${s.compliant} compliant, ${s.nonCompliant} non-compliant, ${s.unscanned} unscanned; ` +
    `production ${s.production} (${s.productionNonCompliant} non-compliant, ${s.productionUnscanned} unscanned)`
  );
}

export function scopeLine(report: ComplianceReport): string {
  const prod = report.productionTags.length ? report.productionTags.join(', ') : 'none given';
  const age =
    report.maxScanAgeDays === undefined
      ? ''
      : `; reports older than ${report.maxScanAgeDays} days do not count`;
  return `Generated ${report.generatedAt} for ${report.repositories.join(', ')}; production tags: ${prod}${age}.`;
}
