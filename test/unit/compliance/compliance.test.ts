import {
  assessImage,
  complianceReport,
  type AssessOptions,
  type ImageRecord,
} from '../../../steps/lib/compliance/assess.js';
import { renderHtml } from '../../../steps/lib/compliance/html.js';
import { renderMarkdown } from '../../../steps/lib/compliance/markdown.js';
import { evaluate } from '../../../steps/lib/scan/evaluate.js';
import { aggregateFindings } from '../../../steps/lib/scan/finding.js';
import { parsePolicy } from '../../../steps/lib/scan/policy.js';
import { buildReport, type EvaluatedReport } from '../../../steps/lib/scan/report.js';
import { parseScanReport } from '../../../steps/lib/scan/reports.js';
import { fixture } from '../scan/fixtures.js';

const SCANNED_AT = new Date('2025-03-10T08:00:00Z');
const image = 'registry.example.com/shop/api:1.4.2';

function scanOf(files: string[], policyYaml: string): EvaluatedReport {
  const scans = files.map((f) => parseScanReport({ source: f, text: fixture(f) }));
  const evaluation = evaluate(aggregateFindings(scans), parsePolicy(policyYaml, 'policy.yaml'), {
    now: SCANNED_AT,
    image: { reference: image, repository: 'registry.example.com/shop/api' },
  });
  return buildReport(evaluation, {
    image,
    digest: 'sha256:' + 'a'.repeat(64),
    policy: { source: 'policy.yaml' },
    scans,
  });
}

// The fixture policy waives two findings (zlib until 2025-03-28, cross-spawn until 2025-03-20) but blocks two.
const failing = scanOf(['trivy-linux-amd64.json'], fixture('policy.yaml'));
// Same findings with UNKNOWN not blocking and a year of grace for criticals: passes, relying on the two exceptions.
const passing = scanOf(
  ['trivy-linux-amd64.json'],
  fixture('policy.yaml')
    .replace('failClosedOnUnknown: true', 'failClosedOnUnknown: false')
    .replace('CRITICAL: 7', 'CRITICAL: 365'),
);
const clean = scanOf(['trivy-clean.json'], '');

function record(tags: string[], report?: EvaluatedReport, digest = 'sha256:' + 'b'.repeat(64)): ImageRecord {
  return {
    repository: 'registry.example.com/shop/api',
    digest,
    tags,
    created: '2025-03-01T00:00:00.000Z',
    scan: report && { report, referrer: 'sha256:' + 'c'.repeat(64), reportsFound: 1 },
  };
}

const at = (iso: string, extra: Partial<AssessOptions> = {}): AssessOptions => ({
  now: new Date(iso),
  productionTags: ['prod', 'v*'],
  ...extra,
});

describe('assessing one image', () => {
  it('is unscanned without a report', () => {
    expect(assessImage(record(['dev']), at('2025-03-11T00:00:00Z'))).toMatchObject({
      status: 'unscanned',
      production: false,
      reasons: ['no scan report is attached to this digest'],
    });
  });

  it('is compliant when the last scan passed and its exceptions still hold, listing them with their expiry', () => {
    expect(passing.verdict).toBe('pass');
    const a = assessImage(record(['prod', '1.4.2'], passing), at('2025-03-11T00:00:00Z'));
    expect(a).toMatchObject({
      status: 'compliant',
      production: true,
      ageDays: 10,
      tags: ['1.4.2', 'prod'],
      scan: { verdict: 'pass', scanAgeDays: 0 },
    });
    expect(a.exceptions.map((e) => [e.id, e.expires, e.daysLeft])).toEqual([
      ['CVE-2023-45853', '2025-03-28', 17],
      ['CVE-2024-21538', '2025-03-20', 9],
    ]);
  });

  it('is non-compliant when the last scan failed', () => {
    expect(assessImage(record(['v1.4.2'], failing), at('2025-03-11T00:00:00Z'))).toMatchObject({
      status: 'non-compliant',
      production: true,
      reasons: ['the last scan failed with 2 blocking findings'],
    });
  });

  it('becomes non-compliant once an exception the scan relied on expires', () => {
    const a = assessImage(record(['prod'], passing), at('2025-03-21T00:00:00Z'));
    expect(a.status).toBe('non-compliant');
    expect(a.reasons).toEqual(['exception for CVE-2024-21538 the scan relied on expired on 2025-03-20']);
  });

  it('becomes non-compliant when the scan is older than asked', () => {
    const a = assessImage(record(['prod'], clean), at('2025-04-10T08:00:00Z', { maxScanAgeDays: 30 }));
    expect(a.reasons).toEqual(['last scanned 31 days ago, more than 30']);
    expect(
      assessImage(record(['prod'], clean), at('2025-04-09T08:00:00Z', { maxScanAgeDays: 30 })).status,
    ).toBe('compliant');
  });
});

describe('the report', () => {
  const options = at('2025-03-11T00:00:00Z');
  const images = [
    record(['prod', '1.4.2'], failing, 'sha256:' + '1'.repeat(64)),
    record(['1.5.0'], clean, 'sha256:' + '2'.repeat(64)),
    record(['dev|<b>x</b>'], undefined, 'sha256:' + '3'.repeat(64)),
  ].map((r) => assessImage(r, options));
  const report = complianceReport(images, ['registry.example.com/shop/api'], options);

  it('fails when a production image is non-compliant or unscanned', () => {
    expect(report.summary).toEqual({
      verdict: 'fail',
      images: 3,
      compliant: 1,
      nonCompliant: 1,
      unscanned: 1,
      production: 1,
      productionNonCompliant: 1,
      productionUnscanned: 0,
    });
    const withoutProd = complianceReport(
      images.map((i) => ({ ...i, production: false })),
      [],
      options,
    );
    expect(withoutProd.summary.verdict).toBe('pass');
  });

  it('renders Markdown with one row per image and escaped cells', () => {
    const md = renderMarkdown(report);
    const rows = md.split('\n').filter((l) => l.startsWith('| registry.example.com'));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toContain(
      '| 1.4.2, prod | sha256:111111111111… | 10 d | non-compliant (production) | fail, 2025-03-10 (0 d ago) | 2 | 1 | 2 | 1 | 0 | 1 | CVE-2023-45853 until 2025-03-28 (17 d), team-shop, SEC-1042; CVE-2024-21538 until 2025-03-20 (9 d), team-shop |',
    );
    expect(rows[2]).toContain('dev\\|<b>x</b>');
    expect(md).toContain('## Why not compliant');
  });

  it('renders a self-contained HTML page with the images table, every value escaped', () => {
    const html = renderHtml(report);
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<table id="images">');
    expect((html.match(/<tr class="/g) ?? []).length).toBe(3);
    expect(html).toContain('dev|&lt;b&gt;x&lt;/b&gt;');
    expect(html).not.toContain('<b>x</b>');
    // Nothing to fetch: no scripts, no stylesheets, no remote images or frames.
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|\shref=/i);
    expect(html).toContain('class="verdict-fail"');
  });
});
