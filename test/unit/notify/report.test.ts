import { UsageError } from '../../../steps/lib/errors.js';
import { idempotencyKey } from '../../../steps/lib/notify/idempotency.js';
import { buildReport, type ReportInput } from '../../../steps/lib/notify/report.js';
import { headline, plainText } from '../../../steps/lib/notify/wording.js';

const DIGEST = 'sha256:' + 'a'.repeat(64);
const base: ReportInput = {
  pipelineRun: 'build-and-deploy-x7k2p',
  namespace: 'shop',
  uid: '0f6c3f4e-1b2a-4c3d-9e8f-123456789abc',
  pipeline: 'build-and-deploy',
  application: 'cart',
  environment: 'dev',
  status: 'Failed',
  taskStatus: ['build=Succeeded', 'scan=Failed', 'deploy=None'],
  image: 'registry.example:5000/shop/cart:1.2.3',
  digest: DIGEST,
  tags: '1.2.3, 1.2.3-abc123f latest',
  scanSummary: '{"CRITICAL":2,"HIGH":5,"LOW":0,"blocked":true}',
  canaryResult: '',
  dashboardUrl: 'https://console.apps.example/k8s/ns/{namespace}/tekton.dev~v1~PipelineRun/{pipelinerun}',
};

function usage(input: Partial<ReportInput>): string {
  try {
    buildReport('notify', { ...base, ...input });
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('buildReport', () => {
  test('collects the facts of a failed run', () => {
    const report = buildReport('notify', base);
    expect(report).toMatchObject({
      status: 'Failed',
      outcome: 'failure',
      failedTasks: ['scan'],
      tags: ['1.2.3', '1.2.3-abc123f', 'latest'],
      scan: { counts: { CRITICAL: 2, HIGH: 5, LOW: 0 }, decision: 'block' },
      url: 'https://console.apps.example/k8s/ns/shop/tekton.dev~v1~PipelineRun/build-and-deploy-x7k2p',
    });
    expect(report.canary).toBeUndefined();
    expect(headline(report)).toBe('build-and-deploy failed at scan: cart → dev');
    expect(plainText(report)).toContain('Scan: 2 critical, 5 high (gate: block)');
  });

  test('Completed counts as success, None as unknown', () => {
    expect(buildReport('notify', { ...base, status: 'Completed', taskStatus: [] }).outcome).toBe('success');
    expect(buildReport('notify', { ...base, status: 'None', taskStatus: [] }).outcome).toBe('unknown');
  });

  test('one --task-status value may hold several pairs, as a Task passes them through one param', () => {
    const report = buildReport('notify', {
      ...base,
      taskStatus: ['build=Succeeded scan=Failed,deploy=None', ''],
    });
    expect(report.tasks.map((t) => `${t.name}=${t.status}`)).toEqual([
      'build=Succeeded',
      'scan=Failed',
      'deploy=None',
    ]);
    expect(report.failedTasks).toEqual(['scan']);
  });

  test('tags may come as a JSON array; duplicates collapse', () => {
    expect(buildReport('notify', { ...base, tags: '["v1","v1","prod"]' }).tags).toEqual(['v1', 'prod']);
  });

  test('empty optional inputs (Tekton passes "") are left out', () => {
    const report = buildReport('notify', {
      pipelineRun: 'r1',
      status: 'Succeeded',
      taskStatus: [],
      image: '',
      digest: '',
      tags: '',
      scanSummary: '',
      dashboardUrl: '',
    });
    expect(report).toEqual({
      pipelineRun: 'r1',
      status: 'Succeeded',
      outcome: 'success',
      tags: [],
      tasks: [],
      failedTasks: [],
    });
  });

  test.each([
    [
      { status: 'Passed' },
      'notify: --status must be one of Succeeded, Completed, Failed, None (the value of $(tasks.status)), got "Passed"',
    ],
    [
      { taskStatus: ['build'] },
      'notify: --task-status must look like NAME=STATUS with a Pipeline task name, got "build"',
    ],
    [
      { taskStatus: ['build=Done'] },
      'notify: --task-status build must be one of Succeeded, Failed, None, got "Done"',
    ],
    [
      { digest: 'sha256:abc' },
      'notify: --digest: invalid digest "sha256:abc": expected algorithm:hex such as sha256:<64 hex digits>',
    ],
    [
      { tags: 'ok,-bad' },
      'notify: --tags: invalid tag "-bad": tags are 1-128 of [A-Za-z0-9_.-] and do not start with . or -',
    ],
    [{ namespace: 'Shop' }, 'notify: --namespace must be a namespace name, got "Shop"'],
    [{ scanSummary: '{"HIGH":-1}' }, 'notify: --scan-summary count for HIGH must be a whole number, got -1'],
    [{ scanSummary: '{oops' }, 'notify: --scan-summary starts like JSON but is not valid JSON'],
    [
      { dashboardUrl: 'https://x/{run}' },
      'notify: --dashboard-url has unknown placeholder {run}; use {namespace}, {pipelinerun}, {uid}, {pipeline}',
    ],
    [
      { dashboardUrl: 'console/{pipelinerun}' },
      'notify: --dashboard-url must be an absolute http(s) URL, got "console/{pipelinerun}"',
    ],
    [
      { namespace: '', dashboardUrl: 'https://x/{namespace}' },
      'notify: --dashboard-url uses {namespace} but --namespace is not set',
    ],
  ])('bad input %j is one clear line', (input, message) => {
    expect(usage(input as Partial<ReportInput>)).toBe(message);
  });

  test('image references are validated and normalized', () => {
    expect(usage({ image: 'Shop/Cart:x:y' })).toMatch(/^notify: --image: invalid image reference/);
    expect(buildReport('notify', { ...base, image: 'cart:1' }).image).toBe('docker.io/library/cart:1');
  });
});

describe('idempotencyKey', () => {
  test('is stable per run and target, and differs between targets', () => {
    const report = buildReport('notify', base);
    expect(idempotencyKey(report, 'slack')).toBe('0f6c3f4e-1b2a-4c3d-9e8f-123456789abc.slack');
    expect(idempotencyKey(buildReport('notify', base), 'slack')).toBe(idempotencyKey(report, 'slack'));
    expect(idempotencyKey(report, 'teams')).not.toBe(idempotencyKey(report, 'slack'));
  });

  test('falls back to namespace and name without a uid', () => {
    expect(idempotencyKey(buildReport('notify', { ...base, uid: '' }), 'webhook')).toBe(
      'shop.build-and-deploy-x7k2p.webhook',
    );
  });
});
