import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDeliveryPolicy } from '../../../steps/lib/http/deliver.js';
import { renderExposition } from '../../../steps/lib/metrics/exposition.js';
import { readGroup, replaceGroup } from '../../../steps/lib/metrics/pushgateway.js';
import { memoryLogger } from '../../../steps/lib/tekton/log.js';
import { step } from '../../../steps/metrics/main.js';
import { startPushgateway, type Pushgateway } from '../../helpers/pushgateway.js';
import { runStepInProcess } from '../../helpers/run-step.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';
import { startWebhookReceiver } from '../../helpers/webhook-receiver.js';

let gateway: Pushgateway;
let files: string;

beforeAll(async () => {
  gateway = await startPushgateway();
  files = makeTempDir('metrics-inputs');
});
afterAll(() => gateway?.stop());

function file(name: string, content: unknown): string {
  const path = join(files, name);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

/** The sample lines of the dev group, as Prometheus would scrape them from the gateway. */
async function groupLines(): Promise<string[]> {
  return (await gateway.scrape())
    .split('\n')
    .filter(
      (line) =>
        line.startsWith('image_lifecycle_') && line.includes('application="shop/cart",environment="dev"'),
    )
    .sort();
}

// The gateway prints labels sorted by name: the grouping labels, then a metric's own.
const GROUP =
  'application="shop/cart",environment="dev",instance="",job="image-lifecycle",pipeline="build-and-deploy"';
const OPERATION_GROUP =
  'application="shop/cart",environment="dev",instance="",job="image-lifecycle",operation="manifest-get",pipeline="build-and-deploy"';
const groupFlags = ['--pipeline', 'build-and-deploy', '--application', 'shop/cart', '--environment', 'dev'];

describe('metrics step against a real Pushgateway', () => {
  test('a successful run: every metric read back from /metrics with the grouping labels', async () => {
    const run = await runStepInProcess(step, [
      '--pushgateway-url',
      gateway.url,
      ...groupFlags,
      '--status',
      'Succeeded',
      '--task-status',
      'build=Succeeded scan=Succeeded',
      '--started-at',
      '2025-01-04T09:50:00Z',
      '--finished-at',
      '2025-01-04T10:00:00Z',
      '--scan-summary',
      '{"CRITICAL":0,"HIGH":2}',
      '--canary-result',
      'promoted',
      '--image-size-bytes',
      '52428800',
      '--pull-durations-file',
      file('pulls.json', {
        pulls: [
          { image: 'a', seconds: 3.5 },
          { image: 'a', seconds: 41 },
          { image: 'b', seconds: 2 },
        ],
      }),
      '--registry-latencies-file',
      file('latencies.json', {
        operations: [
          { operation: 'manifest-get', seconds: 0.05 },
          { operation: 'manifest-get', seconds: 0.15 },
        ],
      }),
    ]);
    expect(run.stderr).toBe('');
    expect(run).toExitWith(0);
    expect(run.results).toEqual({
      METRICS_STATUS: 'pushed',
      METRICS_GROUP:
        '/metrics/job/image-lifecycle/pipeline/build-and-deploy/application@base64/c2hvcC9jYXJ0/environment/dev',
      METRICS_SERIES: '16',
    });
    const ts = '1.7359848e+09';
    expect(await groupLines()).toEqual(
      [
        `image_lifecycle_pipeline_last_run_success{${GROUP}} 1`,
        `image_lifecycle_pipeline_last_run_timestamp_seconds{${GROUP}} ${ts}`,
        `image_lifecycle_pipeline_last_run_duration_seconds{${GROUP}} 600`,
        `image_lifecycle_pipeline_last_success_timestamp_seconds{${GROUP}} ${ts}`,
        `image_lifecycle_task_last_success_timestamp_seconds{${GROUP},task="build"} ${ts}`,
        `image_lifecycle_task_last_success_timestamp_seconds{${GROUP},task="scan"} ${ts}`,
        `image_lifecycle_scan_vulnerabilities{${GROUP},severity="critical"} 0`,
        `image_lifecycle_scan_vulnerabilities{${GROUP},severity="high"} 2`,
        `image_lifecycle_canary_last_success{${GROUP}} 1`,
        `image_lifecycle_image_size_bytes{${GROUP}} 5.24288e+07`,
        `image_lifecycle_image_pulls{${GROUP}} 3`,
        `image_lifecycle_image_pull_p50_seconds{${GROUP}} 3.5`,
        `image_lifecycle_image_pull_p95_seconds{${GROUP}} 41`,
        `image_lifecycle_image_pull_max_seconds{${GROUP}} 41`,
        `image_lifecycle_registry_operation_p50_seconds{${OPERATION_GROUP}} 0.05`,
        `image_lifecycle_registry_operation_p95_seconds{${OPERATION_GROUP}} 0.15`,
      ].sort(),
    );
    // The group is known to the gateway under the decoded value, not the base64 text.
    const scraped = await gateway.scrape();
    expect(scraped).toContain('# TYPE image_lifecycle_pipeline_last_run_success gauge');
    expect(scraped).toContain(
      '# HELP image_lifecycle_pipeline_last_run_success 1 when the latest PipelineRun succeeded',
    );
    expect(scraped).not.toContain('c2hvcC9jYXJ0');
  });

  test('a second push with the same grouping key replaces the group: no duplicates, stale metrics gone, last success kept', async () => {
    const run = await runStepInProcess(step, [
      '--pushgateway-url',
      gateway.url,
      ...groupFlags,
      '--status',
      'Failed',
      '--task-status',
      'build=Failed',
      '--finished-at',
      '2025-01-05T10:00:00Z',
    ]);
    expect(run).toExitWith(0);
    expect(run.results.METRICS_SERIES).toBe('5');
    expect(await groupLines()).toEqual(
      [
        `image_lifecycle_pipeline_last_run_success{${GROUP}} 0`,
        `image_lifecycle_pipeline_last_run_timestamp_seconds{${GROUP}} 1.7360712e+09`,
        `image_lifecycle_pipeline_last_success_timestamp_seconds{${GROUP}} 1.7359848e+09`,
        `image_lifecycle_task_last_success_timestamp_seconds{${GROUP},task="build"} 1.7359848e+09`,
        `image_lifecycle_task_last_success_timestamp_seconds{${GROUP},task="scan"} 1.7359848e+09`,
      ].sort(),
    );
  });

  test('another environment is another group; both stay', async () => {
    const run = await runStepInProcess(step, [
      '--pushgateway-url',
      gateway.url,
      '--pipeline',
      'build-and-deploy',
      '--application',
      'shop/cart',
      '--environment',
      'prod',
      '--status',
      'Succeeded',
      '--finished-at',
      '1736000000',
    ]);
    expect(run).toExitWith(0);
    const lines = (await gateway.scrape())
      .split('\n')
      .filter((l) => l.startsWith('image_lifecycle_pipeline_last_run_timestamp_seconds{'));
    expect(lines.map((l) => /environment="(\w+)"/.exec(l)?.[1]).sort()).toEqual(['dev', 'prod']);
  });

  test('label values with backslash, quote and newline survive the round trip through the gateway', async () => {
    const options = { baseUrl: gateway.url, policy: defaultDeliveryPolicy, log: memoryLogger() };
    const key = [
      ['job', 'escape-test'],
      ['path', 'a/b c'],
    ] as const;
    const tricky = 'C:\\dir "quoted"\nsecond line';
    await replaceGroup(
      options,
      key,
      renderExposition([
        {
          name: 'escape_probe',
          help: 'a \\ help\nline',
          type: 'gauge',
          samples: [{ labels: { v: tricky }, value: 1 }],
        },
      ]),
    );
    const stored = await readGroup(options, key);
    expect(stored.get('escape_probe')).toEqual([
      { labels: { instance: '', job: 'escape-test', path: 'a/b c', v: tricky }, value: 1 },
    ]);
    expect(await gateway.scrape()).toContain('# HELP escape_probe a \\\\ help\\nline');
  });

  test('a Pushgateway that is down: a warning and exit 0, or exit 3 with --fail-on-error', async () => {
    const down = [
      '--pushgateway-url',
      'http://127.0.0.1:9',
      ...groupFlags,
      '--status',
      'Succeeded',
      '--retries',
      '0',
    ];
    const soft = await runStepInProcess(step, down);
    expect(soft).toExitWith(0);
    expect(soft.results.METRICS_STATUS).toBe('failed');
    expect(soft.stderr).toMatch(
      /^WARN: metrics push to the Pushgateway failed; the pipeline goes on because --fail-on-error is false: Pushgateway unreachable: .*ECONNREFUSED/,
    );
    const hard = await runStepInProcess(step, [...down, '--fail-on-error', 'true']);
    expect(hard).toExitWith(3);
  });

  test('--dry-run prints the exposition and pushes nothing', async () => {
    const run = await runStepInProcess(step, [
      '--pushgateway-url',
      gateway.url,
      '--pipeline',
      'dry',
      '--application',
      'a',
      '--environment',
      'e',
      '--status',
      'Succeeded',
      '--finished-at',
      '1736000000',
      '--dry-run',
    ]);
    expect(run).toExitWith(0);
    expect(run.stdout).toContain(
      'PUT /metrics/job/image-lifecycle/pipeline/dry/application/a/environment/e\n\n# HELP image_lifecycle_pipeline_last_run_success',
    );
    expect(await gateway.scrape()).not.toContain('pipeline="dry"');
  });

  test('bad input is exit 2 with one line', async () => {
    const run = await runStepInProcess(step, [
      '--pushgateway-url',
      'pushgateway:9091',
      ...groupFlags,
      '--status',
      'Succeeded',
    ]);
    expect(run).toExitWith(2);
    expect(run.stderr.trim()).toBe(
      'ERROR: metrics: --pushgateway-url must be an http(s) URL, not pushgateway:',
    );
  });
});

describe('behind an authenticating proxy', () => {
  test('the bearer token is sent to the gateway and never printed', async () => {
    const proxy = await startWebhookReceiver((req) =>
      req.method === 'GET'
        ? {
            status: 200,
            headers: { 'content-type': 'application/json' },
            body: '{"status":"success","data":[]}',
          }
        : { status: 401, body: `bad token in ${req.headers.authorization}` },
    );
    try {
      const tokenFile = join(files, 'token');
      writeFileSync(tokenFile, 'canaryPushToken-7f3e9a\n');
      const run = await runStepInProcess(step, [
        '--pushgateway-url',
        proxy.url(''),
        '--bearer-token-file',
        tokenFile,
        ...groupFlags,
        '--status',
        'Succeeded',
      ]);
      expect(proxy.requests.map((r) => [r.method, r.headers.authorization])).toEqual([
        ['GET', 'Bearer canaryPushToken-7f3e9a'],
        ['PUT', 'Bearer canaryPushToken-7f3e9a'],
      ]);
      expect(run).toExitWith(0);
      expect(run.stderr).toContain('Pushgateway answered HTTP 401: bad token in Bearer');
      expect([run.stdout, run.stderr, ...Object.values(run.results)].join('\n')).not.toContain(
        'canaryPushToken',
      );
    } finally {
      await proxy.close();
    }
  });

  test('no token file mounted: pushes without Authorization', async () => {
    const run = await runStepInProcess(step, [
      '--pushgateway-url',
      gateway.url,
      '--bearer-token-file',
      join(files, 'absent'),
      ...groupFlags,
      '--status',
      'Succeeded',
      '--finished-at',
      '1736100000',
    ]);
    expect(run).toExitWith(0);
    expect(run.results.METRICS_STATUS).toBe('pushed');
    expect(run.stderr).toBe(`no bearer token at ${join(files, 'absent')}; pushing without one\n`);
  });
});
