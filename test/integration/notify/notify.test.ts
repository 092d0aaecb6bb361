import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { step } from '../../../steps/notify/main.js';
import { clearRegisteredSecrets } from '../../../steps/lib/tekton/redact.js';
import { runStepInProcess, type StepRun } from '../../helpers/run-step.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.js';

const DIGEST = 'sha256:' + 'c'.repeat(64);
const CANARY = 'T0CANARY/B0CANARY/canarySecretToken9f8e7d';
const UID = '5b0d3c1e-7f2a-4e51-8a9b-0c1d2e3f4a5b';

let receiver: WebhookReceiver;
let secrets: string;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  secrets = makeTempDir('notify-secret');
});
afterAll(() => receiver.close());
beforeEach(() => receiver.reset());

/** A mounted Secret: one file holding the URL, as Kubernetes projects a key. */
function secretFile(path: string): string {
  const file = join(secrets, `url-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, receiver.url(path) + '\n');
  return file;
}

const runFlags = [
  '--pipeline-run',
  'build-and-deploy-q8z4r',
  '--pipeline-run-uid',
  UID,
  '--namespace',
  'shop',
  '--pipeline',
  'build-and-deploy',
  '--status',
  'Failed',
  '--task-status',
  'build=Succeeded',
  '--task-status',
  'canary=Failed',
  '--application',
  'cart',
  '--environment',
  'dev',
  '--image',
  'registry.example/shop/cart:1.4.0',
  '--digest',
  DIGEST,
  '--tags',
  '1.4.0,1.4.0-0a1b2c3',
  '--scan-summary',
  '{"CRITICAL":0,"HIGH":1}',
  '--canary-result',
  'aborted: error rate 9% over 5%',
  '--dashboard-url',
  'https://console.apps.example/k8s/ns/{namespace}/tekton.dev~v1~PipelineRun/{pipelinerun}',
];
const RUN_URL = 'https://console.apps.example/k8s/ns/shop/tekton.dev~v1~PipelineRun/build-and-deploy-q8z4r';

async function notify(target: string, path: string, extra: string[] = []): Promise<StepRun> {
  return runStepInProcess(step, [
    '--target',
    target,
    '--webhook-url-file',
    secretFile(path),
    ...runFlags,
    ...extra,
  ]);
}

function only(r: WebhookReceiver) {
  expect(r.requests).toHaveLength(1);
  const [request] = r.requests;
  expect(request?.method).toBe('POST');
  return request!;
}

describe('each target gets its exact payload', () => {
  test('Slack: Block Kit blocks and a text fallback', async () => {
    const run = await notify('slack', '/services/T1/B1/abc');
    expect(run).toExitWith(0);
    expect(run.results).toEqual({ NOTIFY_STATUS: 'sent', NOTIFY_ID: `${UID}.slack` });
    const request = only(receiver);
    expect(request.path).toBe('/services/T1/B1/abc');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['idempotency-key']).toBe(`${UID}.slack`);
    expect(JSON.parse(request.body)).toEqual({
      text: expect.stringMatching(/^build-and-deploy failed at canary: cart → dev\n/),
      blocks: [
        {
          type: 'header',
          text: {
            type: 'plain_text',
            text: ':x: build-and-deploy failed at canary: cart → dev',
            emoji: true,
          },
        },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*PipelineRun*\nshop/build-and-deploy-q8z4r' },
            { type: 'mrkdwn', text: '*Status*\nFailed' },
            { type: 'mrkdwn', text: '*Failed task*\ncanary' },
            { type: 'mrkdwn', text: '*Image*\n`registry.example/shop/cart:1.4.0`' },
            { type: 'mrkdwn', text: `*Digest*\n\`${DIGEST}\`` },
            { type: 'mrkdwn', text: '*Tags*\n`1.4.0, 1.4.0-0a1b2c3`' },
            { type: 'mrkdwn', text: '*Scan*\n1 high' },
            { type: 'mrkdwn', text: '*Canary*\naborted: error rate 9% over 5%' },
          ],
        },
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              text: { type: 'plain_text', text: 'View run' },
              url: RUN_URL,
              action_id: 'view-run',
            },
          ],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: `image-lifecycle notify · ${UID}.slack` }] },
      ],
    });
  });

  test('Teams: an Adaptive Card in the Workflows message envelope', async () => {
    const run = await notify('teams', '/workflows/trigger?sig=abc');
    expect(run).toExitWith(0);
    const request = only(receiver);
    expect(request.path).toBe('/workflows/trigger?sig=abc');
    const body = JSON.parse(request.body);
    expect(Object.keys(body)).toEqual(['type', 'attachments']);
    expect(body.type).toBe('message');
    expect(body.attachments).toHaveLength(1);
    const [attachment] = body.attachments;
    expect(attachment).toMatchObject({
      contentType: 'application/vnd.microsoft.card.adaptive',
      contentUrl: null,
    });
    expect(attachment.content).toMatchObject({
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      type: 'AdaptiveCard',
      version: '1.4',
      body: [
        {
          type: 'TextBlock',
          text: 'build-and-deploy failed at canary: cart → dev',
          color: 'Attention',
          wrap: true,
        },
        {
          type: 'FactSet',
          facts: expect.arrayContaining([
            { title: 'Failed task', value: 'canary' },
            { title: 'Scan', value: '1 high' },
          ]),
        },
      ],
      actions: [{ type: 'Action.OpenUrl', title: 'View run', url: RUN_URL }],
    });
  });

  test('generic webhook: the run as JSON, with an Idempotency-Key', async () => {
    const run = await notify('webhook', '/hooks/pipeline');
    expect(run).toExitWith(0);
    const request = only(receiver);
    expect(request.headers['idempotency-key']).toBe(`${UID}.webhook`);
    expect(JSON.parse(request.body)).toEqual({
      schema: 'image-lifecycle.pipelinerun/v1',
      id: `${UID}.webhook`,
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      summary: 'build-and-deploy failed at canary: cart → dev',
      status: 'Failed',
      outcome: 'failure',
      pipelineRun: {
        name: 'build-and-deploy-q8z4r',
        namespace: 'shop',
        uid: UID,
        pipeline: 'build-and-deploy',
        url: RUN_URL,
      },
      application: 'cart',
      environment: 'dev',
      image: {
        reference: 'registry.example/shop/cart:1.4.0',
        digest: DIGEST,
        tags: ['1.4.0', '1.4.0-0a1b2c3'],
      },
      scan: { counts: { CRITICAL: 0, HIGH: 1 }, text: '1 high' },
      canary: { outcome: 'failure', text: 'aborted: error rate 9% over 5%' },
      tasks: [
        { name: 'build', status: 'Succeeded' },
        { name: 'canary', status: 'Failed' },
      ],
      failedTasks: ['canary'],
    });
  });

  test('CloudEvents binary mode: ce-* headers and the data as body', async () => {
    const run = await notify('cloudevents', '/broker/default');
    expect(run).toExitWith(0);
    const request = only(receiver);
    expect(request.headers).toMatchObject({
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': `${UID}.cloudevents`,
      'ce-source': '/apis/tekton.dev/v1/namespaces/shop/pipelineruns/build-and-deploy-q8z4r',
      'ce-type': 'dev.image-lifecycle.pipelinerun.failed.v1',
      'ce-subject': `registry.example/shop/cart:1.4.0@${DIGEST}`,
      'ce-time': expect.stringMatching(/Z$/),
    });
    expect(JSON.parse(request.body)).toMatchObject({ status: 'Failed', failedTasks: ['canary'] });
  });

  test('CloudEvents structured mode: one application/cloudevents+json document', async () => {
    const run = await notify('cloudevents', '/broker/default', ['--cloudevents-mode', 'structured']);
    expect(run).toExitWith(0);
    const request = only(receiver);
    expect(request.headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
    expect(Object.keys(request.headers).filter((h) => h.startsWith('ce-'))).toEqual([]);
    const event = JSON.parse(request.body);
    expect(Object.keys(event).sort()).toEqual([
      'data',
      'datacontenttype',
      'id',
      'source',
      'specversion',
      'subject',
      'time',
      'type',
    ]);
    expect(event).toMatchObject({
      specversion: '1.0',
      id: `${UID}.cloudevents`,
      datacontenttype: 'application/json',
      data: { outcome: 'failure' },
    });
  });
});

describe('delivery', () => {
  test('429 then 200: waits the Retry-After, then delivers once with the same idempotency key', async () => {
    receiver.reset((_req, n) =>
      n === 0 ? { status: 429, headers: { 'retry-after': '1' }, body: 'rate_limited' } : { status: 200 },
    );
    const run = await notify('webhook', '/hooks/pipeline');
    expect(run).toExitWith(0);
    expect(run.results.NOTIFY_STATUS).toBe('sent');
    expect(receiver.requests).toHaveLength(2);
    const [first, second] = receiver.requests;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(990);
    expect(second!.headers['idempotency-key']).toBe(first!.headers['idempotency-key']);
    expect(second!.body).toBe(first!.body);
    expect(run.stderr).toMatch(/^WARN: webhook answered HTTP 429: rate_limited; attempt 1 of 5, retrying$/m);
  });

  test('a permanent 404 is not retried: a warning, exit 0 and NOTIFY_STATUS=failed', async () => {
    receiver.reset(() => ({ status: 404, body: 'no_service' }));
    const run = await notify('slack', '/services/T1/B1/gone');
    expect(run).toExitWith(0);
    expect(receiver.requests).toHaveLength(1);
    expect(run.results.NOTIFY_STATUS).toBe('failed');
    expect(run.stderr.trim()).toBe(
      'WARN: notification to the Slack webhook failed; the pipeline goes on because --fail-on-error is false: ' +
        'Slack webhook answered HTTP 404: no_service (permanent; check the URL and the payload the target expects)',
    );
    expect(run.stdout.trim()).toBe('notify: not sent to the Slack webhook');
  });

  test('with --fail-on-error true the same 404 fails the step with exit 2 and one error line', async () => {
    receiver.reset(() => ({ status: 404, body: 'no_service' }));
    const run = await notify('slack', '/services/T1/B1/gone', ['--fail-on-error', 'true']);
    expect(run).toExitWith(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      'ERROR: Slack webhook answered HTTP 404: no_service (permanent; check the URL and the payload the target expects)',
    ]);
  });

  test('5xx that outlasts the retries: exit 3 with --fail-on-error, bounded attempts', async () => {
    receiver.reset(() => ({ status: 503, body: 'busy' }));
    const run = await notify('teams', '/wf', ['--fail-on-error', 'true', '--retries', '1']);
    expect(run).toExitWith(3);
    expect(receiver.requests).toHaveLength(2);
    expect(run.stderr).toMatch(
      /ERROR: Teams Workflows webhook answered HTTP 503: busy \(gave up after 2 attempts\)$/m,
    );
  });

  test('a Retry-After beyond the cap ends the delivery instead of stalling the pipeline', async () => {
    receiver.reset(() => ({ status: 429, headers: { 'retry-after': '3600' } }));
    const run = await notify('webhook', '/hooks/pipeline', ['--max-retry-after-seconds', '5']);
    expect(run).toExitWith(0);
    expect(receiver.requests).toHaveLength(1);
    expect(run.stderr).toMatch(/it asked to wait 3600s, more than the 5s this step waits/);
  });

  test('a missing Secret file is a warning by default and exit 2 with --fail-on-error', async () => {
    const missing = join(secrets, 'not-mounted');
    const args = ['--target', 'slack', '--webhook-url-file', missing, ...runFlags];
    const soft = await runStepInProcess(step, args);
    expect(soft).toExitWith(0);
    expect(soft.stderr).toContain(`--webhook-url-file ${missing}: no such file (is the Secret mounted?)`);
    const hard = await runStepInProcess(step, [...args, '--fail-on-error', 'true']);
    expect(hard).toExitWith(2);
    expect(hard.stderr.trim()).toBe(
      `ERROR: notify: --webhook-url-file ${missing}: no such file (is the Secret mounted?)`,
    );
    expect(receiver.requests).toHaveLength(0);
  });

  test('--notify-on failure sends nothing for a successful run', async () => {
    const run = await runStepInProcess(step, [
      '--target',
      'webhook',
      '--webhook-url-file',
      secretFile('/x'),
      '--pipeline-run',
      'r1',
      '--status',
      'Succeeded',
      '--notify-on',
      'failure',
    ]);
    expect(run).toExitWith(0);
    expect(run.results.NOTIFY_STATUS).toBe('skipped');
    expect(receiver.requests).toHaveLength(0);
  });

  test('bad flags are exit 2 with one line, whatever --fail-on-error says', async () => {
    const run = await runStepInProcess(step, [
      '--target',
      'pager',
      '--pipeline-run',
      'r1',
      '--status',
      'Failed',
    ]);
    expect(run).toExitWith(2);
    expect(run.stderr.trim()).toBe(
      'ERROR: notify: --target must be one of slack, teams, webhook, cloudevents, got "pager"',
    );
  });
});

describe('the webhook URL is a secret', () => {
  const leaks = (run: StepRun) =>
    [run.stdout, run.stderr, ...Object.values(run.results)].filter((text) => /canary|CANARY/.test(text));

  beforeEach(() => clearRegisteredSecrets());

  test('never printed or written, from a file, when the target echoes it back in an error', async () => {
    receiver.reset((req) => ({ status: 404, body: `no hook at ${req.path} (${receiver.url(req.path)})` }));
    const text = await notify('webhook', `/hooks/${CANARY}?token=canaryQueryToken42`);
    const json = await notify('webhook', `/hooks/${CANARY}?token=canaryQueryToken42`, [
      '--output',
      'json',
      '--fail-on-error',
      'true',
    ]);
    expect(receiver.requests).toHaveLength(2);
    expect(json).toExitWith(2);
    expect(text.stderr).toContain('webhook answered HTTP 404');
    expect(leaks(text)).toEqual([]);
    expect(leaks(json)).toEqual([]);
  });

  test('never printed or written, from an environment variable, on success, retries and network failure', async () => {
    receiver.reset((_req, n) =>
      n === 0 ? { status: 503, headers: { 'retry-after': '0' } } : { status: 200 },
    );
    process.env.TEST_CANARY_WEBHOOK = receiver.url(`/hooks/${CANARY}`);
    try {
      const ok = await runStepInProcess(step, [
        '--target',
        'slack',
        '--webhook-url-env',
        'TEST_CANARY_WEBHOOK',
        ...runFlags,
      ]);
      expect(ok).toExitWith(0);
      expect(receiver.requests).toHaveLength(2);
      expect(leaks(ok)).toEqual([]);

      // Nothing listens on port 9 of 127.0.0.1: the connection is refused on every attempt.
      process.env.TEST_CANARY_WEBHOOK = `http://127.0.0.1:9/hooks/${CANARY}`;
      const down = await runStepInProcess(step, [
        '--target',
        'slack',
        '--webhook-url-env',
        'TEST_CANARY_WEBHOOK',
        '--retries',
        '1',
        '--output',
        'json',
        ...runFlags,
      ]);
      expect(down).toExitWith(0);
      expect(down.stderr).toMatch(/Slack webhook unreachable: .*ECONNREFUSED.*gave up after 2 attempts/);
      expect(leaks(down)).toEqual([]);
    } finally {
      delete process.env.TEST_CANARY_WEBHOOK;
    }
  });
});
