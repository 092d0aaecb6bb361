import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, UsageError } from '../lib/errors.js';
import { clientFromFlags, parseReference, registryFlags } from '../lib/oci/index.js';
import { attachReport } from '../lib/scan/attach.js';
import { evaluate } from '../lib/scan/evaluate.js';
import { aggregateFindings } from '../lib/scan/finding.js';
import { readPolicy, readScanReports } from '../lib/scan/inputs.js';
import { gateJson, gateText, scanSummary } from '../lib/scan/render.js';
import { buildReport, type EvaluatedReport } from '../lib/scan/report.js';
import { toSarif } from '../lib/scan/sarif.js';
import { testOutput } from '../lib/scan/summary.js';
import { timeFlag } from '../lib/scan/dates.js';
import { defineStep } from '../lib/tekton/step.js';
import { checkOutputDir } from '../lib/config/paths.js';

export const step = defineStep({
  name: 'scan-gate',
  summary:
    'Judge vulnerability scanner reports (Trivy, Grype, Clair v4) against a policy; attach the evaluated report to the image.',
  flags: {
    report: {
      type: 'string',
      multiple: true,
      required: true,
      description:
        'Scanner report (Trivy JSON, Grype JSON, Clair v4 vulnerability report); prefix os/arch[/variant]= to name its platform',
      valueName: '[PLATFORM=]PATH',
    },
    policy: {
      type: 'string',
      description:
        'Policy YAML file, or a directory holding policy.yaml such as a mounted ConfigMap (default: block fixable HIGH and CRITICAL, unfixable CRITICAL)',
      valueName: 'PATH',
    },
    image: {
      type: 'string',
      description:
        'The image the reports are about: scopes image-bound exceptions, and is where --attach attaches',
      valueName: 'REF',
    },
    attach: {
      type: 'string',
      description: 'Attach the evaluated report to --image as an OCI referrer artifact',
      choices: ['true', 'false'],
      default: 'false',
    },
    'report-dir': {
      type: 'string',
      description: 'Directory to write scan-report.json and scan-report.sarif to (e.g. a workspace)',
      valueName: 'DIR',
    },
    at: {
      type: 'string',
      description:
        'Evaluate as of this time (ISO 8601) instead of now, e.g. to see what an expiring exception will block',
      valueName: 'TIME',
    },
    ...registryFlags,
  },
  results: ['SCAN_SUMMARY', 'TEST_OUTPUT'],
  details: [
    'Every finding gets one outcome: blocking, waived (by which allowlist entry), in grace (until when) or below threshold.',
    'Reports of several platforms of one image are aggregated: a vulnerability on every platform counts once.',
    'Exit codes: 0 pass; 1 blocked (or the image to attach to was not found); 2 bad report, policy or flag; 3 registry unreachable.',
  ].join('\n'),
  async run({ flags, log, results, emit }) {
    checkOutputDir(flags['report-dir'], '--report-dir');
    const attach = flags.attach === 'true';
    if (attach && !flags.image)
      throw new UsageError('scan-gate: --attach true needs --image, the image to attach the report to');
    const now = timeFlag(flags.at);
    const image = flags.image ? parseReference(flags.image) : undefined;
    const scans = readScanReports(flags.report);
    const { policy, source, sha256 } = readPolicy(flags.policy);
    // Built before anything is logged: its flags (docker config, CA, insecure hosts) are input too.
    const client = attach ? clientFromFlags(flags, log) : undefined;
    try {
      for (const s of scans)
        log.info(
          `read ${s.scanner} report ${s.source}${s.platform ? ` (${s.platform})` : ''}: ${s.findings.length} findings`,
        );

      const evaluation = evaluate(aggregateFindings(scans), policy, {
        now,
        image: image && { reference: image.toString(), repository: image.context() },
      });
      for (const warning of evaluation.warnings) log.warn(warning);

      const subject = client && image ? await client.resolve(image) : undefined;
      const report = buildReport(evaluation, {
        image: image?.toString(),
        digest: subject?.digest ?? image?.digest,
        policy: { source, sha256 },
        scans,
      });
      if (flags['report-dir']) writeReportFiles(flags['report-dir'], report);
      const referrer =
        client && image && subject ? (await attachReport(client, image, subject, report)).digest : undefined;
      if (referrer)
        log.info(`attached the scan report to ${image!.context()}@${subject!.digest} as ${referrer}`);

      results
        .set('SCAN_SUMMARY', scanSummary(report, referrer))
        .set('TEST_OUTPUT', testOutput(evaluation, report.counts));
      emit(gateJson(report), () => gateText(report, referrer));
      return report.verdict === 'fail' ? ExitCode.gate : ExitCode.ok;
    } finally {
      await client?.close();
    }
  },
});

function writeReportFiles(dir: string, report: EvaluatedReport): void {
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'scan-report.json'), JSON.stringify(report, null, 2) + '\n');
    writeFileSync(join(dir, 'scan-report.sarif'), JSON.stringify(toSarif(report), null, 2) + '\n');
  } catch (err) {
    throw new UsageError(
      `--report-dir ${dir}: cannot write the reports (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}
