import { dryRunFlag } from '../lib/tekton/args.js';
import { defineStep } from '../lib/tekton/step.js';
import { bestEffort } from '../lib/http/best-effort.js';
import { deliver } from '../lib/http/deliver.js';
import { deliveryFlags, policyFromFlags } from '../lib/http/flags.js';
import { idempotencyKey } from '../lib/notify/idempotency.js';
import { buildReport } from '../lib/notify/report.js';
import { TARGETS, TARGET_LABELS, buildMessage } from '../lib/notify/targets.js';
import { readWebhookUrl } from '../lib/notify/webhook-url.js';

const NAME = 'notify';

export const step = defineStep({
  name: NAME,
  summary:
    'Send one message about a finished PipelineRun to Slack, Teams, a JSON webhook or a CloudEvents sink.',
  flags: {
    target: { type: 'string', description: 'Where the message goes', choices: TARGETS, required: true },
    'cloudevents-mode': {
      type: 'string',
      description:
        'CloudEvents content mode: ce-* headers, or the whole event as application/cloudevents+json',
      choices: ['binary', 'structured'],
      default: 'binary',
    },
    'webhook-url-file': {
      type: 'string',
      description: 'File holding the webhook URL (a mounted Secret key)',
      valueName: 'PATH',
    },
    'webhook-url-env': {
      type: 'string',
      description: 'Environment variable holding the webhook URL, read when no file is given',
      default: 'NOTIFY_WEBHOOK_URL',
      valueName: 'NAME',
    },
    'pipeline-run': {
      type: 'string',
      description: 'PipelineRun name: $(context.pipelineRun.name)',
      required: true,
      valueName: 'NAME',
    },
    'pipeline-run-uid': {
      type: 'string',
      description: 'PipelineRun uid: $(context.pipelineRun.uid)',
      valueName: 'UID',
    },
    namespace: {
      type: 'string',
      description: 'PipelineRun namespace: $(context.pipelineRun.namespace)',
      valueName: 'NAME',
    },
    pipeline: { type: 'string', description: 'Pipeline name: $(context.pipeline.name)', valueName: 'NAME' },
    status: {
      type: 'string',
      description: 'Aggregate status: $(tasks.status)',
      required: true,
      valueName: 'STATUS',
    },
    'task-status': {
      type: 'string',
      multiple: true,
      description: 'A task and its status: build=$(tasks.build.status)',
      valueName: 'NAME=STATUS',
    },
    application: { type: 'string', description: 'Application the run built or deployed', valueName: 'NAME' },
    environment: { type: 'string', description: 'Environment the run deployed to', valueName: 'NAME' },
    image: { type: 'string', description: 'Image reference', valueName: 'REF' },
    digest: { type: 'string', description: 'Image digest', valueName: 'DIGEST' },
    tags: {
      type: 'string',
      description: 'Tags pushed: comma or space separated, or a JSON array',
      valueName: 'TAGS',
    },
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
    'dashboard-url': {
      type: 'string',
      description: 'Link to the run; {namespace}, {pipelinerun}, {uid} and {pipeline} are filled in',
      valueName: 'URL',
    },
    'notify-on': {
      type: 'string',
      description: 'Which outcomes are worth a message',
      choices: ['always', 'failure', 'success'],
      default: 'always',
    },
    ...deliveryFlags,
    ...dryRunFlag,
  },
  results: ['NOTIFY_STATUS', 'NOTIFY_ID'],
  details: [
    'The webhook URL is read from --webhook-url-file or the variable named by --webhook-url-env, never from a',
    'flag, and is redacted from every line the step prints. A failed delivery is a warning and exit 0 unless',
    '--fail-on-error true; then a refused message (4xx) exits 2 and an unreachable target (after retries) exits 3.',
  ].join('\n'),
  async run(ctx) {
    const { flags, log, results } = ctx;
    const report = buildReport(NAME, {
      pipelineRun: flags['pipeline-run'],
      namespace: flags.namespace,
      uid: flags['pipeline-run-uid'],
      pipeline: flags.pipeline,
      application: flags.application,
      environment: flags.environment,
      status: flags.status,
      taskStatus: flags['task-status'],
      image: flags.image,
      digest: flags.digest,
      tags: flags.tags,
      scanSummary: flags['scan-summary'],
      canaryResult: flags['canary-result'],
      dashboardUrl: flags['dashboard-url'],
    });
    const policy = policyFromFlags(NAME, flags);
    const target = flags.target as (typeof TARGETS)[number];
    const key = idempotencyKey(report, target);
    results.set('NOTIFY_ID', key);
    const finish = (status: string, detail: Record<string, unknown>, text: string) => {
      results.set('NOTIFY_STATUS', status);
      ctx.emit({ target, status, idempotencyKey: key, ...detail }, () => text);
    };

    const wanted = flags['notify-on'] === 'always' || flags['notify-on'] === report.outcome;
    if (!wanted) {
      finish(
        'skipped',
        { outcome: report.outcome },
        `notify: ${report.outcome} run, --notify-on ${flags['notify-on']}: nothing sent`,
      );
      return;
    }
    const message = buildMessage(
      target,
      report,
      { idempotencyKey: key, time: new Date() },
      flags['cloudevents-mode'] as 'binary' | 'structured',
    );
    if (flags['dry-run']) {
      ctx.emit(
        {
          target,
          status: 'dry-run',
          idempotencyKey: key,
          headers: message.headers,
          body: JSON.parse(message.body),
        },
        () => [...Object.entries(message.headers).map(([k, v]) => `${k}: ${v}`), '', message.body].join('\n'),
      );
      results.set('NOTIFY_STATUS', 'dry-run');
      return;
    }

    const label = TARGET_LABELS[target];
    const sent = await bestEffort(
      `notification to the ${label}`,
      flags['fail-on-error'] === 'true',
      log,
      async () => {
        const url = readWebhookUrl(NAME, { file: flags['webhook-url-file'], env: flags['webhook-url-env'] });
        return deliver(
          { method: 'POST', url, headers: message.headers, body: message.body },
          label,
          policy,
          log,
        );
      },
    );
    if (sent.ok) {
      finish(
        'sent',
        { httpStatus: sent.value.status, attempts: sent.value.attempts },
        `notify: sent to the ${label} (HTTP ${sent.value.status}, ${sent.value.attempts} attempt(s))`,
      );
    } else {
      finish('failed', {}, `notify: not sent to the ${label}`);
    }
  },
});
