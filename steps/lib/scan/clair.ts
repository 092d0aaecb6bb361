import { UsageError } from '../errors.js';
import type { Cvss, Finding, ScanReport } from './finding.js';
import { FieldReader, isObject, isoDate, type JsonObject } from './json-input.js';
import { normalizeSeverity, type Severity } from './severity.js';

/** A Clair v4 vulnerability report (GET /matcher/api/v1/vulnerability_report/{digest}). */
export function isClairReport(doc: unknown): doc is JsonObject {
  return (
    isObject(doc) && 'manifest_hash' in doc && 'package_vulnerabilities' in doc && 'vulnerabilities' in doc
  );
}

// The CVSS enricher's key carries a schema URL that changed between Clair releases; its name did not.
const CVSS_ENRICHER = 'enricher=clair.cvss';
const CVE = /\bCVE-\d{4}-\d{4,}\b/g;

export function parseClair(doc: JsonObject, source: string, platformLabel?: string): ScanReport {
  const r = new FieldReader(source);
  const manifest = r.requiredString(doc.manifest_hash, 'manifest_hash');
  const packages = r.map(doc.packages, 'packages');
  const vulnerabilities = r.map(doc.vulnerabilities, 'vulnerabilities');
  const environments = r.map(doc.environments, 'environments');
  const cvssByVuln = enrichmentScores(r, r.map(doc.enrichments, 'enrichments'));
  const findings: Finding[] = [];
  for (const [pkgId, rawIds] of Object.entries(
    r.map(doc.package_vulnerabilities, 'package_vulnerabilities'),
  )) {
    const rawPkg = packages[pkgId];
    if (rawPkg === undefined)
      throw new UsageError(
        `${source}: package_vulnerabilities names package "${pkgId}", which is not in packages`,
      );
    const pkg = r.object(rawPkg, `packages.${pkgId}`);
    const env = r.object(
      r.array(environments[pkgId], `environments.${pkgId}`)[0] ?? {},
      `environments.${pkgId}[0]`,
    );
    for (const [i, vulnId] of r.strings(rawIds, `package_vulnerabilities.${pkgId}`).entries()) {
      const rawVuln = vulnerabilities[vulnId];
      if (rawVuln === undefined)
        throw new UsageError(
          `${source}: package_vulnerabilities.${pkgId}[${i}] names vulnerability "${vulnId}", which is not in vulnerabilities`,
        );
      const v = r.object(rawVuln, `vulnerabilities.${vulnId}`);
      findings.push(
        toFinding(r, {
          pkgId,
          pkg,
          env,
          vulnId,
          v,
          manifest,
          platform: platformLabel,
          cvss: cvssByVuln.get(vulnId) ?? [],
        }),
      );
    }
  }
  return { scanner: 'clair', artifact: manifest, platform: platformLabel, source, findings };
}

interface Match {
  pkgId: string;
  pkg: JsonObject;
  env: JsonObject;
  vulnId: string;
  v: JsonObject;
  manifest: string;
  platform?: string;
  cvss: Cvss[];
}

function toFinding(r: FieldReader, m: Match): Finding {
  const vp = `vulnerabilities.${m.vulnId}`;
  const name = r.requiredString(m.v.name, `${vp}.name`);
  // Names are ids for CVE-based updaters and titles elsewhere ("RHSA-2024:1234: openssl security update
  // (Important)", "DSA-5678-1 zlib"): the first word is the advisory id, CVEs mentioned are its aliases.
  const id = name.split(/\s+/)[0]!.replace(/:$/, '');
  const links = r.string(m.v.links, `${vp}.links`) ?? '';
  const aliases = [...new Set([...name.matchAll(CVE), ...links.matchAll(CVE)].map((x) => x[0]))].filter(
    (a) => a !== id,
  );
  const fixedIn = fixedVersion(r.string(m.v.fixed_in_version, `${vp}.fixed_in_version`));
  const rawSeverity = r.string(m.v.severity, `${vp}.severity`);
  const severity = clairSeverity(r.string(m.v.normalized_severity, `${vp}.normalized_severity`), rawSeverity);
  const layer = r.string(m.env.introduced_in, `environments.${m.pkgId}[0].introduced_in`);
  return {
    id,
    aliases,
    package: {
      name: r.requiredString(m.pkg.name, `packages.${m.pkgId}.name`),
      installedVersion: r.string(m.pkg.version, `packages.${m.pkgId}.version`) ?? '',
      fixedVersions: fixedIn ? [fixedIn] : [],
      path: r.string(m.env.package_db, `environments.${m.pkgId}[0].package_db`),
    },
    // Clair only says where a fix is; without one it does not say whether one is coming.
    fixState: fixedIn ? 'fixed' : 'unknown',
    severity,
    rawSeverity:
      rawSeverity !== undefined && rawSeverity.toUpperCase() !== severity ? rawSeverity : undefined,
    cvss: m.cvss,
    publishedDate: isoDate(r.string(m.v.issued, `${vp}.issued`)),
    // Clair indexes the manifest's layers by their blob digests.
    layer: layer ? { digest: layer } : undefined,
    target: m.manifest,
    platforms: m.platform ? [m.platform] : [],
    title: r.string(m.v.description, `${vp}.description`)?.split('\n')[0],
    url: links.split(/\s+/).find(Boolean),
    scanner: 'clair',
  };
}

/** Clair's OSV updaters encode the range as a query string (`fixed=1.26.19&introduced=0`); others give a version. */
function fixedVersion(value: string | undefined): string | undefined {
  if (!value || !/(^|&)fixed=/.test(value)) return value;
  return new URLSearchParams(value).get('fixed') || undefined;
}

/** normalized_severity is Clair's promise of a fixed vocabulary; the updater's own word is the fallback. */
function clairSeverity(normalized: string | undefined, raw: string | undefined): Severity {
  const fromNormalized = normalizeSeverity(normalized);
  return fromNormalized !== 'UNKNOWN' ? fromNormalized : normalizeSeverity(raw);
}

/** The CVSS enrichment: a one-element array holding a map from vulnerability id to NVD CVSS v3 records. */
function enrichmentScores(r: FieldReader, enrichments: JsonObject): Map<string, Cvss[]> {
  const scores = new Map<string, Cvss[]>();
  for (const [key, value] of Object.entries(enrichments)) {
    if (!key.includes(CVSS_ENRICHER)) continue;
    for (const [i, rawMap] of r.array(value, `enrichments["${key}"]`).entries()) {
      for (const [vulnId, records] of Object.entries(r.object(rawMap, `enrichments["${key}"][${i}]`))) {
        for (const [j, raw] of r.array(records, `enrichments["${key}"][${i}].${vulnId}`).entries()) {
          const path = `enrichments["${key}"][${i}].${vulnId}[${j}]`;
          const rec = r.object(raw, path);
          const score = r.number(rec.baseScore, `${path}.baseScore`);
          if (score === undefined) continue;
          const list = scores.get(vulnId) ?? [];
          list.push({
            score,
            vector: r.string(rec.vectorString, `${path}.vectorString`),
            source: 'nvd',
            version: r.string(rec.version, `${path}.version`),
          });
          scores.set(vulnId, list);
        }
      }
    }
  }
  return scores;
}
