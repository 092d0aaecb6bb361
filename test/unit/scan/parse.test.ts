import { UsageError } from '../../../steps/lib/errors.js';
import { aggregateFindings, type Finding } from '../../../steps/lib/scan/finding.js';
import { parseScanReport, splitReportArg } from '../../../steps/lib/scan/reports.js';
import { fixture } from './fixtures.js';

function parse(name: string, platform?: string) {
  return parseScanReport({ source: name, text: fixture(name), platform });
}

function byId(findings: Finding[], id: string): Finding {
  const found = findings.filter((f) => f.id === id);
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('Trivy JSON', () => {
  const report = parse('trivy-linux-amd64.json');

  it('reads every vulnerability of every target, dropping not_affected ones', () => {
    expect(report.scanner).toBe('trivy');
    expect(report.artifact).toBe('registry.example.com/shop/api:1.4.2');
    expect(report.platform).toBe('linux/amd64');
    expect(report.findings.map((f) => f.id).sort()).toEqual(
      [
        'CVE-2011-3374',
        'CVE-2023-45853',
        'CVE-2024-12798',
        'CVE-2024-21538',
        'CVE-2024-26458',
        'CVE-2024-5535',
        'CVE-2025-0395',
      ].sort(),
    );
  });

  it('normalizes a fixed OS package with CVSS from several sources, layer and purl', () => {
    const f = byId(report.findings, 'CVE-2024-5535');
    expect(f).toMatchObject({
      severity: 'CRITICAL',
      fixState: 'fixed',
      package: {
        name: 'libssl3',
        installedVersion: '3.0.11-1~deb12u2',
        fixedVersions: ['3.0.14-1~deb12u1'],
        purl: 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12.5',
      },
      publishedDate: '2024-06-27T11:15:24.447Z',
      target: 'registry.example.com/shop/api:1.4.2 (debian 12.5)',
      platforms: ['linux/amd64'],
      scanner: 'trivy',
    });
    expect(f.layer?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(f.layer?.diffId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(f.cvss).toEqual([
      { score: 9.1, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:H', source: 'nvd', version: '3.1' },
      {
        score: 4.8,
        vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:L',
        source: 'redhat',
        version: '3.1',
      },
    ]);
  });

  it('maps every Trivy status to a fix state', () => {
    expect(byId(report.findings, 'CVE-2023-45853').fixState).toBe('wont-fix'); // will_not_fix
    expect(byId(report.findings, 'CVE-2011-3374').fixState).toBe('not-fixed'); // affected
    expect(byId(report.findings, 'CVE-2024-26458').fixState).toBe('not-fixed'); // fix_deferred
    expect(byId(report.findings, 'CVE-2025-0395').fixState).toBe('unknown'); // under_investigation
  });

  it('keeps UNKNOWN severity and an absent CVSS as such', () => {
    const f = byId(report.findings, 'CVE-2025-0395');
    expect(f.severity).toBe('UNKNOWN');
    expect(f.cvss).toEqual([]);
  });

  it('splits several fixed versions, keeps vendor ids as aliases and the package path', () => {
    const f = byId(report.findings, 'CVE-2024-12798');
    expect(f.package.fixedVersions).toEqual(['1.5.13', '1.3.15']);
    expect(f.aliases).toEqual(['GHSA-pr98-23f8-jwxv']);
    expect(f.package.path).toBe('usr/src/app/lib/logback-core-1.2.13.jar');
    // ghsa has v3, nvd only v4.0: each source keeps what it has.
    expect(f.cvss).toEqual([
      { score: 5.9, vector: 'CVSS:3.1/AV:L/AC:H/PR:H/UI:N/S:U/C:H/I:H/A:H', source: 'ghsa', version: '3.1' },
      {
        score: 5.9,
        vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
        source: 'nvd',
        version: '4.0',
      },
    ]);
  });

  it('prefers the v3 score of a source that also has v2', () => {
    expect(byId(report.findings, 'CVE-2011-3374').cvss).toEqual([
      { score: 3.7, vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:L/A:N', source: 'nvd', version: '3.1' },
    ]);
  });

  it('reads a clean scan without Results as no findings', () => {
    const clean = parse('trivy-clean.json');
    expect(clean.findings).toEqual([]);
    expect(clean.platform).toBe('linux/amd64');
  });

  it('takes an explicit platform over the image config', () => {
    expect(parse('trivy-linux-arm64.json', 'linux/arm64/v8').platform).toBe('linux/arm64/v8');
    expect(parse('trivy-linux-arm64.json').platform).toBe('linux/arm64/v8');
  });

  it('rejects an unknown status and another SchemaVersion with one line naming the file', () => {
    const doc = JSON.parse(fixture('trivy-linux-amd64.json'));
    doc.Results[0].Vulnerabilities[0].Status = 'patched';
    expect(() => parseScanReport({ source: 'bad.json', text: JSON.stringify(doc) })).toThrow(
      new UsageError(
        'bad.json: Results[0].Vulnerabilities[0].Status "patched" is not a Trivy vulnerability status',
      ),
    );
    expect(() =>
      parseScanReport({ source: 'v1.json', text: '{"SchemaVersion":1,"ArtifactName":"x","Results":[]}' }),
    ).toThrow(/^v1\.json: Trivy SchemaVersion 1 is not supported/);
  });

  it('names the field when a report has the wrong shape', () => {
    expect(() =>
      parseScanReport({
        source: 'r.json',
        text: '{"SchemaVersion":2,"ArtifactName":"x","Results":{"Target":"a"}}',
      }),
    ).toThrow('r.json: Results must be an array, got object');
    expect(() =>
      parseScanReport({
        source: 'r.json',
        text: '{"SchemaVersion":2,"Results":[{"Target":"a","Vulnerabilities":[{"PkgName":"p"}]}]}',
      }),
    ).toThrow('r.json: Results[0].Vulnerabilities[0].VulnerabilityID is missing');
  });
});

describe('Grype JSON', () => {
  const report = parse('grype-linux-amd64.json');

  it('reads matches with the descriptor version, artifact and platform', () => {
    expect(report).toMatchObject({
      scanner: 'grype',
      scannerVersion: '0.86.1',
      artifact: 'registry.example.com/shop/api:1.4.2',
      platform: 'linux/amd64',
    });
    expect(report.findings).toHaveLength(6);
  });

  it('uses related vulnerabilities as aliases and their CVSS, with normalized sources', () => {
    const f = byId(report.findings, 'GHSA-3xgq-45jj-v275');
    expect(f).toMatchObject({
      aliases: ['CVE-2024-21538'],
      severity: 'HIGH',
      fixState: 'fixed',
      package: {
        name: 'cross-spawn',
        installedVersion: '7.0.3',
        fixedVersions: ['7.0.5'],
        purl: 'pkg:npm/cross-spawn@7.0.3',
        path: '/usr/src/app/node_modules/cross-spawn/package.json',
        type: 'npm',
      },
    });
    expect(f.cvss.map((c) => [c.source, c.score])).toEqual([
      ['ghsa', 7.5],
      ['nvd', 7.5],
    ]);
    expect(f.layer).toEqual({ diffId: expect.stringMatching(/^sha256:/) });
    expect(f.publishedDate).toBeUndefined();
  });

  it('maps fix states and vendor severity words, including Unknown and Negligible', () => {
    expect(byId(report.findings, 'CVE-2023-45853')).toMatchObject({
      fixState: 'wont-fix',
      severity: 'CRITICAL',
    });
    expect(byId(report.findings, 'CVE-2011-3374')).toMatchObject({
      fixState: 'not-fixed',
      severity: 'NEGLIGIBLE',
    });
    expect(byId(report.findings, 'CVE-2025-0395')).toMatchObject({
      fixState: 'unknown',
      severity: 'UNKNOWN',
    });
    expect(byId(report.findings, 'CVE-2024-5535').severity).toBe('UNKNOWN');
  });

  it('names the scorer of a CVSS entry without source by its record namespace (older Grype)', () => {
    expect(byId(report.findings, 'CVE-2023-45853').cvss).toEqual([
      { score: 9.8, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', source: 'nvd', version: '3.1' },
    ]);
  });
});

describe('Clair v4 vulnerability report', () => {
  const report = parse('clair-linux-amd64.json', 'linux/amd64');

  it('joins packages, environments and vulnerabilities', () => {
    expect(report.scanner).toBe('clair');
    expect(report.artifact).toMatch(/^sha256:/);
    expect(report.findings).toHaveLength(5);
    expect(
      report.findings.every((f) => f.platforms[0] === 'linux/amd64' && f.target === report.artifact),
    ).toBe(true);
  });

  it('takes the advisory id from an RHSA title and the CVEs in its links as aliases', () => {
    const f = byId(report.findings, 'RHSA-2024:2447');
    expect(f).toMatchObject({
      aliases: ['CVE-2023-3446', 'CVE-2023-3817', 'CVE-2023-5678'],
      severity: 'MEDIUM',
      rawSeverity: 'Moderate',
      fixState: 'fixed',
      package: {
        name: 'openssl-libs',
        installedVersion: '1:3.0.7-25.el9_3',
        fixedVersions: ['1:3.0.7-27.el9'],
        path: 'sqlite:var/lib/rpm',
      },
      publishedDate: '2024-04-30T00:00:00.000Z',
      url: 'https://access.redhat.com/errata/RHSA-2024:2447',
    });
    expect(f.layer?.digest).toMatch(/^sha256:/);
  });

  it('attaches NVD scores from the CVSS enrichment and decodes OSV fixed ranges', () => {
    expect(byId(report.findings, 'CVE-2024-25062')).toMatchObject({
      severity: 'HIGH',
      fixState: 'unknown',
      cvss: [{ score: 7.5, source: 'nvd', version: '3.1' }],
    });
    expect(byId(report.findings, 'GHSA-34jh-p97f-mpxf')).toMatchObject({
      aliases: ['CVE-2024-37891'],
      severity: 'MEDIUM',
      fixState: 'fixed',
      package: { fixedVersions: ['1.26.19'] },
    });
  });

  it('treats Unknown normalized severity and Go zero time as unknown', () => {
    const f = byId(report.findings, 'CVE-2024-32487');
    expect(f.severity).toBe('UNKNOWN');
    expect(f.publishedDate).toBeUndefined();
  });

  it('rejects a report whose tables do not join', () => {
    const doc = JSON.parse(fixture('clair-linux-amd64.json'));
    doc.package_vulnerabilities['41'] = ['999'];
    expect(() => parseScanReport({ source: 'clair.json', text: JSON.stringify(doc) })).toThrow(
      'clair.json: package_vulnerabilities.41[0] names vulnerability "999", which is not in vulnerabilities',
    );
  });
});

describe('format detection and bad input', () => {
  it('names the file and what it is for a truncated report', () => {
    expect(() => parse('trivy-truncated.json')).toThrow(UsageError);
    expect(() => parse('trivy-truncated.json')).toThrow(
      /^trivy-truncated\.json: not valid JSON \(.+\); is the report truncated\?$/,
    );
  });

  it('rejects an empty file', () => {
    expect(() => parseScanReport({ source: 'empty.json', text: '  \n' })).toThrow(
      'empty.json: file is empty, expected a JSON scanner report',
    );
  });

  it('says which formats it reads when the format is unknown', () => {
    expect(() => parse('cyclonedx-sbom.json')).toThrow(
      'cyclonedx-sbom.json: not a report format scan-gate reads (an SBOM, not a vulnerability report); expected Trivy JSON (SchemaVersion 2), Grype JSON or a Clair v4 vulnerability report',
    );
    expect(() =>
      parseScanReport({ source: 'old.json', text: '[{"Target":"x","Vulnerabilities":null}]' }),
    ).toThrow(/a JSON array, as written by Trivy before 0\.20/);
    expect(() => parseScanReport({ source: 'x.json', text: '{"foo":1}' })).toThrow(/top-level keys foo/);
  });

  it('every message is a single line', () => {
    for (const text of ['{', '{"SchemaVersion":2,"Results":5}', '"just a string"']) {
      try {
        parseScanReport({ source: 'f.json', text });
        throw new Error('expected a failure');
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        expect((err as Error).message).not.toMatch(/\n/);
      }
    }
  });
});

describe('multi-platform aggregation', () => {
  const amd = parse('trivy-linux-amd64.json');
  const arm = parse('trivy-linux-arm64.json');
  const findings = aggregateFindings([amd, arm]);

  it('counts a vulnerability shared by every platform once, with all its platforms', () => {
    const zlib = findings.filter((f) => f.id === 'CVE-2023-45853');
    expect(zlib).toHaveLength(1);
    expect(zlib[0]!.platforms).toEqual(['linux/amd64', 'linux/arm64/v8']);
  });

  it('keeps platform-specific findings apart and ignores the arch qualifier of OS package purls', () => {
    expect(findings.filter((f) => f.id === 'CVE-2023-4039').map((f) => f.platforms)).toEqual([
      ['linux/arm64/v8'],
    ]);
    expect(findings.filter((f) => f.id === 'CVE-2024-5535').map((f) => f.platforms)).toEqual([
      ['linux/amd64', 'linux/arm64/v8'],
    ]);
    expect(findings.filter((f) => f.id === 'CVE-2024-21538').map((f) => f.platforms)).toEqual([
      ['linux/amd64', 'linux/arm64/v8'],
    ]);
    expect(findings).toHaveLength(8);
  });

  it('keeps findings apart when platforms disagree on severity', () => {
    const armDoc = JSON.parse(fixture('trivy-linux-arm64.json'));
    armDoc.Results[0].Vulnerabilities[0].Severity = 'HIGH';
    const armHigh = parseScanReport({ source: 'arm.json', text: JSON.stringify(armDoc) });
    const split = aggregateFindings([amd, armHigh]).filter((f) => f.id === 'CVE-2024-5535');
    expect(split.map((f) => [f.severity, f.platforms])).toEqual([
      ['CRITICAL', ['linux/amd64']],
      ['HIGH', ['linux/arm64/v8']],
    ]);
  });

  it('does not mutate the reports it aggregates', () => {
    expect(amd.findings.every((f) => f.platforms.length === 1)).toBe(true);
  });
});

describe('--report values', () => {
  it('splits a platform label off only when it looks like one', () => {
    expect(splitReportArg('linux/arm64/v8=reports/arm.json')).toEqual({
      platform: 'linux/arm64/v8',
      path: 'reports/arm.json',
    });
    expect(splitReportArg('reports/a=b.json')).toEqual({ path: 'reports/a=b.json' });
    expect(splitReportArg('trivy.json')).toEqual({ path: 'trivy.json' });
  });
});
