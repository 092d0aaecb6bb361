import { UsageError } from '../errors.js';
import { normalizeCvssSource, onePerSource } from './cvss.js';
import type { Cvss, Finding, FixState, ScanReport } from './finding.js';
import { FieldReader, isObject, isoDate, type JsonObject } from './json-input.js';
import { normalizeSeverity } from './severity.js';

/** A Trivy JSON report (`trivy image --format json`): SchemaVersion plus at least one top-level Trivy field. */
export function isTrivyReport(doc: unknown): doc is JsonObject {
  return (
    isObject(doc) &&
    'SchemaVersion' in doc &&
    ('ArtifactName' in doc || 'ArtifactType' in doc || 'Results' in doc)
  );
}

// trivy-db vulnerability statuses. not_affected is an assertion that the package is safe, so it is no finding.
const statusToFixState: Record<string, FixState | 'not-a-finding'> = {
  fixed: 'fixed',
  affected: 'not-fixed',
  fix_deferred: 'not-fixed',
  will_not_fix: 'wont-fix',
  end_of_life: 'wont-fix',
  under_investigation: 'unknown',
  unknown: 'unknown',
  not_affected: 'not-a-finding',
};

export function parseTrivy(doc: JsonObject, source: string, platformLabel?: string): ScanReport {
  const r = new FieldReader(source);
  if (doc.SchemaVersion !== 2) {
    throw new UsageError(
      `${source}: Trivy SchemaVersion ${JSON.stringify(doc.SchemaVersion)} is not supported, expected 2 (Trivy 0.20 or later with --format json)`,
    );
  }
  const platform = platformLabel ?? imagePlatform(r, doc);
  const findings: Finding[] = [];
  // A clean scan omits Results entirely, or lists targets without Vulnerabilities.
  r.array(doc.Results, 'Results').forEach((raw, i) => {
    const result = r.object(raw, `Results[${i}]`);
    const target = r.string(result.Target, `Results[${i}].Target`) ?? '';
    r.array(result.Vulnerabilities, `Results[${i}].Vulnerabilities`).forEach((rawVuln, j) => {
      const finding = parseVulnerability(
        r,
        r.object(rawVuln, `Results[${i}].Vulnerabilities[${j}]`),
        `Results[${i}].Vulnerabilities[${j}]`,
        target,
        platform,
      );
      if (finding) findings.push(finding);
    });
  });
  return {
    scanner: 'trivy',
    artifact: r.string(doc.ArtifactName, 'ArtifactName'),
    platform,
    source,
    findings,
  };
}

function parseVulnerability(
  r: FieldReader,
  v: JsonObject,
  path: string,
  target: string,
  platform?: string,
): Finding | undefined {
  const status = r.string(v.Status, `${path}.Status`);
  const fixedVersions = splitVersions(r.string(v.FixedVersion, `${path}.FixedVersion`));
  let fixState: FixState;
  if (status === undefined) {
    // Reports from before Trivy had Status list affected packages only; a fixed version is the only signal.
    fixState = fixedVersions.length > 0 ? 'fixed' : 'not-fixed';
  } else {
    const mapped = statusToFixState[status];
    if (mapped === undefined)
      throw new UsageError(`${r.source}: ${path}.Status "${status}" is not a Trivy vulnerability status`);
    if (mapped === 'not-a-finding') return undefined;
    fixState = mapped;
  }
  const identifier = r.map(v.PkgIdentifier, `${path}.PkgIdentifier`);
  const layer = r.map(v.Layer, `${path}.Layer`);
  const rawSeverity = r.string(v.Severity, `${path}.Severity`);
  const severity = normalizeSeverity(rawSeverity);
  const digest = r.string(layer.Digest, `${path}.Layer.Digest`);
  const diffId = r.string(layer.DiffID, `${path}.Layer.DiffID`);
  return {
    id: r.requiredString(v.VulnerabilityID, `${path}.VulnerabilityID`),
    aliases: r.strings(v.VendorIDs, `${path}.VendorIDs`),
    package: {
      name: r.requiredString(v.PkgName, `${path}.PkgName`),
      installedVersion: r.string(v.InstalledVersion, `${path}.InstalledVersion`) ?? '',
      fixedVersions,
      purl: r.string(identifier.PURL, `${path}.PkgIdentifier.PURL`),
      path: r.string(v.PkgPath, `${path}.PkgPath`),
    },
    fixState,
    severity,
    rawSeverity: rawSeverity !== undefined && rawSeverity !== severity ? rawSeverity : undefined,
    cvss: parseCvssMap(r, r.map(v.CVSS, `${path}.CVSS`), `${path}.CVSS`),
    publishedDate: isoDate(r.string(v.PublishedDate, `${path}.PublishedDate`)),
    layer: digest || diffId ? { digest, diffId } : undefined,
    target,
    platforms: platform ? [platform] : [],
    title: r.string(v.Title, `${path}.Title`),
    url: r.string(v.PrimaryURL, `${path}.PrimaryURL`),
    scanner: 'trivy',
  };
}

/** Trivy writes several fixed versions as one comma-separated string ("1.5.13, 1.3.15"). */
function splitVersions(value: string | undefined): string[] {
  return value
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
}

const versions = [
  ['V3Score', 'V3Vector', '3'],
  ['V40Score', 'V40Vector', '4.0'],
  ['V2Score', 'V2Vector', '2'],
] as const;

function parseCvssMap(r: FieldReader, map: JsonObject, path: string): Cvss[] {
  const out: Cvss[] = [];
  for (const [sourceId, raw] of Object.entries(map)) {
    const entry = r.object(raw, `${path}.${sourceId}`);
    for (const [scoreKey, vectorKey, version] of versions) {
      const score = r.number(entry[scoreKey], `${path}.${sourceId}.${scoreKey}`);
      if (score === undefined) continue;
      const vector = r.string(entry[vectorKey], `${path}.${sourceId}.${vectorKey}`);
      out.push({
        score,
        vector,
        source: normalizeCvssSource(sourceId),
        version: vector?.match(/^CVSS:(\d\.\d)/)?.[1] ?? version,
      });
    }
  }
  return onePerSource(out);
}

function imagePlatform(r: FieldReader, doc: JsonObject): string | undefined {
  const config = r.map(r.map(doc.Metadata, 'Metadata').ImageConfig, 'Metadata.ImageConfig');
  const os = r.string(config.os, 'Metadata.ImageConfig.os');
  const arch = r.string(config.architecture, 'Metadata.ImageConfig.architecture');
  if (!os || !arch) return undefined;
  const variant = r.string(config.variant, 'Metadata.ImageConfig.variant');
  return [os, arch, variant].filter(Boolean).join('/');
}
