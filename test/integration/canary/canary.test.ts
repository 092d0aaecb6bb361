import { join } from 'node:path';
import { step as canaryStep } from '../../../steps/canary/main.js';
import { step as rollbackStep } from '../../../steps/rollback/main.js';
import { step as verifyStep } from '../../../steps/verify/main.js';
import { LAST_KNOWN_GOOD_ANNOTATION, type CanaryState } from '../../../steps/lib/canary/state.js';
import {
  getDeployment,
  patchDeployment,
  waitForRollout,
  type KubeClient,
} from '../../../steps/lib/kube/index.js';
import { REPO_ROOT } from '../../helpers/cli.js';
import { startTestCluster, type TestCluster } from '../../helpers/cluster.js';
import { eventually } from '../../helpers/eventually.js';
import { startProcess } from '../../helpers/processes.js';
import {
  startExporter,
  startPrometheus,
  type TestExporter,
  type TestPrometheus,
} from '../../helpers/prometheus.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runStepInProcess } from '../../helpers/run-step.js';
import { createSeeder } from '../../helpers/seed.js';
import { tarArchive } from '../../helpers/tar.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';
import {
  canaryStateOf,
  deployStable,
  imageOf,
  recordChanges,
  replicasOf,
  replicasOrZero,
  waitForState,
  weightsOf,
} from './fixtures.js';

let cluster: TestCluster;
let client: KubeClient;
let registry: TestRegistry;
let exporter: TestExporter;
let prometheus: TestPrometheus;
const images: Record<'v1' | 'v2' | 'v3' | 'crash', string> = { v1: '', v2: '', v3: '', crash: '' };

const ERROR_RATIO =
  'sum(rate(test_http_requests_total{track="canary",code="500"}[2s])) / sum(rate(test_http_requests_total{track="canary"}[2s]))';
const ANALYSIS = JSON.stringify({
  maxRestarts: 0,
  templates: [
    {
      name: 'error-rate',
      query: ERROR_RATIO,
      successCondition: 'result < 0.05',
      failureCondition: 'result >= 0.05',
      interval: '300ms',
      count: 2,
    },
  ],
});
const THROUGH_10_50_100 =
  '[{setWeight: 10}, {analyze: {}}, {setWeight: 50}, {analyze: {}}, {setWeight: 100}, {analyze: {}}]';

beforeAll(async () => {
  [cluster, registry, exporter] = await Promise.all([
    startTestCluster({
      imagePullBackOff: { initialMs: 200, maxMs: 1000 },
      crashLoopBackOff: { initialMs: 200, maxMs: 1000 },
      probePeriodMs: 100,
    }),
    startRegistry({ auth: 'none' }),
    startExporter(),
  ]);
  client = cluster.client();
  prometheus = await startPrometheus({ targets: [exporter.target] });
  const seeder = createSeeder(registry);
  for (const version of ['v1', 'v2', 'v3', 'crash'] as const) {
    const pushed = await seeder.pushImage({
      repo: 'shop/web',
      tag: version,
      layers: [tarArchive({ 'app/version': `${version}\n` })],
    });
    images[version] = `${registry.host}/shop/web@${pushed.digest}`;
  }
  await prometheus.waitForData(ERROR_RATIO);
}, 90_000);
afterAll(async () => {
  await Promise.all([cluster?.stop(), registry?.stop(), prometheus?.stop()]);
  await exporter?.stop();
});

/** Sets the canary's error rate and waits until Prometheus's 2s rate window shows it. */
async function canaryErrorRate(rate: number): Promise<void> {
  exporter.setErrorRate('canary', rate);
  await eventually(`an error ratio of ${rate} in Prometheus`, async () => {
    const [value] = await prometheus.query(ERROR_RATIO);
    return value !== undefined && Math.abs(value - rate) < 0.01 ? true : undefined;
  });
}

function canaryArgs(app: string, image: string, run: string, steps: string, extra: string[] = []): string[] {
  return [
    '--deployment',
    app,
    '--image',
    image,
    '--run',
    run,
    '--steps',
    steps,
    '--analysis',
    ANALYSIS,
    '--prometheus-url',
    prometheus.url,
    '--traffic',
    'route',
    '--route',
    app,
    '--canary-service',
    `${app}-canary`,
    '--ready-timeout',
    '20s',
    '--rollout-timeout',
    '20s',
    '--kubeconfig',
    cluster.kubeconfigPath,
    // A flag given twice is refused, so a test's own poll interval replaces the default one.
    ...(extra.includes('--poll-interval') ? [] : ['--poll-interval', '100ms']),
    ...extra,
  ];
}

const canary = (args: string[]) => runStepInProcess(canaryStep, args);
const rollback = (args: string[]) =>
  runStepInProcess(rollbackStep, [
    ...args,
    '--poll-interval',
    '100ms',
    '--rollout-timeout',
    '20s',
    '--kubeconfig',
    cluster.kubeconfigPath,
  ]);
const ALL_ON_STABLE = (app: string) => ({ [app]: 100, [`${app}-canary`]: 0 });

/** Runs the canary step as its own process, the way a pod runs it, and SIGKILLs it once the state says so. */
async function killCanaryWhen(
  app: string,
  run: string,
  steps: string,
  when: (s: CanaryState) => boolean,
): Promise<void> {
  const child = startProcess(
    process.execPath,
    [
      '--import',
      'tsx',
      join(REPO_ROOT, 'steps', 'cli.ts'),
      'canary',
      ...canaryArgs(app, images.v2, run, steps),
      '--results-dir',
      makeTempDir('killed-canary-results'),
    ],
    { name: 'canary step', cwd: REPO_ROOT, env: { ...process.env, LOG_FORMAT: 'text' } },
  );
  try {
    await waitForState(client, app, `the canary of ${run} to reach the point to kill it`, when, 90_000);
  } finally {
    process.kill(child.pid, 'SIGKILL');
    await child.exited;
  }
}

describe('canary behind an OpenShift Route, analysed by a real Prometheus', () => {
  test('a healthy canary is promoted through 10, 50 and 100, and recorded as last known good', async () => {
    await canaryErrorRate(0.01);
    await deployStable(client, cluster.namespace, 'healthy', images.v1);
    const path = recordChanges(() => weightsOf(client, 'healthy'));
    const run = await canary(canaryArgs('healthy', images.v2, 'run-healthy', THROUGH_10_50_100));
    const weights = await path.stop();
    expect(run.stderr).not.toMatch(/ERROR/);
    expect(run).toExitWith(0);
    expect(weights).toEqual([
      { healthy: 100 },
      { healthy: 90, 'healthy-canary': 10 },
      { healthy: 50, 'healthy-canary': 50 },
      { healthy: 0, 'healthy-canary': 100 },
      ALL_ON_STABLE('healthy'),
    ]);
    const stable = await getDeployment(client, 'healthy');
    expect(imageOf(stable)).toBe(images.v2);
    expect(await replicasOf(client, 'healthy-canary')).toBe(0);
    expect(await canaryStateOf(client, 'healthy')).toMatchObject({
      run: 'run-healthy',
      phase: 'Succeeded',
      weight: 0,
      stableImages: { app: images.v1 },
      canaryImages: { app: images.v2 },
    });
    expect(JSON.parse(stable.metadata?.annotations?.[LAST_KNOWN_GOOD_ANNOTATION] ?? '{}')).toMatchObject({
      images: { app: images.v2 },
      run: 'run-healthy',
    });
    expect(run.results.CANARY_RESULT).toBe(`promoted: ${images.v2}`);
    expect(run.results.ANALYSIS_SUMMARY?.split('; at ')).toEqual([
      expect.stringMatching(/^at 10%: error-rate: Successful 2\/2 last=0\.0\d+$/),
      expect.stringMatching(/^50%: error-rate: Successful 2\/2 last=0\.0\d+$/),
      expect.stringMatching(/^100%: error-rate: Successful 2\/2 last=0\.0\d+$/),
    ]);

    // Run again with the same run: it reports the outcome and changes nothing; the finally rollback has nothing to do.
    const again = await canary(canaryArgs('healthy', images.v2, 'run-healthy', THROUGH_10_50_100));
    expect(again).toExitWith(0);
    expect(again.results.CANARY_RESULT).toBe(`promoted: ${images.v2}`);
    const after = await rollback(['--deployment', 'healthy', '--run', 'run-healthy']);
    expect(after).toExitWith(0);
    expect(after.results.ROLLBACK_RESULT).toBe('nothing-to-do: the canary of run run-healthy is Succeeded');
    expect(imageOf(await getDeployment(client, 'healthy'))).toBe(images.v2);
  });

  test('a canary whose error rate crosses the threshold is aborted and the stable keeps all traffic', async () => {
    await canaryErrorRate(0.3);
    await deployStable(client, cluster.namespace, 'erring', images.v1);
    const run = await canary(canaryArgs('erring', images.v2, 'run-erring', THROUGH_10_50_100));
    expect(run).toExitWith(1);
    expect(run.results.CANARY_RESULT).toMatch(
      /^aborted: analysis at 10%: metric error-rate failed: 1 failed measurement\(s\), more than failureLimit 0 \(last: value 0\.[23]\d*: failureCondition "result >= 0\.05" is true\)$/,
    );
    expect(run.results.ANALYSIS_SUMMARY).toMatch(
      /^at 10%: error-rate: Failed 0\/1 \(1 failed\) last=0\.[23]/,
    );
    expect(await weightsOf(client, 'erring')).toEqual(ALL_ON_STABLE('erring'));
    expect(imageOf(await getDeployment(client, 'erring'))).toBe(images.v1);
    expect(await replicasOf(client, 'erring-canary')).toBe(0);
    expect(await canaryStateOf(client, 'erring')).toMatchObject({
      phase: 'Failed',
      weight: 0,
      message: expect.stringMatching(/^analysis at 10%: metric error-rate failed/),
    });
    await canaryErrorRate(0.01);
  });

  test('no data is inconclusive and aborts the canary unless the metric says continue', async () => {
    await deployStable(client, cluster.namespace, 'silent', images.v1);
    const steps =
      '[{setWeight: 20}, {analyze: {metrics: [{name: silent, query: "test_http_requests_total{track=\\"nobody\\"}", successCondition: "result >= 0", interval: 200ms}]}}]';
    const run = await canary(canaryArgs('silent', images.v2, 'run-silent', steps));
    expect(run).toExitWith(1);
    expect(run.results.CANARY_RESULT).toBe(
      'aborted: analysis at 20%: metric silent inconclusive: 1 inconclusive measurement(s), more than inconclusiveLimit 0 (last: value []: the query returned no data) (set onInconclusive: continue to accept that)',
    );
    expect(await weightsOf(client, 'silent')).toEqual(ALL_ON_STABLE('silent'));
    expect(imageOf(await getDeployment(client, 'silent'))).toBe(images.v1);
    expect(await canaryStateOf(client, 'silent')).toMatchObject({ phase: 'Failed', weight: 0 });
  });

  test('a crash-looping canary is aborted with the crash in the reason', async () => {
    const remove = cluster.server?.script({ image: images.crash, crash: { afterMs: 0, exitCode: 2 } });
    try {
      await deployStable(client, cluster.namespace, 'crashy', images.v1);
      const run = await canary(
        canaryArgs(
          'crashy',
          images.crash,
          'run-crashy',
          '[{setWeight: 50}, {analyze: {}}, {setWeight: 100}]',
        ),
      );
      expect(run).toExitWith(1);
      expect(run.results.CANARY_RESULT).toMatch(
        /^aborted: canary (container failing: pod crashy-canary-[a-z0-9-]+ container app: CrashLoopBackOff|containers restarted \d+ time\(s\), more than maxRestarts 0)/,
      );
      expect(await weightsOf(client, 'crashy')).toEqual(ALL_ON_STABLE('crashy'));
      expect(imageOf(await getDeployment(client, 'crashy'))).toBe(images.v1);
      expect(await replicasOf(client, 'crashy-canary')).toBe(0);
      expect((await canaryStateOf(client, 'crashy'))?.phase).toBe('Failed');
    } finally {
      remove?.();
    }
  });

  test('a second canary on the same Deployment is refused while the first runs, and the first completes', async () => {
    await canaryErrorRate(0.01);
    await deployStable(client, cluster.namespace, 'busy', images.v1);
    const first = canary(
      canaryArgs(
        'busy',
        images.v2,
        'run-first',
        '[{setWeight: 10}, {pause: {duration: 2s}}, {setWeight: 100}]',
      ),
    );
    await waitForState(
      client,
      'busy',
      'the first canary at 10%',
      (s) => s.run === 'run-first' && s.weight === 10,
    );
    const second = await canary(canaryArgs('busy', images.v3, 'run-second', '[{setWeight: 100}]'));
    expect(second).toExitWith(1);
    expect(second.stderr).toMatch(
      /ERROR: deployment "busy" has an unfinished canary of run "run-first" \(Progressing since [^)]+\); refusing a concurrent canary/,
    );
    const done = await first;
    expect(done).toExitWith(0);
    expect(imageOf(await getDeployment(client, 'busy'))).toBe(images.v2);
    expect(await weightsOf(client, 'busy')).toEqual(ALL_ON_STABLE('busy'));
    expect(await canaryStateOf(client, 'busy')).toMatchObject({ run: 'run-first', phase: 'Succeeded' });
  });

  test('a canary step killed mid-way is rolled back by the finally rollback of its run, and only that one', async () => {
    await deployStable(client, cluster.namespace, 'killed', images.v1);
    await killCanaryWhen(
      'killed',
      'run-killed',
      '[{setWeight: 50}, {pause: {duration: 10m}}, {setWeight: 100}]',
      (s) => s.weight === 50 && s.stepStartedAt !== undefined,
    );
    expect(await weightsOf(client, 'killed')).toEqual({ killed: 50, 'killed-canary': 50 });
    expect(await replicasOf(client, 'killed-canary')).toBe(1);

    const other = await rollback(['--deployment', 'killed', '--run', 'run-someone-else']);
    expect(other).toExitWith(0);
    expect(other.results.ROLLBACK_RESULT).toBe(
      'nothing-to-do: the canary state of deployment killed belongs to run run-killed, not run-someone-else',
    );
    expect(await weightsOf(client, 'killed')).toEqual({ killed: 50, 'killed-canary': 50 });

    const undo = await rollback(['--deployment', 'killed', '--run', 'run-killed']);
    expect(undo.stderr).not.toMatch(/ERROR/);
    expect(undo).toExitWith(0);
    expect(undo.results.ROLLBACK_RESULT).toBe(
      'rolled-back: the canary of run run-killed did not finish (Progressing at step 2, 50% on the canary); traffic and images restored',
    );
    expect(undo.results.ROLLED_BACK_IMAGES).toBe(`app=${images.v1}`);
    expect(await weightsOf(client, 'killed')).toEqual(ALL_ON_STABLE('killed'));
    expect(await replicasOf(client, 'killed-canary')).toBe(0);
    expect(imageOf(await getDeployment(client, 'killed'))).toBe(images.v1);
    expect(await canaryStateOf(client, 'killed')).toMatchObject({
      run: 'run-killed',
      phase: 'RolledBack',
      weight: 0,
    });

    const twice = await rollback(['--deployment', 'killed', '--run', 'run-killed']);
    expect(twice.results.ROLLBACK_RESULT).toBe('nothing-to-do: the canary of run run-killed is RolledBack');
  }, 120_000);

  test('a canary step killed mid-way and started again resumes where it stopped and finishes', async () => {
    await canaryErrorRate(0.01);
    await deployStable(client, cluster.namespace, 'resumed', images.v1);
    const steps = '[{setWeight: 50}, {pause: {duration: 3s}}, {setWeight: 100}, {analyze: {}}]';
    await killCanaryWhen(
      'resumed',
      'run-resumed',
      steps,
      (s) => s.weight === 50 && s.stepStartedAt !== undefined,
    );
    const run = await canary(canaryArgs('resumed', images.v2, 'run-resumed', steps, ['--output', 'json']));
    expect(run).toExitWith(0);
    expect(run.stderr).toMatch(
      /resuming the canary of run run-resumed at step 2 of 4 \(Progressing, canary at 50%\)/,
    );
    expect(JSON.parse(run.stdout)).toMatchObject({ result: 'promoted', resumed: true });
    expect(imageOf(await getDeployment(client, 'resumed'))).toBe(images.v2);
    expect(await weightsOf(client, 'resumed')).toEqual(ALL_ON_STABLE('resumed'));
    expect(await canaryStateOf(client, 'resumed')).toMatchObject({ run: 'run-resumed', phase: 'Succeeded' });
  }, 120_000);
});

describe('before anything changes', () => {
  test('--dry-run checks everything and changes nothing', async () => {
    await deployStable(client, cluster.namespace, 'planned', images.v1);
    const before = await getDeployment(client, 'planned');
    const run = await canary(
      canaryArgs('planned', images.v2, 'run-planned', THROUGH_10_50_100, ['--dry-run']),
    );
    expect(run).toExitWith(0);
    expect(run.results.CANARY_RESULT).toBe(
      `dry run: would start a canary of ${images.v2} on deployment planned by route planned in 6 step(s); nothing changed`,
    );
    expect((await getDeployment(client, 'planned')).metadata?.resourceVersion).toBe(
      before.metadata?.resourceVersion,
    );
    await expect(getDeployment(client, 'planned-canary')).rejects.toThrow(/not found/);
  });

  test('a stable whose selector would take the canary pods, and missing route flags, are usage errors', async () => {
    await client.apps.createNamespacedDeployment({
      namespace: cluster.namespace,
      body: {
        metadata: { name: 'plain' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'plain' } },
          template: {
            metadata: { labels: { app: 'plain' } },
            spec: { containers: [{ name: 'app', image: images.v1 }] },
          },
        },
      },
    });
    expect((await waitForRollout(client, 'plain', { timeoutMs: 20_000, intervalMs: 50 })).outcome).toBe(
      'done',
    );
    const overlap = await canary([
      '--deployment',
      'plain',
      '--image',
      images.v2,
      '--run',
      'run-plain',
      '--steps',
      '[{setWeight: 100}]',
      '--traffic',
      'replicas',
      '--kubeconfig',
      cluster.kubeconfigPath,
    ]);
    expect(overlap).toExitWith(2);
    expect(overlap.stderr).toContain(
      'ERROR: deployment "plain" selects its pods by labels the canary\'s pods (track=canary) also have: give the stable a distinguishing label in its selector and template (e.g. track=stable), or choose another --canary-label',
    );
    expect(await canaryStateOf(client, 'plain')).toBeUndefined();
    const noRoute = await canary([
      '--deployment',
      'plain',
      '--image',
      images.v2,
      '--run',
      'run-plain',
      '--steps',
      '[{setWeight: 100}]',
      '--kubeconfig',
      cluster.kubeconfigPath,
    ]);
    expect(noRoute).toExitWith(2);
    expect(noRoute.stderr).toContain('ERROR: canary: --traffic route needs --route and --canary-service');
  });
});

describe('an image that does not exist', () => {
  test('is caught by verify before any change; forced through, the canary aborts on the first poll that sees the pull fail', async () => {
    await deployStable(client, cluster.namespace, 'missing', images.v1);
    const before = await getDeployment(client, 'missing');
    const missing = `${registry.host}/shop/web:v404`;

    const verify = await runStepInProcess(verifyStep, [
      '--image',
      missing,
      '--service-account',
      'default',
      '--kubeconfig',
      cluster.kubeconfigPath,
    ]);
    expect(verify).toExitWith(1);
    expect(verify.stderr).toContain(`ERROR: tag "v404" not found in ${registry.host}/shop/web`);
    const untouched = await getDeployment(client, 'missing');
    expect(untouched.metadata?.generation).toBe(before.metadata?.generation);
    expect(untouched.metadata?.annotations).toEqual(before.metadata?.annotations);
    await expect(getDeployment(client, 'missing-canary')).rejects.toThrow(/not found/);

    const run = await canary([
      ...canaryArgs('missing', missing, 'run-missing', '[{setWeight: 50}, {setWeight: 100}]', [
        '--output',
        'json',
        '--poll-interval',
        '500ms',
      ]),
    ]);
    expect(run).toExitWith(1);
    const outcome = JSON.parse(run.stdout) as { message: string; failedOnPoll: number };
    expect(outcome.message).toMatch(
      /^aborted: canary cannot pull its image: not-found: pod missing-canary-[a-z0-9-]+ container app: (ErrImagePull|ImagePullBackOff): tag or manifest not found \([^)]+:v404\): .*manifest unknown; fix: push the tag or correct the image reference/,
    );
    // The pod needs one poll to exist and be tried; the next one sees the failure and stops the canary.
    expect(outcome.failedOnPoll).toBeLessThanOrEqual(2);
    expect(await weightsOf(client, 'missing')).toEqual(ALL_ON_STABLE('missing'));
    expect(imageOf(await getDeployment(client, 'missing'))).toBe(images.v1);
    expect(await replicasOf(client, 'missing-canary')).toBe(0);
    expect(await canaryStateOf(client, 'missing')).toMatchObject({
      phase: 'Failed',
      message: expect.stringMatching(/^canary cannot pull its image: not-found/),
    });
  });
});

describe('canary by replica ratio behind one Service', () => {
  test('the stable gives up pods as the canary takes them, and gets them all back with the new image', async () => {
    await canaryErrorRate(0.01);
    await deployStable(client, cluster.namespace, 'ratio', images.v1, 2);
    const path = recordChanges(async (): Promise<[number, number]> => [
      await replicasOrZero(client, 'ratio'),
      await replicasOrZero(client, 'ratio-canary'),
    ]);
    const run = await canary([
      '--deployment',
      'ratio',
      '--image',
      images.v2,
      '--run',
      'run-ratio',
      '--traffic',
      'replicas',
      '--steps',
      '[{setWeight: 50}, {analyze: {}}, {setWeight: 100}]',
      '--analysis',
      ANALYSIS,
      '--prometheus-url',
      prometheus.url,
      '--poll-interval',
      '100ms',
      '--rollout-timeout',
      '20s',
      '--kubeconfig',
      cluster.kubeconfigPath,
    ]);
    const replicas = await path.stop();
    expect(run.stderr).not.toMatch(/ERROR/);
    expect(run).toExitWith(0);
    // [stable, canary] over time: the stable gives up a pod once the canary has one, keeps one until the
    // canary is to get everything, and is back to full size, with the new image, when the canary goes.
    const seen = replicas.map(([stable, canary]) => `${stable}+${canary}`);
    expect(seen[0]).toBe('2+0');
    expect(seen).toContain('1+1');
    expect(seen[seen.length - 1]).toBe('2+0');
    expect(replicas.every(([stable, canary]) => canary >= 2 || stable >= 1)).toBe(true);
    expect(imageOf(await getDeployment(client, 'ratio'))).toBe(images.v2);
    expect((await canaryStateOf(client, 'ratio'))?.phase).toBe('Succeeded');
  });
});

describe('manual rollback', () => {
  beforeAll(async () => {
    await canaryErrorRate(0.01);
    await deployStable(client, cluster.namespace, 'manual', images.v1);
    const promoted = await canary(canaryArgs('manual', images.v2, 'run-manual', '[{setWeight: 100}]'));
    expect(promoted).toExitWith(0);
    // Then a plain deploy of v3, outside any canary: the case a manual rollback is for.
    await client.apps.patchNamespacedDeployment({
      name: 'manual',
      namespace: cluster.namespace,
      body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: images.v3 }],
    });
    expect((await waitForRollout(client, 'manual', { timeoutMs: 20_000, intervalMs: 50 })).outcome).toBe(
      'done',
    );
  });

  test("to the previous revision copies that revision's template back, like kubectl rollout undo", async () => {
    const before = await getDeployment(client, 'manual');
    expect(imageOf(before)).toBe(images.v3);
    const run = await rollback(['--deployment', 'manual', '--to', 'revision']);
    expect(run.stderr).not.toMatch(/ERROR/);
    expect(run).toExitWith(0);
    expect(run.results.ROLLBACK_RESULT).toMatch(/^rolled-back: deployment manual to revision \d+$/);
    const after = await getDeployment(client, 'manual');
    expect(imageOf(after)).toBe(images.v2);
    expect(after.spec?.template.metadata?.labels).toEqual({ app: 'manual', track: 'stable' });
    expect(Number(after.metadata?.annotations?.['deployment.kubernetes.io/revision'])).toBeGreaterThan(
      Number(before.metadata?.annotations?.['deployment.kubernetes.io/revision']),
    );
    expect(after.metadata?.annotations?.[LAST_KNOWN_GOOD_ANNOTATION]).toBeDefined();

    const unknown = await rollback(['--deployment', 'manual', '--to', 'revision', '--revision', '99']);
    expect(unknown).toExitWith(2);
    expect(unknown.stderr).toMatch(
      /ERROR: --revision 99: deployment "manual" has no such revision \(revisions kept: [\d, ]+\)/,
    );
  });

  test('to a revision whose image the registry no longer has: fails at once with the pull diagnosis, not at its rollout timeout', async () => {
    const seeder = createSeeder(registry);
    const pushed = await seeder.pushImage({
      repo: 'shop/web',
      tag: 'purged',
      layers: [tarArchive({ 'app/version': 'purged\n' })],
    });
    const purged = `${registry.host}/shop/web@${pushed.digest}`;
    await deployStable(client, cluster.namespace, 'purged', images.v1);
    // Pulled on every pod start, so the registry decides, not the node's image cache.
    for (const container of [
      { name: 'app', image: purged, imagePullPolicy: 'Always' },
      { name: 'app', image: images.v2 },
    ]) {
      await patchDeployment(client, 'purged', 'strategic', {
        spec: { template: { spec: { containers: [container] } } },
      });
      const rollout = await waitForRollout(client, 'purged', { timeoutMs: 20_000, intervalMs: 50 });
      expect(rollout.outcome).toBe('done');
    }
    await seeder.http.expect([202], 'DELETE', `/v2/shop/web/manifests/${pushed.digest}`, {
      scope: 'repository:shop/web:delete',
    });

    const run = await rollback(['--deployment', 'purged', '--to', 'revision']);
    expect(run).toExitWith(1);
    // The rollback helper gives the rollout 20s: a timeout would say so, and give no reason.
    expect(run.stderr).toMatch(
      /ERROR: deployment "purged" was rolled back but did not finish rolling out \(failed\): its pods cannot pull the image: not-found: pod purged-[a-z0-9-]+ container app: (ErrImagePull|ImagePullBackOff): tag or manifest not found \([^)]*shop\/web@sha256:[0-9a-f]{64}\): .*; fix: push the tag or correct the image reference/,
    );
    expect(imageOf(await getDeployment(client, 'purged'))).toBe(purged);
  });

  test('to last known good sets the images of the last promotion, and is refused while the Deployment is paused', async () => {
    await client.apps.patchNamespacedDeployment({
      name: 'manual',
      namespace: cluster.namespace,
      body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: images.v3 }],
    });
    await client.apps.patchNamespacedDeployment({
      name: 'manual',
      namespace: cluster.namespace,
      body: [{ op: 'add', path: '/spec/paused', value: true }],
    });
    const refused = await rollback(['--deployment', 'manual', '--to', 'last-known-good']);
    expect(refused).toExitWith(1);
    expect(refused.stderr).toContain(
      'ERROR: deployment "manual" is paused: resume it first (kubectl rollout resume deployment/manual), then roll back',
    );
    expect(imageOf(await getDeployment(client, 'manual'))).toBe(images.v3);

    await client.apps.patchNamespacedDeployment({
      name: 'manual',
      namespace: cluster.namespace,
      body: [{ op: 'replace', path: '/spec/paused', value: false }],
    });
    const run = await rollback(['--deployment', 'manual', '--to', 'last-known-good']);
    expect(run).toExitWith(0);
    expect(run.results.ROLLBACK_RESULT).toBe(
      `rolled-back: deployment manual to last known good app=${images.v2}`,
    );
    const after = await getDeployment(client, 'manual');
    expect(imageOf(after)).toBe(images.v2);
    expect(after.status?.updatedReplicas).toBe(2);

    const again = await rollback(['--deployment', 'manual', '--to', 'last-known-good']);
    expect(again.results.ROLLBACK_RESULT).toBe(
      `nothing-to-do: deployment manual already runs its last known good (app=${images.v2})`,
    );
  });
});
