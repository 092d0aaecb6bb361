/**
 * `make demo`: the library's main job on this machine. A distribution registry and the Kubernetes test API server
 * on 127.0.0.1, the sample app in a git repository, then `image-lifecycle run` executes pipelines/build-and-deploy
 * (the same YAML and step programs as on a cluster) and pipelines/registry-maintenance in dry-run.
 * Everything it leaves is under DEMO_DIR (default .cache/demo).
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { getDeployment, KubeClient, loadKubeConfig } from '../steps/lib/kube/index.js';
import type { RunRecord } from '../steps/lib/runner/engine.js';
import { deployStable, imageOf, weightsOf } from '../test/integration/canary/fixtures.js';
import {
  pushSampleAppBase,
  SAMPLE_APP,
  TRIVY_REPLAY,
  trivyReport,
  webhookSecret,
} from '../test/integration/pipelines/environment.js';
import { REPO_ROOT } from '../test/helpers/cli.js';
import { runCommand } from '../test/helpers/command.js';
import { gitRepositoryOf, type GitRepository } from '../test/helpers/git-repo.js';
import { runPipeline, taskOf, type PipelineRunOptions } from '../test/helpers/pipeline-run.js';
import { startRegistry, type TestRegistry } from '../test/helpers/registry.js';
import { registryState } from '../test/helpers/registry-state.js';
import { createSeeder } from '../test/helpers/seed.js';
import { tarArchive } from '../test/helpers/tar.js';
import { startWebhookReceiver } from '../test/helpers/webhook-receiver.js';
import { startKubeServer } from '../test/kube-server/server.js';

const NAMESPACE = 'demo';
const APP = 'app';
const OUT = resolve(process.env.DEMO_DIR || join(REPO_ROOT, '.cache', 'demo'));
const say = (text: string) => process.stdout.write(`${text}\n`);
const banner = (text: string) => say(`\n=== ${text}`);
/** A path as the user can type it: relative to where they are when it is below, absolute otherwise. */
const shown = (path: string) => {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel || '.';
};
const seconds = (ms: number) => `${Math.round(ms / 1000)}s`;

/** Runs a pipeline with its log shown live and keeps its run record; anything but success ends the demo. */
async function run(name: string, options: PipelineRunOptions): Promise<RunRecord> {
  const file = `pipelines/${name}.yaml`;
  banner(`image-lifecycle run ${file}`);
  for (const dir of Object.values(options.workspaces ?? {})) mkdirSync(dir, { recursive: true });
  const r = await runPipeline(file, {
    ...options,
    flags: ['--namespace', NAMESPACE, '--work-dir', join(OUT, 'runs', name)],
    onLog: (text) => process.stdout.write(text),
    timeoutMs: 600_000,
  });
  if (!r.record) throw new Error(`${file} did not run (exit code ${r.code})`);
  const saved = join(OUT, `${name}.json`);
  writeFileSync(saved, JSON.stringify(r.record, null, 2));
  if (r.code !== 0 || r.record.status === 'Failed')
    throw new Error(`${file} ended ${r.record.status} (exit code ${r.code}); run record ${shown(saved)}`);
  return r.record;
}

/** Previews from months ago, more than the policy keeps: what the dry run would delete. */
async function pushOldPreviews(registry: TestRegistry): Promise<void> {
  const seeder = createSeeder(registry);
  for (let n = 1; n <= 12; n += 1)
    await seeder.pushImage({
      repo: 'demo/app-previews',
      tag: `pr-${n}`,
      layers: [tarArchive({ 'preview.txt': `pull request ${n}\n` })],
      config: { created: `2025-01-${String(n).padStart(2, '0')}T12:00:00Z` },
    });
}

/** Empties the output directory for this run: .cache/demo, or a DEMO_DIR that is empty or an earlier demo's. */
function freshOutput(): void {
  const marker = join(OUT, '.image-lifecycle-demo');
  if (process.env.DEMO_DIR && existsSync(OUT) && readdirSync(OUT).length > 0 && !existsSync(marker))
    throw new Error(`DEMO_DIR ${OUT} is not empty and not an earlier demo's: give another directory`);
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  writeFileSync(marker, '');
}

interface Outcome {
  started: number;
  deploy: RunRecord;
  maintenance: RunRecord;
  repo: GitRepository;
  trivy: boolean;
  /** The image the Deployment runs after the run, and its Route's weights. */
  running: string | undefined;
  weights: Record<string, number>;
  unchanged: boolean;
}

function printSummary(o: Outcome): void {
  const { deploy, maintenance } = o;
  const result = (record: RunRecord, name: string) => String(record.results[name]);
  const scan = JSON.parse(result(deploy, 'SCAN_SUMMARY')) as { verdict: string; counts: { total: number } };
  const retention = JSON.parse(result(maintenance, 'RETENTION_SUMMARY')) as Record<string, number>;
  const cacheHits = String(taskOf(deploy, 'build').results.BUILD_CACHE_HITS);
  banner(`summary: make demo finished in ${seconds(Date.now() - o.started)}`);
  say(`build-and-deploy: ${deploy.status} in ${seconds(deploy.durationMs)}`);
  say(`  build     ${result(deploy, 'IMAGE_URL')} from commit ${o.repo.commit.slice(0, 7)}`);
  say(`            layer cache demo/app-cache: ${cacheHits} hits (a cold cache, filled by this build)`);
  say(
    `  scan      ${scan.verdict}, ${scan.counts.total} findings (${o.trivy ? 'Trivy' : 'recorded Trivy report'})`,
  );
  say(`  tags      ${result(deploy, 'TAGS')}`);
  say(`  verify    ${taskOf(deploy, 'verify').status}: pullable by digest, passing scan report attached`);
  say(`  canary    ${result(deploy, 'CANARY_RESULT')}`);
  say(`            deployment ${APP} runs ${o.running}; route ${APP} weights ${JSON.stringify(o.weights)}`);
  say(`  promote   staging -> ${String(taskOf(deploy, 'promote').results.PROMOTED_DIGEST)}`);
  say(`  notify    ${taskOf(deploy, 'notify-success').status}: a message to the local webhook`);
  say(`registry-maintenance (dry run): ${maintenance.status} in ${seconds(maintenance.durationMs)}`);
  say(`  health      ${result(maintenance, 'HEALTH_SUMMARY')}`);
  say(`  retention   would delete ${retention.tagsDeleted} tag(s), keeps ${retention.tagsKept}`);
  say(`  registry    ${o.unchanged ? 'unchanged by the dry run' : 'CHANGED by the dry run'}`);
  say(`  compliance  ${result(maintenance, 'COMPLIANCE_SUMMARY')}`);
  say(`  base images ${result(maintenance, 'BASE_IMAGE_SUMMARY')}`);
  say('where to look:');
  say(
    `  run records      ${shown(join(OUT, 'build-and-deploy.json'))}, ${shown(join(OUT, 'registry-maintenance.json'))}`,
  );
  say(`  TaskRun results  ${shown(join(OUT, 'runs'))}/<pipeline>/<taskrun>/results/`);
  say(`  scan reports     ${shown(join(OUT, 'build-and-deploy', 'reports'))}/`);
  say(`  retention plan   ${shown(join(OUT, 'registry-maintenance', 'retention-plan.json'))}`);
  say(
    `  compliance       ${shown(join(OUT, 'registry-maintenance', 'compliance', 'compliance-report.html'))}`,
  );
  say(`  notifications    ${shown(join(OUT, 'notifications.json'))}`);
}

async function main(): Promise<void> {
  const started = Date.now();
  freshOutput();

  banner('a distribution registry and the Kubernetes test API server on 127.0.0.1');
  const [registry, cluster, webhook] = await Promise.all([
    startRegistry({ auth: 'none' }),
    startKubeServer({ tickMs: 50, namespaces: [NAMESPACE] }),
    startWebhookReceiver(),
  ]);
  try {
    const kubeconfig = join(OUT, 'kubeconfig');
    cluster.writeKubeconfig(kubeconfig, { namespace: NAMESPACE });
    const kube = new KubeClient(loadKubeConfig({ kubeconfig }));
    // Not `run --local-cluster`: that cluster would start empty, and the canary needs the app running first.
    say(
      `registry ${registry.url}; cluster ${cluster.url}, given to the runs as KUBECONFIG=${shown(kubeconfig)}`,
    );

    banner("the sample app's base image, assembled from this machine's sh, cat and sleep");
    const base = await pushSampleAppBase(registry, OUT);
    say(`pushed ${base.reference}`);

    banner(`what runs today: Deployment, Services and Route "${APP}" in namespace ${NAMESPACE}`);
    const stable = `${registry.host}/demo/base@${base.digest}`;
    await deployStable(kube, NAMESPACE, APP, stable);
    say(`${APP}: 2 replicas of ${stable}, all traffic on Service ${APP}`);
    await pushOldPreviews(registry);
    say('demo/app-previews: 12 preview images from January 2025');
    const repo = await gitRepositoryOf(SAMPLE_APP, join(OUT, 'git'), 'v1.0.0');
    say(`examples/sample-app committed to ${repo.url} (${repo.commit.slice(0, 7)}, tag v1.0.0)`);

    const trivy = await runCommand('sh', ['-c', 'command -v trivy']).then(
      () => true,
      () => false,
    );
    const scanNote = trivy
      ? 'Trivy is installed and scans the image'
      : 'Trivy is NOT installed here: the gate judges a recorded Trivy report (test/fixtures/scan/trivy-clean.json), not a real scan';
    say(`scan: ${scanNote}`);
    say('canary analysis: pod checks only (pull errors, crash loops, restarts at every poll); no Prometheus');
    const env = { KUBECONFIG: kubeconfig, TRIVY_REPLAY_REPORT: trivyReport('trivy-clean.json') };

    const deploy = await run('build-and-deploy', {
      params: {
        GIT_URL: repo.url,
        GIT_REVISION: 'v1.0.0',
        GIT_REF: 'refs/tags/v1.0.0',
        IMAGE_REPOSITORY: `${registry.host}/demo/app`,
        APP_NAME: APP,
        BUILD_ARGS: JSON.stringify([`BASE_IMAGE=${base.reference}`]),
        CACHE_REPOSITORY: `${registry.host}/demo/app-cache`,
        DEPLOYMENT: APP,
        NAMESPACE,
        TRAFFIC: 'route',
        ROUTE: APP,
        CANARY_SERVICE: `${APP}-canary`,
        CANARY_STEPS: '[{setWeight: 50}, {pause: {duration: 5s}}, {setWeight: 100}]',
        PROMOTE_ENVIRONMENT: 'staging',
        ACTOR: 'make-demo',
        NOTIFY_TARGET: 'webhook',
      },
      workspaces: { source: join(OUT, 'build-and-deploy') },
      secrets: { 'notify-webhook': webhookSecret(join(OUT, 'notify-webhook'), webhook.url('/demo')) },
      hostTools: trivy ? {} : { trivy: TRIVY_REPLAY },
      env,
    });
    writeFileSync(join(OUT, 'notifications.json'), JSON.stringify(webhook.requests, null, 2));
    const running = imageOf(await getDeployment(kube, APP, NAMESPACE));
    const weights = await weightsOf(kube, APP);

    const before = await registryState(registry);
    const maintenance = await run('registry-maintenance', {
      params: {
        REGISTRY: registry.host,
        DRY_RUN: 'true',
        POLICY_FILE: 'retention-policy.yaml',
        PLAN_FILE: '/workspace/reports/retention-plan.json',
        HEALTH_CANARY_IMAGE: 'demo/app:1.0.0',
        STORAGE_REPOSITORIES: '*',
        COMPLIANCE_REPOSITORIES: `${registry.host}/demo/app`,
        BASE_IMAGE_REPOSITORIES: 'demo/app',
        BASE_IMAGE_TAGS: 'staging',
      },
      workspaces: { policy: join(REPO_ROOT, 'examples'), reports: join(OUT, 'registry-maintenance') },
      env,
    });
    const unchanged = JSON.stringify(await registryState(registry)) === JSON.stringify(before);

    printSummary({ started, deploy, maintenance, repo, trivy, running, weights, unchanged });
    const expected = `${registry.host}/demo/app@${String(deploy.results.IMAGE_DIGEST)}`;
    if (!unchanged) throw new Error('the dry run changed the registry');
    if (running !== expected) throw new Error(`deployment ${APP} runs ${running}, not ${expected}`);
  } finally {
    await Promise.all([registry.stop(), cluster.stop(), webhook.close()]);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
