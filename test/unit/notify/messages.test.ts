import { cloudEventMessage, encodeHeaderValue } from '../../../steps/lib/notify/cloudevents.js';
import { buildReport, type ReportInput } from '../../../steps/lib/notify/report.js';
import { SLACK_LIMITS, escapeMrkdwn, slackMessage } from '../../../steps/lib/notify/slack.js';
import { TEAMS_LIMITS, teamsMessage } from '../../../steps/lib/notify/teams.js';
import { webhookMessage } from '../../../steps/lib/notify/webhook.js';

const DIGEST = 'sha256:' + 'b'.repeat(64);
const input: ReportInput = {
  pipelineRun: 'release-abc12',
  namespace: 'shop',
  pipeline: 'release',
  status: 'Succeeded',
  taskStatus: [],
  image: 'registry.example/shop/cart:2.0.0',
  digest: DIGEST,
  tags: '2.0.0',
  canaryResult: 'promoted',
  dashboardUrl: 'https://tekton.example/#/namespaces/{namespace}/pipelineruns/{pipelinerun}',
};
const context = { idempotencyKey: 'shop.release-abc12.slack', time: new Date('2025-01-04T10:00:00Z') };

// Everything a user controls, blown up past every limit.
const huge = buildReport('notify', {
  ...input,
  status: 'Failed',
  taskStatus: Array.from({ length: 40 }, (_, i) => `task-${i}=Failed`),
  tags: Array.from({ length: 3000 }, (_, i) => `tag-${i}-${'x'.repeat(60)}`).join(','),
  scanSummary: 'scanner said: <' + 'y'.repeat(20_000) + '> & more',
  canaryResult: 'aborted: ' + 'z'.repeat(10_000),
});

type Block = {
  type: string;
  text?: { type: string; text: string };
  fields?: Array<{ text: string }>;
  elements?: Array<{ text?: unknown; url?: string }>;
};

describe('Slack', () => {
  test('blocks with a text fallback', () => {
    const message = slackMessage(buildReport('notify', input), context);
    expect(message.headers).toEqual({
      'content-type': 'application/json',
      'idempotency-key': 'shop.release-abc12.slack',
    });
    const body = JSON.parse(message.body) as { text: string; blocks: Block[] };
    expect(body.blocks.map((b) => b.type)).toEqual(['header', 'section', 'actions', 'context']);
    expect(body.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: ':white_check_mark: release succeeded', emoji: true },
    });
    expect(body.blocks[1]?.fields).toEqual([
      { type: 'mrkdwn', text: '*PipelineRun*\nshop/release-abc12' },
      { type: 'mrkdwn', text: '*Status*\nSucceeded' },
      { type: 'mrkdwn', text: '*Image*\n`registry.example/shop/cart:2.0.0`' },
      { type: 'mrkdwn', text: `*Digest*\n\`${DIGEST}\`` },
      { type: 'mrkdwn', text: '*Tags*\n`2.0.0`' },
      { type: 'mrkdwn', text: '*Canary*\npromoted' },
    ]);
    expect(body.blocks[2]).toEqual({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'View run' },
          url: 'https://tekton.example/#/namespaces/shop/pipelineruns/release-abc12',
          action_id: 'view-run',
        },
      ],
    });
    expect(body.text).toBe(
      [
        'release succeeded',
        'PipelineRun: shop/release-abc12',
        'Status: Succeeded',
        'Image: registry.example/shop/cart:2.0.0',
        `Digest: ${DIGEST}`,
        'Tags: 2.0.0',
        'Canary: promoted',
        'Run: https://tekton.example/#/namespaces/shop/pipelineruns/release-abc12',
      ].join('\n'),
    );
  });

  test('stays within every Block Kit limit whatever the input', () => {
    const body = JSON.parse(slackMessage(huge, context).body) as { text: string; blocks: Block[] };
    expect(body.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    expect(body.text.length).toBeLessThanOrEqual(SLACK_LIMITS.text);
    for (const block of body.blocks) {
      if (block.type === 'header')
        expect(block.text?.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
      if (block.text && block.type === 'section')
        expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      if (block.fields) {
        expect(block.fields.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionFields);
        for (const field of block.fields)
          expect(field.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
      }
      if (block.elements) expect(block.elements.length).toBeLessThanOrEqual(SLACK_LIMITS.contextElements);
    }
    const scan = body.blocks[1]?.fields?.find((f) => f.text.startsWith('*Scan*'));
    // Escaped, cut, and no half entity left at the cut.
    expect(scan?.text).toMatch(/^\*Scan\*\nscanner said: &lt;y+…$/);
  });

  test('mrkdwn control characters are escaped', () => {
    expect(escapeMrkdwn('a <b> & c')).toBe('a &lt;b&gt; &amp; c');
  });
});

describe('Teams', () => {
  test('an Adaptive Card in the Workflows message envelope', () => {
    const message = teamsMessage(
      buildReport('notify', { ...input, status: 'Failed', taskStatus: ['deploy=Failed'] }),
      context,
    );
    const body = JSON.parse(message.body);
    expect(body).toEqual({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            msteams: { width: 'Full' },
            fallbackText: expect.stringMatching(/^release failed at deploy\n/),
            body: [
              {
                type: 'TextBlock',
                text: 'release failed at deploy',
                weight: 'Bolder',
                size: 'Medium',
                color: 'Attention',
                wrap: true,
              },
              {
                type: 'FactSet',
                facts: [
                  { title: 'PipelineRun', value: 'shop/release-abc12' },
                  { title: 'Status', value: 'Failed' },
                  { title: 'Failed task', value: 'deploy' },
                  { title: 'Image', value: 'registry.example/shop/cart:2.0.0' },
                  { title: 'Digest', value: DIGEST },
                  { title: 'Tags', value: '2.0.0' },
                  { title: 'Canary', value: 'promoted' },
                ],
              },
            ],
            actions: [
              {
                type: 'Action.OpenUrl',
                title: 'View run',
                url: 'https://tekton.example/#/namespaces/shop/pipelineruns/release-abc12',
              },
            ],
          },
        },
      ],
    });
    expect(message.body).not.toContain('MessageCard');
  });

  test('stays under the Teams message size limit whatever the input', () => {
    expect(Buffer.byteLength(teamsMessage(huge, context).body)).toBeLessThanOrEqual(
      TEAMS_LIMITS.messageBytes,
    );
  });
});

describe('generic webhook', () => {
  test('the run as JSON with id and time', () => {
    const message = webhookMessage(buildReport('notify', { ...input, scanSummary: 'HIGH=1' }), context);
    expect(message.headers).toEqual({
      'content-type': 'application/json',
      'idempotency-key': context.idempotencyKey,
    });
    expect(JSON.parse(message.body)).toEqual({
      schema: 'image-lifecycle.pipelinerun/v1',
      id: 'shop.release-abc12.slack',
      time: '2025-01-04T10:00:00.000Z',
      summary: 'release succeeded',
      status: 'Succeeded',
      outcome: 'success',
      pipelineRun: {
        name: 'release-abc12',
        namespace: 'shop',
        pipeline: 'release',
        url: 'https://tekton.example/#/namespaces/shop/pipelineruns/release-abc12',
      },
      image: { reference: 'registry.example/shop/cart:2.0.0', digest: DIGEST, tags: ['2.0.0'] },
      scan: { counts: { HIGH: 1 }, text: '1 high' },
      canary: { outcome: 'success', text: 'promoted' },
      tasks: [],
      failedTasks: [],
    });
  });
});

describe('CloudEvents', () => {
  const report = buildReport('notify', input);

  test('binary mode: attributes in ce-* headers, data as the body', () => {
    const message = cloudEventMessage(report, context, 'binary');
    expect(message.headers).toEqual({
      'content-type': 'application/json',
      'idempotency-key': context.idempotencyKey,
      'ce-specversion': '1.0',
      'ce-id': context.idempotencyKey,
      'ce-source': '/apis/tekton.dev/v1/namespaces/shop/pipelineruns/release-abc12',
      'ce-type': 'dev.image-lifecycle.pipelinerun.succeeded.v1',
      'ce-subject': `registry.example/shop/cart:2.0.0@${DIGEST}`,
      'ce-time': '2025-01-04T10:00:00.000Z',
    });
    expect(JSON.parse(message.body)).toMatchObject({
      status: 'Succeeded',
      pipelineRun: { name: 'release-abc12' },
    });
    expect(JSON.parse(message.body)).not.toHaveProperty('specversion');
  });

  test('structured mode: the whole event as application/cloudevents+json', () => {
    const message = cloudEventMessage(report, context, 'structured');
    expect(message.headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
    expect(Object.keys(message.headers).filter((h) => h.startsWith('ce-'))).toEqual([]);
    const event = JSON.parse(message.body);
    expect(event).toEqual({
      specversion: '1.0',
      id: context.idempotencyKey,
      source: '/apis/tekton.dev/v1/namespaces/shop/pipelineruns/release-abc12',
      type: 'dev.image-lifecycle.pipelinerun.succeeded.v1',
      subject: `registry.example/shop/cart:2.0.0@${DIGEST}`,
      time: '2025-01-04T10:00:00.000Z',
      datacontenttype: 'application/json',
      data: JSON.parse(cloudEventMessage(report, context, 'binary').body),
    });
  });

  test('failed runs have their own type', () => {
    const failed = buildReport('notify', { ...input, status: 'Failed' });
    expect(cloudEventMessage(failed, context, 'binary').headers['ce-type']).toBe(
      'dev.image-lifecycle.pipelinerun.failed.v1',
    );
  });

  test.each([
    ['plain-value:1', 'plain-value:1'],
    ['with space', 'with%20space'],
    ['quote " and 100%', 'quote%20%22%20and%20100%25'],
    ['café', 'caf%C3%A9'],
    ['tab\there', 'tab%09here'],
  ])('header value %j is percent-encoded as %j', (value, encoded) => {
    expect(encodeHeaderValue(value)).toBe(encoded);
  });
});
