import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate } from '../../helpers/json-schema.js';
import { runStepInProcess } from '../../helpers/run-step.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';
import { readReport } from '../../../steps/lib/scan/report.js';
import { step } from '../../../steps/scan-gate/main.js';
import { FIXTURES, fixture } from './fixtures.js';

const f = (name: string) => join(FIXTURES, name);
const AT = ['--at', '2025-03-10T08:00:00Z'];
const multiArch = [
  '--report',
  `linux/amd64=${f('trivy-linux-amd64.json')}`,
  '--report',
  `linux/arm64/v8=${f('trivy-linux-arm64.json')}`,
];
const shop = ['--policy', f('policy.yaml'), '--image', 'registry.example.com/shop/api:1.4.2', ...AT];

describe('scan-gate verdicts', () => {
  it('passes a clean scan with exit 0 and SUCCESS results', async () => {
    const run = await runStepInProcess(step, ['--report', f('trivy-clean.json'), ...AT]);
    expect(run).toExitWith(0);
    expect(JSON.parse(run.results.SCAN_SUMMARY!)).toEqual({
      verdict: 'pass',
      counts: {
        total: 0,
        bySeverity: { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, NEGLIGIBLE: 0, UNKNOWN: 0 },
        fixable: 0,
        unfixable: 0,
        blocking: 0,
        waived: 0,
        inGrace: 0,
        belowThreshold: 0,
      },
      platforms: ['linux/amd64'],
      evaluatedAt: '2025-03-10T08:00:00.000Z',
    });
    expect(JSON.parse(run.results.TEST_OUTPUT!)).toEqual({
      result: 'SUCCESS',
      timestamp: '2025-03-10T08:00:00+00:00',
      note: 'Scan gate passed: 0 findings, 0 waived, 0 in grace.',
      namespace: 'default',
      successes: 0,
      failures: 0,
      warnings: 0,
    });
    expect(run.stdout).toMatch(/^scan-gate: PASS: 0 blocking/);
  });

  it('blocks a multi-platform image with exit 1 and explains every finding', async () => {
    const run = await runStepInProcess(step, [...multiArch, ...shop, '--output', 'json']);
    expect(run).toExitWith(1);
    const out = JSON.parse(run.stdout);
    expect(Object.keys(out)).toEqual(['verdict', 'counts', 'blocking', 'waived', 'inGrace']);
    expect(out.verdict).toBe('fail');
    expect(out.counts).toMatchObject({
      total: 8,
      blocking: 2,
      waived: 2,
      inGrace: 0,
      belowThreshold: 4,
      fixable: 3,
      unfixable: 5,
    });
    expect(out.blocking.map((b: { id: string }) => b.id).sort()).toEqual(['CVE-2024-5535', 'CVE-2025-0395']);
    expect(out.blocking.find((b: { id: string }) => b.id === 'CVE-2025-0395')).toMatchObject({
      severity: 'UNKNOWN',
      platforms: ['linux/amd64', 'linux/arm64/v8'],
      reason: 'severity UNKNOWN and failClosedOnUnknown is on; no CVSS score, judged by severity alone',
    });
    expect(out.waived).toEqual([
      expect.objectContaining({
        id: 'CVE-2023-45853',
        package: 'zlib1g',
        exception: 0,
        expires: '2025-03-28',
      }),
      expect.objectContaining({
        id: 'CVE-2024-21538',
        package: 'cross-spawn',
        exception: 1,
        expires: '2025-03-20',
      }),
    ]);
    const testOutput = JSON.parse(run.results.TEST_OUTPUT!);
    expect(testOutput).toMatchObject({ result: 'FAILURE', failures: 2, successes: 6, warnings: 1 });
    expect(testOutput.note).toBe(
      'Scan gate failed: 2 blocking findings (CRITICAL 1, UNKNOWN 1). See the scan report for details.',
    );
    expect(JSON.parse(run.results.SCAN_SUMMARY!).platforms).toEqual(['linux/amd64', 'linux/arm64/v8']);
    // The exception about to expire is a warning in the log.
    expect(run.stderr).toContain(
      'WARN: allowlist.entries[1] (CVE-2024-21538) expires 2025-03-20, in 10 days (owner team-shop)',
    );
  });

  it('does not waive an image-scoped exception for another image', async () => {
    const run = await runStepInProcess(step, [
      ...multiArch,
      '--policy',
      f('policy.yaml'),
      '--image',
      'registry.example.com/billing/api:2.0',
      ...AT,
      '--output',
      'json',
    ]);
    expect(run).toExitWith(1);
    expect(
      JSON.parse(run.stdout)
        .blocking.map((b: { id: string }) => b.id)
        .sort(),
    ).toEqual(['CVE-2024-21538', 'CVE-2024-5535', 'CVE-2025-0395']);
  });

  it('shows what an expired exception blocks when evaluated later', async () => {
    const run = await runStepInProcess(step, [
      ...multiArch,
      '--policy',
      f('policy.yaml'),
      '--image',
      'registry.example.com/shop/api:1.4.2',
      '--at',
      '2025-03-29T00:00:00Z',
      '--output',
      'json',
    ]);
    const out = JSON.parse(run.stdout);
    expect(out.blocking.find((b: { id: string }) => b.id === 'CVE-2023-45853').reason).toContain(
      'allowlist.entries[0] (CVE-2023-45853) expired on 2025-03-28',
    );
    expect(run.stderr).toContain(
      'WARN: allowlist.entries[0] (CVE-2023-45853) expired on 2025-03-28; it no longer waives CVE-2023-45853 in zlib1g',
    );
  });

  it('reads Grype and Clair reports side by side', async () => {
    const run = await runStepInProcess(step, [
      '--report',
      f('grype-linux-amd64.json'),
      '--report',
      `linux/amd64=${f('clair-linux-amd64.json')}`,
      ...AT,
      '--output',
      'json',
    ]);
    expect(run).toExitWith(1);
    expect(JSON.parse(run.stdout).counts.total).toBe(11);
    expect(run.stderr).toContain('read grype report');
    expect(run.stderr).toContain('read clair report');
  });

  it('prints blocking, waived and in-grace findings as text', async () => {
    const run = await runStepInProcess(step, [...multiArch, ...shop]);
    expect(run.stdout.split('\n')[0]).toBe(
      'scan-gate: FAIL: 2 blocking, 2 waived, 0 in grace, 4 below threshold (8 findings: CRITICAL 2, HIGH 1, MEDIUM 3, LOW 1, UNKNOWN 1)',
    );
    expect(run.stdout).toMatch(
      /\nBlocking:\n  CVE-2024-5535 libssl3 3\.0\.11-1~deb12u2 \(CRITICAL, fixed in 3\.0\.14-1~deb12u1\) \[linux\/amd64, linux\/arm64\/v8\]: /,
    );
    expect(run.stdout).toContain('\nWaived:\n');
  });

  it('keeps every result within the 4096-byte budget', async () => {
    const run = await runStepInProcess(step, [
      ...multiArch,
      '--report',
      f('grype-linux-amd64.json'),
      '--report',
      f('clair-linux-amd64.json'),
      ...shop,
    ]);
    const total = Object.values(run.results).reduce((sum, v) => sum + Buffer.byteLength(v), 0);
    expect(Object.keys(run.results).sort()).toEqual(['SCAN_SUMMARY', 'TEST_OUTPUT']);
    expect(total).toBeLessThan(1024);
  });
});

describe('scan-gate --policy forms', () => {
  it('reads policy.yaml from a directory, as a ConfigMap workspace mounts it', async () => {
    const dir = makeTempDir('policy-cm');
    writeFileSync(join(dir, 'policy.yaml'), 'blockOn: {fixable: CRITICAL, unfixable: NONE}\n');
    const run = await runStepInProcess(step, [...multiArch, '--policy', dir, ...AT, '--output', 'json']);
    expect(JSON.parse(run.stdout).blocking.map((b: { id: string }) => b.id)).toEqual(['CVE-2024-5535']);
  });

  it('uses the built-in default for an empty value, as an unbound workspace path reads', async () => {
    const run = await runStepInProcess(step, [...multiArch, '--policy', '', ...AT, '--output', 'json']);
    // Default: fixable HIGH and CRITICAL, unfixable CRITICAL, UNKNOWN does not block.
    expect(
      JSON.parse(run.stdout)
        .blocking.map((b: { id: string }) => b.id)
        .sort(),
    ).toEqual(['CVE-2023-45853', 'CVE-2024-21538', 'CVE-2024-5535']);
  });

  it('names the missing policy.yaml of a directory', async () => {
    const run = await runStepInProcess(step, [...multiArch, '--policy', makeTempDir('empty-cm')]);
    expect(run).toExitWith(2);
    expect(run.stderr.trim()).toMatch(
      /^ERROR: --policy .*empty-cm-\w+\/policy\.yaml: cannot read it \(ENOENT\)$/,
    );
  });
});

describe('scan-gate --report-dir', () => {
  it('writes the evaluated report and SARIF that validates', async () => {
    const dir = makeTempDir('scan-report');
    const run = await runStepInProcess(step, [...multiArch, ...shop, '--report-dir', join(dir, 'out')]);
    expect(run).toExitWith(1);
    const report = readReport(readFileSync(join(dir, 'out', 'scan-report.json'), 'utf8'), 'scan-report.json');
    expect(report).toMatchObject({
      verdict: 'fail',
      image: 'registry.example.com/shop/api:1.4.2',
      policy: { source: f('policy.yaml'), sha256: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) },
    });
    expect(report.findings).toHaveLength(8);
    expect(report.exceptions.map((e) => [e.id, e.state, e.waived])).toEqual([
      ['CVE-2023-45853', 'active', 1],
      ['CVE-2024-21538', 'expiring', 1],
    ]);
    const sarif = JSON.parse(readFileSync(join(dir, 'out', 'scan-report.sarif'), 'utf8'));
    expect(validate(JSON.parse(fixture('sarif-schema-2.1.0.json')), sarif)).toEqual([]);
  });
});

describe('scan-gate bad input: one line, exit 2', () => {
  const dir = makeTempDir('scan-gate-bad');
  const badPolicy = join(dir, 'policy.yaml');
  writeFileSync(
    badPolicy,
    'blockOn:\n  fixable: HIGH\nallowlist:\n  entries:\n    - {id: CVE-1, expires: soon, reason: r}\n',
  );

  it.each([
    [
      'a truncated report',
      ['--report', f('trivy-truncated.json')],
      /^ERROR: .*trivy-truncated\.json: not valid JSON \(.+\); is the report truncated\?$/,
    ],
    [
      'an unknown format',
      ['--report', f('cyclonedx-sbom.json')],
      /^ERROR: .*cyclonedx-sbom\.json: not a report format scan-gate reads \(an SBOM, not a vulnerability report\)/,
    ],
    [
      'a missing report',
      ['--report', join(dir, 'nope.json')],
      /^ERROR: --report .*nope\.json: cannot read it \(ENOENT\)$/,
    ],
    [
      'an invalid policy',
      ['--report', f('trivy-clean.json'), '--policy', badPolicy],
      /^ERROR: .*policy\.yaml: allowlist\.entries\[0\]\.expires must be a date YYYY-MM-DD, got string "soon"$/,
    ],
    [
      '--attach without --image',
      ['--report', f('trivy-clean.json'), '--attach', 'true'],
      /^ERROR: scan-gate: --attach true needs --image/,
    ],
    [
      'a bad --at',
      ['--report', f('trivy-clean.json'), '--at', 'tomorrow'],
      /^ERROR: --at "tomorrow": not an ISO 8601 time/,
    ],
    [
      'a malformed --image',
      ['--report', f('trivy-clean.json'), '--image', 'Not A Reference'],
      /^ERROR: .*Not A Reference/,
    ],
    ['no --report', ['--policy', f('policy.yaml')], /^ERROR: scan-gate: --report is required$/],
  ])('%s', async (_name, argv, message) => {
    const run = await runStepInProcess(step, argv);
    expect(run).toExitWith(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(run.stdout).toBe('');
    expect(run.results).toEqual({});
  });
});
