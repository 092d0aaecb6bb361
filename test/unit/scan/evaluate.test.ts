import { evaluate, type EvaluatedFinding, type Evaluation } from '../../../steps/lib/scan/evaluate.js';
import type { Finding } from '../../../steps/lib/scan/finding.js';
import { DEFAULT_POLICY, parsePolicy, type Policy } from '../../../steps/lib/scan/policy.js';

function finding(overrides: Partial<Finding> & { pkg?: Partial<Finding['package']> } = {}): Finding {
  const { pkg, ...rest } = overrides;
  return {
    id: 'CVE-2025-1000',
    aliases: [],
    package: {
      name: 'libssl3',
      installedVersion: '3.0.11-1',
      fixedVersions: ['3.0.14-1'],
      purl: 'pkg:deb/debian/libssl3@3.0.11-1?arch=amd64',
      ...pkg,
    },
    fixState: 'fixed',
    severity: 'HIGH',
    cvss: [],
    publishedDate: '2024-01-01T00:00:00.000Z',
    target: 'app (debian 12.5)',
    platforms: ['linux/amd64'],
    scanner: 'trivy',
    ...rest,
  };
}

function policy(yamlText: string): Policy {
  return parsePolicy(yamlText, 'policy.yaml');
}

function at(iso: string) {
  return { now: new Date(iso) };
}

function only(evaluation: Evaluation): EvaluatedFinding {
  expect(evaluation.findings).toHaveLength(1);
  return evaluation.findings[0]!;
}

describe('thresholds', () => {
  const clock = at('2025-03-10T12:00:00Z');

  it('judges fixable and unfixable findings against their own level', () => {
    const p = policy('blockOn: {fixable: HIGH, unfixable: CRITICAL}\n');
    const results = evaluate(
      [
        finding({ id: 'A', severity: 'HIGH', fixState: 'fixed' }),
        finding({ id: 'B', severity: 'HIGH', fixState: 'not-fixed' }),
        finding({ id: 'C', severity: 'CRITICAL', fixState: 'wont-fix' }),
        finding({ id: 'D', severity: 'MEDIUM', fixState: 'fixed' }),
      ],
      p,
      clock,
    );
    expect(results.findings.map((f) => [f.id, f.outcome.status, f.outcome.reason])).toEqual([
      ['A', 'blocking', 'HIGH fixable, at or above the HIGH threshold'],
      ['B', 'below-threshold', 'HIGH is below the CRITICAL threshold for unfixable findings'],
      ['C', 'blocking', 'CRITICAL unfixable, at or above the CRITICAL threshold'],
      ['D', 'below-threshold', 'MEDIUM is below the HIGH threshold for fixable findings'],
    ]);
    expect(results.verdict).toBe('fail');
  });

  it('never blocks a kind whose level is NONE', () => {
    const f = only(
      evaluate(
        [finding({ severity: 'CRITICAL', fixState: 'unknown' })],
        policy('blockOn: {unfixable: NONE}\n'),
        clock,
      ),
    );
    expect(f.outcome).toEqual({
      status: 'below-threshold',
      reason: 'unfixable findings never block (blockOn.unfixable: NONE)',
    });
  });

  it('passes when nothing blocks, including when there are no findings', () => {
    expect(evaluate([], DEFAULT_POLICY, clock).verdict).toBe('pass');
    expect(evaluate([finding({ severity: 'LOW' })], DEFAULT_POLICY, clock).verdict).toBe('pass');
  });
});

describe('UNKNOWN severity', () => {
  const clock = at('2025-03-10T12:00:00Z');
  const unknown = finding({ severity: 'UNKNOWN' });

  it('blocks when failClosedOnUnknown is on', () => {
    expect(only(evaluate([unknown], policy('failClosedOnUnknown: true\n'), clock)).outcome).toEqual({
      status: 'blocking',
      reason: 'severity UNKNOWN and failClosedOnUnknown is on',
    });
  });

  it('does not block when it is off (the default), even at the lowest threshold', () => {
    expect(only(evaluate([unknown], policy('blockOn: {fixable: NEGLIGIBLE}\n'), clock)).outcome).toEqual({
      status: 'below-threshold',
      reason: 'severity UNKNOWN and failClosedOnUnknown is off',
    });
  });

  it('gets the grace period configured for UNKNOWN', () => {
    const f = only(
      evaluate(
        [finding({ severity: 'UNKNOWN', publishedDate: '2025-03-09T00:00:00.000Z' })],
        policy('failClosedOnUnknown: true\ngracePeriodDays: {UNKNOWN: 5}\n'),
        clock,
      ),
    );
    expect(f.outcome).toMatchObject({ status: 'in-grace', until: '2025-03-14T00:00:00.000Z' });
  });
});

describe('CVSS threshold', () => {
  const clock = at('2025-03-10T12:00:00Z');
  const scored = finding({
    cvss: [
      { score: 6.5, source: 'nvd', version: '3.1' },
      { score: 8.1, source: 'ghsa', version: '3.1' },
    ],
  });

  it('uses the preferred source when it scored the finding', () => {
    const f = only(evaluate([scored], policy('cvss: {minimumScore: 7, preferredSource: nvd}\n'), clock));
    expect(f.outcome).toEqual({
      status: 'below-threshold',
      reason: 'CVSS 6.5 (nvd) is below the minimum score 7',
    });
    expect(f.judgedCvss).toEqual({ score: 6.5, source: 'nvd', version: '3.1' });
  });

  it('falls back to the highest score when the preferred source did not score it', () => {
    const f = only(evaluate([scored], policy('cvss: {minimumScore: 7, preferredSource: redhat}\n'), clock));
    expect(f.outcome).toEqual({
      status: 'blocking',
      reason: 'HIGH fixable, at or above the HIGH threshold; CVSS 8.1 (ghsa)',
    });
  });

  it('blocks at exactly the minimum score', () => {
    const f = only(
      evaluate(
        [finding({ cvss: [{ score: 7, source: 'nvd' }] })],
        policy('cvss: {minimumScore: 7}\n'),
        clock,
      ),
    );
    expect(f.outcome.status).toBe('blocking');
  });

  it('judges a finding without any score by severity alone by default', () => {
    const f = only(
      evaluate([finding({ cvss: [] })], policy('cvss: {minimumScore: 7, preferredSource: nvd}\n'), clock),
    );
    expect(f.outcome).toEqual({
      status: 'blocking',
      reason: 'HIGH fixable, at or above the HIGH threshold; no CVSS score, judged by severity alone',
    });
    expect(f.judgedCvss).toBeUndefined();
  });

  it('lets a finding without a score pass when ifMissing is pass', () => {
    const f = only(
      evaluate([finding({ cvss: [] })], policy('cvss: {minimumScore: 7, ifMissing: pass}\n'), clock),
    );
    expect(f.outcome).toEqual({
      status: 'below-threshold',
      reason: 'HIGH fixable, at or above the HIGH threshold, but no CVSS score and cvss.ifMissing is pass',
    });
  });

  it('never lifts a finding the severity level already lets through', () => {
    const f = only(
      evaluate(
        [finding({ severity: 'MEDIUM', cvss: [{ score: 9.9, source: 'nvd' }] })],
        policy('cvss: {minimumScore: 7}\n'),
        clock,
      ),
    );
    expect(f.outcome.status).toBe('below-threshold');
  });
});

describe('grace periods', () => {
  const p = policy('gracePeriodDays: {HIGH: 30, CRITICAL: 0}\n');
  const published = finding({ publishedDate: '2025-03-01T00:00:00.000Z' });

  it('is in grace until exactly published + N days', () => {
    const f = only(evaluate([published], p, at('2025-03-30T23:59:59.999Z')));
    expect(f.outcome).toEqual({
      status: 'in-grace',
      reason:
        'HIGH fixable, at or above the HIGH threshold; published 2025-03-01, inside the 30-day grace period for HIGH',
      until: '2025-03-31T00:00:00.000Z',
    });
  });

  it('blocks from the moment the grace period ends', () => {
    const f = only(evaluate([published], p, at('2025-03-31T00:00:00.000Z')));
    expect(f.outcome).toEqual({
      status: 'blocking',
      reason: 'HIGH fixable, at or above the HIGH threshold; 30-day grace period ended 2025-03-31',
    });
  });

  it('gives no grace with 0 days, and none to severities without a period', () => {
    const now = at('2025-03-01T00:00:01Z');
    expect(
      only(evaluate([finding({ severity: 'CRITICAL', publishedDate: '2025-03-01T00:00:00.000Z' })], p, now))
        .outcome.status,
    ).toBe('blocking');
    expect(
      only(evaluate([finding({ publishedDate: '2025-03-01T00:00:00.000Z' })], DEFAULT_POLICY, now)).outcome
        .status,
    ).toBe('blocking');
  });

  it('gives no grace when the scanner did not say when the vulnerability was published', () => {
    const f = only(evaluate([finding({ publishedDate: undefined })], p, at('2025-03-02T00:00:00Z')));
    expect(f.outcome).toEqual({
      status: 'blocking',
      reason: 'HIGH fixable, at or above the HIGH threshold; no published date, so no grace period',
    });
  });
});

describe('allowlist expiry', () => {
  const p = policy(`
allowlist:
  warnWithinDays: 3
  entries:
    - id: CVE-2025-1000
      expires: 2025-03-10
      reason: not reachable from the service
      owner: team-a
      ticket: SEC-7
`);

  it('waives the day before expiry', () => {
    const e = evaluate([finding()], p, at('2025-03-09T23:59:59Z'));
    expect(only(e).outcome).toEqual({
      status: 'waived',
      reason:
        'waived by allowlist.entries[0] (CVE-2025-1000) until 2025-03-10: not reachable from the service (owner team-a, ticket SEC-7)',
      entry: 0,
      expires: '2025-03-10',
    });
    expect(e.exceptions[0]).toMatchObject({ state: 'expiring', daysLeft: 1, waived: 1 });
    expect(e.warnings).toEqual([
      'allowlist.entries[0] (CVE-2025-1000) expires 2025-03-10, in 1 day (owner team-a, ticket SEC-7)',
    ]);
    expect(e.verdict).toBe('pass');
  });

  it('still waives through the last moment of the expiry day (UTC)', () => {
    const e = evaluate([finding()], p, at('2025-03-10T23:59:59.999Z'));
    expect(only(e).outcome.status).toBe('waived');
    expect(e.exceptions[0]).toMatchObject({ state: 'expiring', daysLeft: 0 });
    expect(e.warnings).toEqual([
      'allowlist.entries[0] (CVE-2025-1000) expires 2025-03-10, today (owner team-a, ticket SEC-7)',
    ]);
  });

  it('waives nothing the day after', () => {
    const e = evaluate([finding()], p, at('2025-03-11T00:00:00Z'));
    expect(only(e).outcome).toEqual({
      status: 'blocking',
      reason:
        'HIGH fixable, at or above the HIGH threshold; allowlist.entries[0] (CVE-2025-1000) expired on 2025-03-10',
    });
    expect(e.exceptions[0]).toMatchObject({ state: 'expired', daysLeft: -1, waived: 0 });
    expect(e.warnings).toEqual([
      'allowlist.entries[0] (CVE-2025-1000) expired on 2025-03-10; it no longer waives CVE-2025-1000 in libssl3',
    ]);
    expect(e.verdict).toBe('fail');
  });

  it('does not warn about an entry outside the warning window', () => {
    const e = evaluate([finding()], p, at('2025-03-06T12:00:00Z'));
    expect(e.exceptions[0]).toMatchObject({ state: 'active', daysLeft: 4 });
    expect(e.warnings).toEqual([]);
  });

  it('takes a later valid entry when an earlier one for the same id expired', () => {
    const two = policy(`
allowlist:
  entries:
    - {id: CVE-2025-1000, expires: 2025-03-01, reason: first}
    - {id: CVE-2025-1000, expires: 2025-06-01, reason: renewed}
`);
    expect(only(evaluate([finding()], two, at('2025-03-10T00:00:00Z'))).outcome).toMatchObject({
      status: 'waived',
      entry: 1,
    });
  });

  it('is waived rather than in grace when both apply', () => {
    const both = policy(
      'gracePeriodDays: {HIGH: 30}\nallowlist:\n  entries:\n    - {id: CVE-2025-1000, expires: 2025-06-01, reason: r}\n',
    );
    expect(
      only(
        evaluate([finding({ publishedDate: '2025-03-09T00:00:00.000Z' })], both, at('2025-03-10T00:00:00Z')),
      ).outcome.status,
    ).toBe('waived');
  });
});

describe('maximum exception lifetime', () => {
  const p = policy(`
allowlist:
  maxLifetimeDays: {CRITICAL: 30}
  entries:
    - {id: CVE-2025-1000, created: 2025-03-01, expires: 2025-04-15, reason: long}
    - {id: CVE-2025-2000, expires: 2025-03-25, reason: short, purl: pkg:deb/debian/libssl3}
`);
  const clock = at('2025-03-10T00:00:00Z');

  it('does not honour an entry that runs longer than the maximum for the finding severity', () => {
    const f = only(evaluate([finding({ severity: 'CRITICAL' })], p, clock));
    expect(f.outcome).toEqual({
      status: 'blocking',
      reason:
        'CRITICAL fixable, at or above the HIGH threshold; allowlist.entries[0] (CVE-2025-1000) runs 45 days from 2025-03-01, over the 30-day maximum for CRITICAL',
    });
  });

  it('honours the same entry for a severity without a maximum', () => {
    expect(only(evaluate([finding({ severity: 'HIGH' })], p, clock)).outcome.status).toBe('waived');
  });

  it('counts from the evaluation day when the entry records no creation day', () => {
    expect(
      only(evaluate([finding({ id: 'CVE-2025-2000', severity: 'CRITICAL' })], p, clock)).outcome.status,
    ).toBe('waived');
  });
});

describe('allowlist scope', () => {
  const clock = at('2025-03-10T00:00:00Z');
  const p = policy(`
allowlist:
  entries:
    - {id: CVE-2025-1000, purl: pkg:deb/debian/libssl3, expires: 2025-06-01, reason: by package}
    - {id: CVE-2025-2000, purl: "pkg:npm/lodash@4.17.20", expires: 2025-06-01, reason: by version}
    - {id: CVE-2025-3000, image: registry.example.com/shop/*, expires: 2025-06-01, reason: by image}
    - {id: CVE-2025-4000, path: /usr/src/app/lib/*.jar, expires: 2025-06-01, reason: by path}
    - {id: cve-2024-21538, expires: 2025-06-01, reason: by alias}
`);

  it('waives the named package and not another package with the same vulnerability', () => {
    const e = evaluate(
      [
        finding({ id: 'CVE-2025-1000' }),
        finding({
          id: 'CVE-2025-1000',
          pkg: { name: 'libcrypto3', purl: 'pkg:deb/debian/libcrypto3@3.0.11-1?arch=amd64' },
        }),
        finding({ id: 'CVE-2025-1000', pkg: { name: 'vendored-ssl', purl: undefined } }),
      ],
      p,
      clock,
    );
    expect(e.findings.map((f) => [f.package.name, f.outcome.status])).toEqual([
      ['libssl3', 'waived'],
      ['libcrypto3', 'blocking'],
      ['vendored-ssl', 'blocking'],
    ]);
    expect(e.exceptions[0]!.waived).toBe(1);
  });

  it('scopes a versioned purl to that version only', () => {
    const lodash = (v: string) =>
      finding({
        id: 'CVE-2025-2000',
        pkg: { name: 'lodash', installedVersion: v, purl: `pkg:npm/lodash@${v}` },
      });
    const e = evaluate([lodash('4.17.20'), lodash('4.17.19')], p, clock);
    expect(e.findings.map((f) => f.outcome.status)).toEqual(['waived', 'blocking']);
  });

  it('scopes by image: never when no image is evaluated, only for matching repositories', () => {
    const f = finding({ id: 'CVE-2025-3000' });
    const image = (reference: string, repository: string) => ({ ...clock, image: { reference, repository } });
    expect(only(evaluate([f], p, clock)).outcome.status).toBe('blocking');
    expect(
      only(evaluate([f], p, image('registry.example.com/shop/api:1.4.2', 'registry.example.com/shop/api')))
        .outcome.status,
    ).toBe('waived');
    expect(
      only(evaluate([f], p, image('registry.example.com/other/api:1.4.2', 'registry.example.com/other/api')))
        .outcome.status,
    ).toBe('blocking');
    expect(
      only(
        evaluate(
          [f],
          p,
          image(
            'evil.example.com/registry.example.com/shop/x:1',
            'evil.example.com/registry.example.com/shop/x',
          ),
        ),
      ).outcome.status,
    ).toBe('blocking');
  });

  it('scopes by path, with or without a leading slash', () => {
    const jar = finding({
      id: 'CVE-2025-4000',
      pkg: { name: 'logback-core', path: 'usr/src/app/lib/logback-core-1.2.13.jar' },
    });
    const other = finding({
      id: 'CVE-2025-4000',
      pkg: { name: 'logback-core', path: 'opt/tools/logback-core-1.2.13.jar' },
    });
    expect(evaluate([jar, other], p, clock).findings.map((f) => f.outcome.status)).toEqual([
      'waived',
      'blocking',
    ]);
  });

  it('matches an entry by alias, ignoring case', () => {
    expect(
      only(evaluate([finding({ id: 'GHSA-3xgq-45jj-v275', aliases: ['CVE-2024-21538'] })], p, clock)).outcome,
    ).toMatchObject({ status: 'waived', entry: 4 });
  });

  it('does not waive other vulnerabilities of the named package', () => {
    expect(only(evaluate([finding({ id: 'CVE-2025-9999' })], p, clock)).outcome.status).toBe('blocking');
  });
});

describe('outcomes', () => {
  it('gives every finding exactly one explained outcome', () => {
    const p = policy(
      'gracePeriodDays: {HIGH: 30}\nallowlist:\n  entries:\n    - {id: W, expires: 2025-06-01, reason: r}\n',
    );
    const e = evaluate(
      [
        finding({ id: 'B', publishedDate: '2024-01-01T00:00:00.000Z' }),
        finding({ id: 'W' }),
        finding({ id: 'G', publishedDate: '2025-03-09T00:00:00.000Z' }),
        finding({ id: 'L', severity: 'LOW' }),
      ],
      p,
      at('2025-03-10T00:00:00Z'),
    );
    expect(e.findings.map((f) => [f.id, f.outcome.status])).toEqual([
      ['B', 'blocking'],
      ['W', 'waived'],
      ['G', 'in-grace'],
      ['L', 'below-threshold'],
    ]);
    for (const f of e.findings) expect(f.outcome.reason.length).toBeGreaterThan(0);
    expect(e.evaluatedAt).toBe('2025-03-10T00:00:00.000Z');
  });
});
