import { normalizeCvssSource, onePerSource } from './cvss.js';
import type { Cvss, Finding, FixState, ScanReport } from './finding.js';
import { FieldReader, isObject, type JsonObject } from './json-input.js';
import { normalizeSeverity } from './severity.js';

/** A Grype JSON report (`grype -o json`): a `matches` array beside Grype's descriptor or source. */
export function isGrypeReport(doc: unknown): doc is JsonObject {
  return isObject(doc) && Array.isArray(doc.matches) && ('descriptor' in doc || 'source' in doc);
}

const fixStates: Record<string, FixState> = {
  fixed: 'fixed',
  'not-fixed': 'not-fixed',
  'wont-fix': 'wont-fix',
  unknown: 'unknown',
};

export function parseGrype(doc: JsonObject, source: string, platformLabel?: string): ScanReport {
  const r = new FieldReader(source);
  const src = r.map(doc.source, 'source');
  const imageTarget = src.type === 'image' ? r.map(src.target, 'source.target') : undefined;
  const artifact = imageTarget
    ? r.string(imageTarget.userInput, 'source.target.userInput')
    : typeof src.target === 'string'
      ? src.target
      : undefined;
  const platform = platformLabel ?? (imageTarget ? imagePlatform(r, imageTarget) : undefined);
  const descriptor = r.map(doc.descriptor, 'descriptor');
  const findings = r
    .array(doc.matches, 'matches')
    .map((raw, i) =>
      parseMatch(r, r.object(raw, `matches[${i}]`), `matches[${i}]`, artifact ?? source, platform),
    );
  return {
    scanner: 'grype',
    scannerVersion: r.string(descriptor.version, 'descriptor.version'),
    artifact,
    platform,
    source,
    findings,
  };
}

function parseMatch(r: FieldReader, m: JsonObject, path: string, target: string, platform?: string): Finding {
  const vuln = r.object(m.vulnerability, `${path}.vulnerability`);
  const art = r.object(m.artifact, `${path}.artifact`);
  const id = r.requiredString(vuln.id, `${path}.vulnerability.id`);
  const fix = r.map(vuln.fix, `${path}.vulnerability.fix`);
  const related = r
    .array(m.relatedVulnerabilities, `${path}.relatedVulnerabilities`)
    .map((v, i) => r.object(v, `${path}.relatedVulnerabilities[${i}]`));
  const location = r.object(
    r.array(art.locations, `${path}.artifact.locations`)[0] ?? {},
    `${path}.artifact.locations[0]`,
  );
  const layerId = r.string(location.layerID, `${path}.artifact.locations[0].layerID`);
  const rawSeverity = r.string(vuln.severity, `${path}.vulnerability.severity`);
  const severity = normalizeSeverity(rawSeverity);
  const cvss = [
    ...parseCvssList(r, vuln, `${path}.vulnerability`),
    ...related.flatMap((rel, i) => parseCvssList(r, rel, `${path}.relatedVulnerabilities[${i}]`)),
  ];
  const aliases = related
    .map((rel, i) => r.requiredString(rel.id, `${path}.relatedVulnerabilities[${i}].id`))
    .filter((a) => a !== id);
  const fixState =
    fixStates[r.string(fix.state, `${path}.vulnerability.fix.state`) ?? 'unknown'] ?? 'unknown';
  return {
    id,
    aliases: [...new Set(aliases)],
    package: {
      name: r.requiredString(art.name, `${path}.artifact.name`),
      installedVersion: r.string(art.version, `${path}.artifact.version`) ?? '',
      fixedVersions:
        fixState === 'fixed' ? r.strings(fix.versions, `${path}.vulnerability.fix.versions`) : [],
      purl: r.string(art.purl, `${path}.artifact.purl`),
      path: r.string(location.path, `${path}.artifact.locations[0].path`),
      type: r.string(art.type, `${path}.artifact.type`),
    },
    fixState,
    severity,
    rawSeverity:
      rawSeverity !== undefined && rawSeverity.toUpperCase() !== severity ? rawSeverity : undefined,
    cvss: onePerSource(cvss),
    // Grype's JSON carries no publication date, so grace periods never apply to Grype findings.
    publishedDate: undefined,
    // Syft records a package's layer by its diff ID (the digest of the uncompressed layer).
    layer: layerId ? { diffId: layerId } : undefined,
    target,
    platforms: platform ? [platform] : [],
    title: r.string(vuln.description, `${path}.vulnerability.description`)?.split('\n')[0],
    url: r.string(vuln.dataSource, `${path}.vulnerability.dataSource`),
    scanner: 'grype',
  };
}

function parseCvssList(r: FieldReader, vuln: JsonObject, path: string): Cvss[] {
  const namespace = r.string(vuln.namespace, `${path}.namespace`);
  return r.array(vuln.cvss, `${path}.cvss`).flatMap((raw, i) => {
    const c = r.object(raw, `${path}.cvss[${i}]`);
    const metrics = r.map(c.metrics, `${path}.cvss[${i}].metrics`);
    const score = r.number(metrics.baseScore, `${path}.cvss[${i}].metrics.baseScore`);
    // Older Grype omits cvss[].source; the record's namespace (nvd:cpe, github:language:go) names the scorer.
    const scorer = r.string(c.source, `${path}.cvss[${i}].source`) ?? namespace;
    if (score === undefined || !scorer) return [];
    return [
      {
        score,
        vector: r.string(c.vector, `${path}.cvss[${i}].vector`),
        source: normalizeCvssSource(scorer),
        version: r.string(c.version, `${path}.cvss[${i}].version`),
      },
    ];
  });
}

function imagePlatform(r: FieldReader, target: JsonObject): string | undefined {
  const os = r.string(target.os, 'source.target.os');
  const arch = r.string(target.architecture, 'source.target.architecture');
  if (!os || !arch) return undefined;
  return [os, arch, r.string(target.variant, 'source.target.variant')].filter(Boolean).join('/');
}
