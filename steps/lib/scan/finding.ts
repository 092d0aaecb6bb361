import type { Severity } from './severity.js';

export type ScannerName = 'trivy' | 'grype' | 'clair';

/**
 * Whether a fix exists. Policies judge fixable (`fixed`) and unfixable (everything else) findings
 * separately; the other states say why there is no fix, which people reading the report want to know.
 */
export type FixState = 'fixed' | 'not-fixed' | 'wont-fix' | 'unknown';

export interface Cvss {
  score: number;
  vector?: string;
  /** Who scored it, normalized: nvd, redhat, ghsa, ubuntu, ... */
  source: string;
  version?: string;
}

export interface Finding {
  /** The scanner's vulnerability id (CVE-..., GHSA-..., RHSA-..., DSA-...). */
  id: string;
  /** Other ids for the same flaw (a GHSA's CVE, an RHSA's CVEs). */
  aliases: string[];
  package: {
    name: string;
    installedVersion: string;
    /** Versions that fix it; empty when there is none. */
    fixedVersions: string[];
    purl?: string;
    /** Where a language package lives in the image (a jar, a node_modules folder). */
    path?: string;
    type?: string;
  };
  fixState: FixState;
  severity: Severity;
  /** The scanner's own severity word before normalization, when it differed. */
  rawSeverity?: string;
  cvss: Cvss[];
  /** ISO 8601; absent when the scanner does not say. */
  publishedDate?: string;
  layer?: { digest?: string; diffId?: string };
  /** What the scanner looked at: an OS, a lock file, a manifest digest. */
  target: string;
  /** Platforms (os/arch[/variant]) the finding was seen on; empty when the report did not say. */
  platforms: string[];
  title?: string;
  url?: string;
  scanner: ScannerName;
}

/** One scanner report, normalized. */
export interface ScanReport {
  scanner: ScannerName;
  scannerVersion?: string;
  /** The image or artifact the scanner was pointed at, as it named it. */
  artifact?: string;
  platform?: string;
  /** The file the report was read from, for messages. */
  source: string;
  findings: Finding[];
}

/**
 * Two findings are the same vulnerability in the same package when these agree; platforms aside. A purl's
 * qualifiers name the architecture (`?arch=arm64`), so they are left out. Severity and fix data belong to the
 * key because distributions rate and fix per architecture rarely but really, and merging those would hide a
 * difference the policy judges.
 */
function aggregationKey(f: Finding): string {
  return JSON.stringify([
    f.id,
    f.package.name,
    f.package.installedVersion,
    f.package.path ?? '',
    (f.package.purl ?? '').replace(/[?#].*$/, ''),
    f.severity,
    f.fixState,
    f.package.fixedVersions,
    f.scanner,
  ]);
}

/**
 * Aggregates the findings of several reports (one per platform of a multi-arch image, possibly from several
 * scanners) so a vulnerability present on every platform is counted and judged once, carrying all its platforms.
 */
export function aggregateFindings(reports: readonly ScanReport[]): Finding[] {
  const merged = new Map<string, Finding>();
  for (const report of reports) {
    for (const finding of report.findings) {
      const key = aggregationKey(finding);
      const existing = merged.get(key);
      if (!existing) {
        merged.set(key, { ...finding, platforms: [...finding.platforms] });
        continue;
      }
      for (const p of finding.platforms) if (!existing.platforms.includes(p)) existing.platforms.push(p);
      for (const a of finding.aliases) if (!existing.aliases.includes(a)) existing.aliases.push(a);
    }
  }
  return [...merged.values()];
}
