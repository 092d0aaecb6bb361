import type { Cvss } from './finding.js';

// Scanners name the same scorer differently: Trivy uses trivy-db source ids (nvd, redhat, ghsa), Grype uses
// the CNA e-mail (nvd@nist.gov) or its own namespaces (nvd:cpe, github:language:java, redhat:distro:rhel:9).
const sourceAliases: Array<[RegExp, string]> = [
  [/^(nvd|nvd@nist\.gov|nvd:.*|clair\.cvss)$/i, 'nvd'],
  [/^(ghsa|github|github:.*|security-advisories@github\.com)$/i, 'ghsa'],
  [/^(redhat|secalert@redhat\.com|redhat:.*)$/i, 'redhat'],
  [/^(ubuntu|security@ubuntu\.com|ubuntu:.*)$/i, 'ubuntu'],
  [/^(debian|debian:.*)$/i, 'debian'],
];

export function normalizeCvssSource(source: string): string {
  const trimmed = source.trim();
  for (const [pattern, name] of sourceAliases) if (pattern.test(trimmed)) return name;
  return trimmed.toLowerCase();
}

/**
 * The score a policy judges by: the preferred source's when it has one, else the highest of any source,
 * so that a missing preferred score never makes a finding look milder than some scorer rated it.
 */
export function pickCvss(scores: readonly Cvss[], preferredSource?: string): Cvss | undefined {
  if (preferredSource) {
    const preferred = scores.filter((c) => c.source === preferredSource);
    if (preferred.length > 0) return highest(preferred);
  }
  return highest(scores);
}

function highest(scores: readonly Cvss[]): Cvss | undefined {
  let best: Cvss | undefined;
  for (const c of scores) if (!best || c.score > best.score) best = c;
  return best;
}

/**
 * Keeps one score per source, preferring v3 over v4 over v2: policy thresholds are written against v3
 * numbers, which every source has; v4 and v2 stand in only when a source has nothing else.
 */
export function onePerSource(scores: readonly Cvss[]): Cvss[] {
  const best = new Map<string, Cvss>();
  for (const c of scores) {
    const current = best.get(c.source);
    if (!current || versionPreference(c.version) < versionPreference(current.version)) best.set(c.source, c);
  }
  return [...best.values()];
}

function versionPreference(version: string | undefined): number {
  if (version?.startsWith('3')) return 0;
  if (version?.startsWith('4')) return 1;
  if (version?.startsWith('2')) return 2;
  return 3;
}
