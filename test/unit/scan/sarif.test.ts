import { validate } from '../../helpers/json-schema.js';
import { evaluate } from '../../../steps/lib/scan/evaluate.js';
import { aggregateFindings } from '../../../steps/lib/scan/finding.js';
import { parsePolicy } from '../../../steps/lib/scan/policy.js';
import { buildReport } from '../../../steps/lib/scan/report.js';
import { parseScanReport } from '../../../steps/lib/scan/reports.js';
import { toSarif } from '../../../steps/lib/scan/sarif.js';
import { fixture } from './fixtures.js';

const schema = JSON.parse(fixture('sarif-schema-2.1.0.json'));

/** The parts of a SARIF log these tests look at; the schema checks the rest. */
interface SarifLog {
  version?: string;
  runs: [
    {
      tool: {
        driver: {
          rules: Array<{
            id: string;
            helpUri?: string;
            properties: Record<string, unknown>;
            defaultConfiguration: { level: string };
          }>;
        };
      };
      results: Array<{
        ruleId: string;
        ruleIndex: number;
        level: string;
        suppressions?: unknown[];
        properties: { outcome: string; platforms: string[] };
      }>;
    },
  ];
}

function sarifFor(files: string[], policyYaml = fixture('policy.yaml')): SarifLog {
  const scans = files.map((f) => parseScanReport({ source: f, text: fixture(f) }));
  const evaluation = evaluate(aggregateFindings(scans), parsePolicy(policyYaml, 'policy.yaml'), {
    now: new Date('2025-03-10T08:00:00Z'),
    image: { reference: 'registry.example.com/shop/api:1.4.2', repository: 'registry.example.com/shop/api' },
  });
  return toSarif(
    buildReport(evaluation, {
      image: 'registry.example.com/shop/api:1.4.2',
      policy: { source: 'policy.yaml' },
      scans,
    }),
  ) as SarifLog;
}

describe('SARIF 2.1.0 output', () => {
  const all = sarifFor([
    'trivy-linux-amd64.json',
    'trivy-linux-arm64.json',
    'grype-linux-amd64.json',
    'clair-linux-amd64.json',
  ]);

  it('validates against the official SARIF 2.1.0 schema', () => {
    expect(validate(schema, all)).toEqual([]);
    expect(validate(schema, sarifFor(['trivy-clean.json']))).toEqual([]);
  });

  it('has one rule per vulnerability id and a result per finding pointing at its rule', () => {
    const run = all.runs[0];
    const ids = run.tool.driver.rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of run.results) expect(run.tool.driver.rules[r.ruleIndex]!.id).toBe(r.ruleId);
    expect(run.results.filter((r) => r.ruleId === 'CVE-2024-21538')).toHaveLength(1);
  });

  it('carries security-severity from the highest CVSS score, and leaves it out when nobody scored', () => {
    const rules = all.runs[0].tool.driver.rules;
    const rule = (id: string) => rules.find((r) => r.id === id)!;
    expect(rule('CVE-2023-45853').properties['security-severity']).toBe('9.8');
    expect(rule('CVE-2024-5535').properties['security-severity']).toBe('9.1');
    expect(rule('CVE-2025-0395').properties).not.toHaveProperty('security-severity');
    expect(rule('CVE-2025-0395').properties.tags).toEqual(['security', 'vulnerability', 'UNKNOWN']);
    expect(rule('CVE-2023-45853').defaultConfiguration.level).toBe('error');
  });

  it('maps outcomes to levels and marks waived findings as accepted suppressions', () => {
    const results = all.runs[0].results;
    const trivyZlib = results.find(
      (r) => r.ruleId === 'CVE-2023-45853' && r.properties.platforms.length === 2,
    )!;
    expect(trivyZlib.level).toBe('note');
    expect(trivyZlib.properties.outcome).toBe('waived');
    expect(trivyZlib.suppressions).toEqual([
      { kind: 'external', state: 'accepted', justification: expect.stringContaining('allowlist.entries[0]') },
    ]);
    expect(results.every((r) => ['error', 'warning', 'note'].includes(r.level))).toBe(true);
    const blocking = results.filter((r) => r.properties.outcome === 'blocking');
    expect(blocking.length).toBeGreaterThan(0);
    expect(blocking.every((r) => r.level === 'error')).toBe(true);
  });

  it('is rejected by the validator when it breaks the schema (the validator is not a rubber stamp)', () => {
    const broken = structuredClone(all);
    broken.runs[0].results[0]!.level = 'critical';
    broken.runs[0].results[1]!.suppressions = [{ kind: 'external', status: 'accepted' }];
    broken.runs[0].tool.driver.rules[0]!.helpUri = 'not a uri';
    delete broken.version;
    expect(validate(schema, broken)).toEqual([
      '$: missing required property version',
      '$.runs[0].tool.driver.rules[0].helpUri: "not a uri" is not a valid uri',
      expect.stringMatching(/^\$\.runs\[0\]\.results\[0\]\.level: "critical" is not one of/),
      '$.runs[0].results[1].suppressions[0].status: not allowed',
    ]);
  });
});
