import { resolve } from 'node:path';
import { UsageError } from '../lib/errors.js';
import { dryRunFlag } from '../lib/tekton/args.js';
import { defineStep } from '../lib/tekton/step.js';
import { bestEffort } from '../lib/http/best-effort.js';
import { deliveryFlags, integerFlag, policyFromFlags } from '../lib/http/flags.js';
import { renderExposition } from '../lib/metrics/exposition.js';
import { groupingPath, type GroupingKey } from '../lib/metrics/grouping.js';
import {
  parsePullDurations,
  parseRegistryLatencies,
  parseTime,
  readJsonFile,
} from '../lib/metrics/inputs.js';
import {
  pipelineMetrics,
  previousValues,
  type PipelineMetricsInput,
} from '../lib/metrics/pipeline-metrics.js';
import {
  bearerTokenFlag,
  pushgatewayBaseUrl,
  readBearerToken,
  readGroup,
  replaceGroup,
} from '../lib/metrics/pushgateway.js';
import { parseCanaryResult } from '../lib/pipelinerun/canary.js';
import { parseScanSummary } from '../lib/pipelinerun/scan-summary.js';
import { outcomeOf, parseRunStatus, parseTaskStates } from '../lib/pipelinerun/status.js';

const NAME = 'metrics';
// Any printable label value; one holding a slash travels in the @base64 form of the group's URL.
const GROUP_VALUE = /^[^\x00-\x1f\x7f]{1,128}$/;

export const step = defineStep({
  name: NAME,
  summary: 'Push the metrics of a finished PipelineRun to a Prometheus Pushgateway, replacing its group.',
  flags: {
    'pushgateway-url': {
      type: 'string',
      description: 'Pushgateway base URL, e.g. http://pushgateway:9091',
      required: true,
      valueName: 'URL',
    },
    ...bearerTokenFlag,
    job: {
      type: 'string',
      description: 'job label of the group',
      default: 'image-lifecycle',
      valueName: 'NAME',
    },
    pipeline: {
      type: 'string',
      description: 'pipeline label of the group: $(context.pipeline.name)',
      required: true,
      valueName: 'NAME',
    },
    application: {
      type: 'string',
      description: 'application label of the group',
      required: true,
      valueName: 'NAME',
    },
    environment: {
      type: 'string',
      description: 'environment label of the group',
      required: true,
      valueName: 'NAME',
    },
    status: {
      type: 'string',
      description: 'Aggregate status: $(tasks.status)',
      required: true,
      valueName: 'STATUS',
    },
    'task-status': {
      type: 'string',
      multiple: true,
      description: 'Task statuses: backup=$(tasks.backup.status) ...',
      valueName: 'NAME=STATUS',
    },
    'started-at': {
      type: 'string',
      description: 'When the run started (RFC 3339 or Unix seconds); gives the duration',
      valueName: 'TIME',
    },
    'finished-at': { type: 'string', description: 'When the run finished (default: now)', valueName: 'TIME' },
    'scan-summary': {
      type: 'string',
      description: 'Scan summary result: severity counts as JSON or NAME=N pairs',
      valueName: 'SUMMARY',
    },
    'canary-result': {
      type: 'string',
      description: 'Canary result (promoted, aborted: reason, ...)',
      valueName: 'RESULT',
    },
    'image-size-bytes': { type: 'string', description: 'Image size in bytes', valueName: 'BYTES' },
    'pull-durations-file': {
      type: 'string',
      description: 'JSON file of image pull durations (from diagnose-pull)',
      valueName: 'PATH',
    },
    'registry-latencies-file': {
      type: 'string',
      description: 'JSON file of registry operation latencies',
      valueName: 'PATH',
    },
    'reports-dir': {
      type: 'string',
      description: 'Directory the two files above are read from when their paths are relative',
      default: '.',
      valueName: 'DIR',
    },
    ...deliveryFlags,
    ...dryRunFlag,
  },
  results: ['METRICS_STATUS', 'METRICS_GROUP', 'METRICS_SERIES'],
  details: [
    'The group is job/pipeline/application/environment, with no per-run label, and is replaced (PUT) on every',
    'push: each metric is a gauge holding the latest run. Last-success times are read back first and carried',
    'over a failed run. A failed push is a warning and exit 0 unless --fail-on-error true.',
  ].join('\n'),
  async run(ctx) {
    const { flags, log, results } = ctx;
    const baseUrl = pushgatewayBaseUrl(NAME, flags['pushgateway-url']);
    const key: GroupingKey = [
      ['job', groupValue('job', flags.job)],
      ['pipeline', groupValue('pipeline', flags.pipeline)],
      ['application', groupValue('application', flags.application)],
      ['environment', groupValue('environment', flags.environment)],
    ];
    const status = parseRunStatus(NAME, flags.status);
    const given = (v: string | undefined) => (v?.trim() ? v : undefined);
    const started = given(flags['started-at']);
    const finished = given(flags['finished-at']);
    const size = given(flags['image-size-bytes']);
    const inReports = (path: string | undefined) =>
      given(path) ? resolve(flags['reports-dir'] || '.', path as string) : undefined;
    const pulls = inReports(flags['pull-durations-file']);
    const latencies = inReports(flags['registry-latencies-file']);
    const scan = parseScanSummary(NAME, flags['scan-summary']);
    const canary = parseCanaryResult(flags['canary-result']);
    const input: Omit<PipelineMetricsInput, 'previous'> = {
      outcome: outcomeOf(status),
      finishedAt: finished ? parseTime(NAME, 'finished-at', finished) : new Date(),
      tasks: parseTaskStates(NAME, flags['task-status']),
      ...(started ? { startedAt: parseTime(NAME, 'started-at', started) } : {}),
      ...(scan ? { scan } : {}),
      ...(canary ? { canary } : {}),
      ...(size
        ? { imageSizeBytes: integerFlag(NAME, 'image-size-bytes', size, 0, Number.MAX_SAFE_INTEGER) }
        : {}),
      ...(pulls
        ? {
            pullDurations: parsePullDurations(
              NAME,
              'pull-durations-file',
              readJsonFile(NAME, 'pull-durations-file', pulls),
            ),
          }
        : {}),
      ...(latencies
        ? {
            registryLatencies: parseRegistryLatencies(
              NAME,
              'registry-latencies-file',
              readJsonFile(NAME, 'registry-latencies-file', latencies),
            ),
          }
        : {}),
    };
    if (input.startedAt && input.startedAt > input.finishedAt)
      throw new UsageError(`${NAME}: --started-at is after --finished-at`);
    const group = groupingPath(key);
    results.set('METRICS_GROUP', group);

    if (flags['dry-run']) {
      const body = renderExposition(pipelineMetrics({ ...input, previous: { taskLastSuccess: new Map() } }));
      results.set('METRICS_STATUS', 'dry-run');
      ctx.emit({ status: 'dry-run', group, body }, () => `PUT ${group}\n\n${body}`);
      return;
    }

    const policy = policyFromFlags(NAME, flags);
    const tokenFile = given(flags['bearer-token-file']);
    const token = tokenFile ? readBearerToken(NAME, tokenFile, log) : undefined;
    const options = { baseUrl, policy, log, ...(token ? { bearerToken: token } : {}) };
    const pushed = await bestEffort(
      'metrics push to the Pushgateway',
      flags['fail-on-error'] === 'true',
      log,
      async () => {
        const families = pipelineMetrics({
          ...input,
          previous: previousValues(await readGroup(options, key)),
        });
        await replaceGroup(options, key, renderExposition(families));
        return families.reduce((n, f) => n + f.samples.length, 0);
      },
    );
    results.set('METRICS_STATUS', pushed.ok ? 'pushed' : 'failed');
    if (pushed.ok) {
      results.set('METRICS_SERIES', String(pushed.value));
      ctx.emit(
        { status: 'pushed', group, series: pushed.value },
        () => `metrics: pushed ${pushed.value} series to ${group}`,
      );
    } else {
      ctx.emit({ status: 'failed', group }, () => `metrics: nothing pushed to ${group}`);
    }
  },
});

function groupValue(flag: string, value: string): string {
  if (!GROUP_VALUE.test(value)) {
    throw new UsageError(
      `${NAME}: --${flag} must be 1-128 printable characters (it is a label of the group), got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
