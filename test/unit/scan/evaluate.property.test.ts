import fc from 'fast-check';
import { evaluate } from '../../../steps/lib/scan/evaluate.js';
import type { Finding, FixState } from '../../../steps/lib/scan/finding.js';
import type { Policy, Threshold } from '../../../steps/lib/scan/policy.js';
import { RANKED_SEVERITIES, SEVERITIES_DESC, type Severity } from '../../../steps/lib/scan/severity.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 2, 10, 12);
const ids = ['CVE-2025-1', 'CVE-2025-2', 'CVE-2025-3', 'GHSA-aaaa-bbbb-cccc'];
const thresholds: Threshold[] = [...RANKED_SEVERITIES, 'NONE'];

const findingArb: fc.Arbitrary<Finding> = fc.record({
  id: fc.constantFrom(...ids),
  aliases: fc.subarray(ids),
  package: fc.record({
    name: fc.constantFrom('libssl3', 'zlib1g', 'lodash'),
    installedVersion: fc.constantFrom('1.0', '2.0'),
    fixedVersions: fc.constant([] as string[]),
    purl: fc.option(fc.constantFrom('pkg:deb/debian/libssl3@1.0', 'pkg:npm/lodash@2.0'), { nil: undefined }),
  }),
  fixState: fc.constantFrom<FixState>('fixed', 'not-fixed', 'wont-fix', 'unknown'),
  severity: fc.constantFrom<Severity>(...SEVERITIES_DESC),
  cvss: fc.array(
    fc.record({
      score: fc.integer({ min: 0, max: 100 }).map((n) => n / 10),
      source: fc.constantFrom('nvd', 'ghsa', 'redhat'),
    }),
    { maxLength: 3 },
  ),
  publishedDate: fc.option(
    fc.integer({ min: -60, max: 5 }).map((d) => new Date(NOW + d * DAY).toISOString()),
    { nil: undefined },
  ),
  target: fc.constant('img'),
  platforms: fc.constant(['linux/amd64']),
  scanner: fc.constant('trivy' as const),
});

const dayArb = fc
  .integer({ min: -10, max: 60 })
  .map((d) => new Date(NOW + d * DAY).toISOString().slice(0, 10));
const entryArb = fc.record({
  id: fc.constantFrom(...ids),
  purl: fc.option(fc.constantFrom('pkg:deb/debian/libssl3', 'pkg:npm/lodash@2.0'), { nil: undefined }),
  expires: dayArb,
  reason: fc.constant('r'),
});

const policyArb: fc.Arbitrary<Policy> = fc.record({
  blockOn: fc.record({ fixable: fc.constantFrom(...thresholds), unfixable: fc.constantFrom(...thresholds) }),
  cvss: fc.option(
    fc.record({
      minimumScore: fc.integer({ min: 0, max: 100 }).map((n) => n / 10),
      preferredSource: fc.option(fc.constantFrom('nvd', 'ghsa'), { nil: undefined }),
      ifMissing: fc.constantFrom<'severity' | 'pass'>('severity', 'pass'),
    }),
    { nil: undefined },
  ),
  gracePeriodDays: fc.dictionary(fc.constantFrom(...SEVERITIES_DESC), fc.integer({ min: 0, max: 30 })),
  failClosedOnUnknown: fc.boolean(),
  allowlist: fc.record({
    warnWithinDays: fc.integer({ min: 0, max: 14 }),
    maxLifetimeDays: fc.dictionary(fc.constantFrom(...SEVERITIES_DESC), fc.integer({ min: 0, max: 60 })),
    entries: fc.array(entryArb, { maxLength: 4 }).map((es) => es.map((e, index) => ({ ...e, index }))),
  }),
});

function blocking(findings: Finding[], policy: Policy): Set<number> {
  const e = evaluate(findings, policy, { now: new Date(NOW) });
  return new Set(e.findings.flatMap((f, i) => (f.outcome.status === 'blocking' ? [i] : [])));
}

function isSubset(a: Set<number>, b: Set<number>): boolean {
  return [...a].every((x) => b.has(x));
}

const raise = (t: Threshold, steps: number): Threshold =>
  thresholds[Math.min(thresholds.indexOf(t) + steps, thresholds.length - 1)]!;

describe('policy evaluation properties', () => {
  it('raising a blocking level or the minimum CVSS score never adds blocking findings', () => {
    fc.assert(
      fc.property(
        fc.array(findingArb, { maxLength: 12 }),
        policyArb,
        fc.nat(5),
        fc.nat(5),
        fc.integer({ min: 0, max: 50 }),
        (findings, policy, upFixable, upUnfixable, upScore) => {
          const stricter: Policy = {
            ...policy,
            blockOn: {
              fixable: raise(policy.blockOn.fixable, upFixable),
              unfixable: raise(policy.blockOn.unfixable, upUnfixable),
            },
            cvss: policy.cvss && {
              ...policy.cvss,
              minimumScore: Math.min(10, policy.cvss.minimumScore + upScore / 10),
            },
          };
          expect(isSubset(blocking(findings, stricter), blocking(findings, policy))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('adding an allowlist entry never adds blocking findings', () => {
    fc.assert(
      fc.property(fc.array(findingArb, { maxLength: 12 }), policyArb, entryArb, (findings, policy, extra) => {
        const entries = [...policy.allowlist.entries, { ...extra, index: policy.allowlist.entries.length }];
        const more: Policy = { ...policy, allowlist: { ...policy.allowlist, entries } };
        expect(isSubset(blocking(findings, more), blocking(findings, policy))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('gives each finding one outcome, and fails exactly when one blocks', () => {
    fc.assert(
      fc.property(fc.array(findingArb, { maxLength: 12 }), policyArb, (findings, policy) => {
        const e = evaluate(findings, policy, { now: new Date(NOW) });
        expect(e.findings).toHaveLength(findings.length);
        expect(e.verdict === 'fail').toBe(e.findings.some((f) => f.outcome.status === 'blocking'));
      }),
      { numRuns: 200 },
    );
  });
});
