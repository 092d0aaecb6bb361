import { UsageError } from '../../../steps/lib/errors.js';
import { DEFAULT_POLICY, parsePolicy } from '../../../steps/lib/scan/policy.js';
import { fixture } from './fixtures.js';

function fails(yamlText: string): string {
  try {
    parsePolicy(yamlText, 'policy.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).not.toMatch(/\n/);
    return (err as Error).message;
  }
  throw new Error('expected the policy to be rejected');
}

describe('policy parsing', () => {
  it('reads the documented example policy', () => {
    const policy = parsePolicy(fixture('policy.yaml'), 'policy.yaml');
    expect(policy.blockOn).toEqual({ fixable: 'HIGH', unfixable: 'CRITICAL' });
    expect(policy.cvss).toEqual({ minimumScore: 7, preferredSource: 'nvd', ifMissing: 'severity' });
    expect(policy.gracePeriodDays).toEqual({ CRITICAL: 7, HIGH: 30 });
    expect(policy.failClosedOnUnknown).toBe(true);
    expect(policy.allowlist.warnWithinDays).toBe(14);
    expect(policy.allowlist.maxLifetimeDays).toEqual({ CRITICAL: 30, HIGH: 90 });
    expect(policy.allowlist.entries[0]).toEqual({
      index: 0,
      id: 'CVE-2023-45853',
      purl: 'pkg:deb/debian/zlib1g',
      expires: '2025-03-28',
      created: '2025-03-01',
      reason: 'MiniZip is not built into zlib1g; the vulnerable code is not shipped',
      owner: 'team-shop',
      ticket: 'SEC-1042',
      image: undefined,
      path: undefined,
    });
  });

  it('keeps dates as the day written, whatever the local time zone', () => {
    const policy = parsePolicy(
      'allowlist:\n  entries:\n    - {id: CVE-1, expires: 2025-03-01, reason: r}\n',
      'p.yaml',
    );
    expect(policy.allowlist.entries[0]!.expires).toBe('2025-03-01');
  });

  it('fills defaults for what a policy leaves out, and an empty file is the default policy', () => {
    expect(parsePolicy('', 'p.yaml')).toEqual(DEFAULT_POLICY);
    expect(parsePolicy('blockOn: {fixable: medium}\n', 'p.yaml').blockOn).toEqual({
      fixable: 'MEDIUM',
      unfixable: 'CRITICAL',
    });
    expect(parsePolicy('blockOn: {unfixable: NONE}\n', 'p.yaml').blockOn.unfixable).toBe('NONE');
  });

  it('normalizes the preferred CVSS source to the names findings use', () => {
    expect(
      parsePolicy('cvss: {minimumScore: 7, preferredSource: nvd@nist.gov}\n', 'p.yaml').cvss?.preferredSource,
    ).toBe('nvd');
  });

  it('refuses a file that is not a policy without printing what is in it', () => {
    expect(() => parsePolicy('root:$6$salt$not-a-policy-but-a-secret-line\n', 'policy.yaml')).toThrow(
      /^policy\.yaml: the document must be a map, got a string of 43 characters$/,
    );
  });

  describe('rejects, with one line naming the key path', () => {
    it.each([
      [
        'a wrong type',
        'failClosedOnUnknown: "yes"\n',
        'policy.yaml: failClosedOnUnknown must be true or false, got string "yes"',
      ],
      [
        'a YAML 1.1 boolean word',
        'failClosedOnUnknown: yes\n',
        'policy.yaml: failClosedOnUnknown must be true or false, got string "yes"',
      ],
      [
        'a severity list where a level is expected',
        'blockOn:\n  fixable: [HIGH, CRITICAL]\n',
        'policy.yaml: blockOn.fixable must be one of NEGLIGIBLE, LOW, MEDIUM, HIGH, CRITICAL, NONE, got a list',
      ],
      [
        'an unknown severity',
        'blockOn: {fixable: SEVERE}\n',
        'policy.yaml: blockOn.fixable must be one of NEGLIGIBLE, LOW, MEDIUM, HIGH, CRITICAL, NONE, got string "SEVERE"',
      ],
      [
        'an unknown top-level key',
        'blockon: {fixable: HIGH}\n',
        'policy.yaml: blockon is not a policy key (known here: version, blockOn, cvss, gracePeriodDays, failClosedOnUnknown, allowlist)',
      ],
      [
        'an unknown nested key',
        'cvss: {minScore: 7}\n',
        'policy.yaml: cvss.minScore is not a policy key (known here: minimumScore, preferredSource, ifMissing)',
      ],
      [
        'an unknown key in an entry',
        'allowlist:\n  entries:\n    - {id: CVE-1, expires: 2025-03-01, reason: r, expiry: 2025-04-01}\n',
        'policy.yaml: allowlist.entries[0].expiry is not a policy key (known here: id, purl, image, path, expires, created, reason, owner, ticket)',
      ],
      [
        'a bad date',
        'allowlist:\n  entries:\n    - {id: CVE-1, expires: next week, reason: r}\n',
        'policy.yaml: allowlist.entries[0].expires must be a date YYYY-MM-DD, got string "next week"',
      ],
      [
        'an impossible date',
        'allowlist:\n  entries:\n    - {id: CVE-1, expires: 2025-02-30, reason: r}\n',
        'policy.yaml: allowlist.entries[0].expires must be a date YYYY-MM-DD, got string "2025-02-30"',
      ],
      [
        'a timestamp where a day is expected',
        'allowlist:\n  entries:\n    - {id: CVE-1, expires: "2025-03-01T00:00:00Z", reason: r}\n',
        'policy.yaml: allowlist.entries[0].expires must be a date YYYY-MM-DD, got string "2025-03-01T00:00:00Z"',
      ],
      [
        'a missing expiry',
        'allowlist:\n  entries:\n    - {id: CVE-1, reason: r}\n',
        'policy.yaml: allowlist.entries[0].expires is required',
      ],
      [
        'a missing reason',
        'allowlist:\n  entries:\n    - {id: CVE-1, expires: 2025-03-01}\n',
        'policy.yaml: allowlist.entries[0].reason is required',
      ],
      [
        'an empty reason',
        'allowlist:\n  entries:\n    - {id: CVE-1, expires: 2025-03-01, reason: ""}\n',
        'policy.yaml: allowlist.entries[0].reason must be a non-empty string, got string ""',
      ],
      [
        'created after expires',
        'allowlist:\n  entries:\n    - {id: CVE-1, expires: 2025-03-01, created: 2025-04-01, reason: r}\n',
        'policy.yaml: allowlist.entries[0].created (2025-04-01) is after expires (2025-03-01)',
      ],
      [
        'a CVSS score out of range',
        'cvss: {minimumScore: 11}\n',
        'policy.yaml: cvss.minimumScore must be a number from 0 to 10, got number 11',
      ],
      [
        'cvss without a score',
        'cvss: {preferredSource: nvd}\n',
        'policy.yaml: cvss.minimumScore is required when cvss is given',
      ],
      [
        'fractional grace days',
        'gracePeriodDays: {HIGH: 1.5}\n',
        'policy.yaml: gracePeriodDays.HIGH must be a whole number of at least 0, got number 1.5',
      ],
      [
        'negative grace days',
        'gracePeriodDays: {HIGH: -1}\n',
        'policy.yaml: gracePeriodDays.HIGH must be a whole number of at least 0, got number -1',
      ],
      [
        'a grace period for a non-severity',
        'gracePeriodDays: {URGENT: 3}\n',
        'policy.yaml: gracePeriodDays.URGENT must be one of CRITICAL, HIGH, MEDIUM, LOW, NEGLIGIBLE, UNKNOWN, got string "URGENT"',
      ],
      [
        'entries that are not a list',
        'allowlist: {entries: {id: CVE-1}}\n',
        'policy.yaml: allowlist.entries must be a list, got a map',
      ],
      ['a document that is not a map', '- HIGH\n', 'policy.yaml: the document must be a map, got a list'],
      ['another version', 'version: 2\n', 'policy.yaml: version must be 1, got number 2'],
      [
        'a bad ifMissing',
        'cvss: {minimumScore: 7, ifMissing: block}\n',
        'policy.yaml: cvss.ifMissing must be severity or pass, got string "block"',
      ],
    ])('%s', (_name, text, message) => {
      expect(fails(text)).toBe(message);
    });

    it('broken YAML, with the line', () => {
      expect(fails('blockOn:\n  fixable: HIGH\n unfixable: LOW\n')).toMatch(
        /^policy\.yaml: not valid YAML \(.+ at line \d+\)$/,
      );
    });

    it('duplicate keys', () => {
      expect(fails('failClosedOnUnknown: true\nfailClosedOnUnknown: false\n')).toMatch(
        /^policy\.yaml: not valid YAML \(duplicated mapping key at line 2\)$/,
      );
    });

    it('YAML tags that would build objects', () => {
      expect(fails('blockOn: !!js/function "function(){}"\n')).toMatch(
        /^policy\.yaml: not valid YAML \(unknown tag/,
      );
    });
  });
});
