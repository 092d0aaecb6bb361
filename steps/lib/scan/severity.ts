/**
 * Severity levels every scanner's vocabulary is normalized to. UNKNOWN is not ranked against the others:
 * a scanner that cannot rate a vulnerability says nothing about how bad it is, so whether UNKNOWN blocks is
 * a policy decision (failClosedOnUnknown), never a comparison.
 */
export const RANKED_SEVERITIES = ['NEGLIGIBLE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type RankedSeverity = (typeof RANKED_SEVERITIES)[number];
export type Severity = RankedSeverity | 'UNKNOWN';

/** Most severe first: the order counts and reports list severities in. */
export const SEVERITIES_DESC: readonly Severity[] = [
  'CRITICAL',
  'HIGH',
  'MEDIUM',
  'LOW',
  'NEGLIGIBLE',
  'UNKNOWN',
];

function severityRank(severity: RankedSeverity): number {
  return RANKED_SEVERITIES.indexOf(severity);
}

/** True when `severity` is at least `threshold`; UNKNOWN never is. */
export function atLeast(severity: Severity, threshold: RankedSeverity): boolean {
  return severity !== 'UNKNOWN' && severityRank(severity) >= severityRank(threshold);
}

// Vendor words seen in the wild: Red Hat (Important, Moderate), Debian/Ubuntu (negligible, untriaged),
// Grype and Clair (title case), GHSA (moderate).
const aliases: Record<string, Severity> = {
  critical: 'CRITICAL',
  high: 'HIGH',
  important: 'HIGH',
  medium: 'MEDIUM',
  moderate: 'MEDIUM',
  low: 'LOW',
  negligible: 'NEGLIGIBLE',
  minimal: 'NEGLIGIBLE',
  unimportant: 'NEGLIGIBLE',
};

/** Maps any scanner's severity word to a level; anything unrecognized or absent is UNKNOWN. */
export function normalizeSeverity(value: unknown): Severity {
  if (typeof value !== 'string') return 'UNKNOWN';
  return aliases[value.trim().toLowerCase()] ?? 'UNKNOWN';
}
