import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, UsageError } from '../lib/errors.js';
import { assessImage, complianceReport, type ComplianceReport } from '../lib/compliance/assess.js';
import { headline } from '../lib/compliance/cells.js';
import { collectRepository } from '../lib/compliance/collect.js';
import { renderHtml } from '../lib/compliance/html.js';
import { renderMarkdown } from '../lib/compliance/markdown.js';
import { clientFromFlags, parseRepository, registryFlags } from '../lib/oci/index.js';
import { timeFlag } from '../lib/scan/dates.js';
import { defineStep } from '../lib/tekton/step.js';
import { checkOutputDir } from '../lib/config/paths.js';
import { tagGlobs } from '../lib/backup/flags.js';

export const step = defineStep({
  name: 'compliance-report',
  summary:
    'Report, per image of some repositories, its latest attached scan report: verdict, counts, exceptions; and images with none.',
  flags: {
    repository: {
      type: 'string',
      multiple: true,
      required: true,
      description: 'Repository to report on: registry/namespace/name (repeatable; space or comma separated)',
      valueName: 'REPO',
    },
    'production-tag': {
      type: 'string',
      multiple: true,
      description:
        'Tag (glob, * for any run of characters) marking an image as in production, e.g. prod or v* (space or comma separated)',
      valueName: 'GLOB',
    },
    'fail-on-noncompliant': {
      type: 'string',
      description: 'Exit 1 when an image with a production tag is non-compliant or unscanned',
      choices: ['true', 'false'],
      default: 'false',
    },
    'max-scan-age-days': {
      type: 'string',
      description: 'A scan older than this many days no longer makes an image compliant',
      valueName: 'DAYS',
    },
    'output-dir': {
      type: 'string',
      description: 'Directory for compliance-report.json, .md and .html',
      valueName: 'DIR',
    },
    at: {
      type: 'string',
      description: 'Report as of this time (ISO 8601) instead of now',
      valueName: 'TIME',
    },
    ...registryFlags,
  },
  results: ['COMPLIANCE_SUMMARY'],
  details: [
    'An image is compliant when its latest scan report (found through its referrers) passed, no exception',
    'the scan relied on has expired since, and, with --max-scan-age-days, the scan is recent enough.',
    'Exit codes: 0 done; 1 a production image is non-compliant or unscanned (with --fail-on-noncompliant true),',
    'or a repository is not found; 2 bad input; 3 registry unreachable.',
  ].join('\n'),
  async run({ flags, log, results, emit }) {
    checkOutputDir(flags['output-dir'], '--output-dir');
    // A Task passes a list in one param: each value may hold several, as for retention and registry-health.
    const repositories = splitList(flags.repository).map((r) => parseRepository(r));
    if (repositories.length === 0) throw new UsageError('compliance-report: --repository is required');
    const options = {
      now: timeFlag(flags.at),
      productionTags: tagGlobs('compliance-report', 'production-tag', flags['production-tag'], []),
      maxScanAgeDays: parseDays(flags['max-scan-age-days']),
    };
    const client = clientFromFlags(flags, log);
    let report: ComplianceReport;
    try {
      const images = [];
      for (const repo of repositories) images.push(...(await collectRepository(client, repo, log)));
      report = complianceReport(
        images.map((i) => assessImage(i, options)),
        repositories.map((r) => r.context()),
        options,
      );
    } finally {
      await client.close();
    }
    if (flags['output-dir']) writeOutputs(flags['output-dir'], report);
    results.set('COMPLIANCE_SUMMARY', report.summary);
    emit(report, () => renderMarkdown(report).trimEnd());
    log.info(headline(report));
    return flags['fail-on-noncompliant'] === 'true' && report.summary.verdict === 'fail'
      ? ExitCode.gate
      : ExitCode.ok;
  },
});

function splitList(values: string[]): string[] {
  return values.flatMap((v) => v.split(/[\s,]+/)).filter(Boolean);
}

function parseDays(text: string | undefined): number | undefined {
  if (!text) return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)))
    throw new UsageError(`--max-scan-age-days "${text}": must be a whole number of days`);
  return Number(text);
}

function writeOutputs(dir: string, report: ComplianceReport): void {
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'compliance-report.json'), JSON.stringify(report, null, 2) + '\n');
    writeFileSync(join(dir, 'compliance-report.md'), renderMarkdown(report));
    writeFileSync(join(dir, 'compliance-report.html'), renderHtml(report));
  } catch (err) {
    throw new UsageError(
      `--output-dir ${dir}: cannot write the reports (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}
