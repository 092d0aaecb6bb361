import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { steps } from '../../steps/registry.js';
import type { FlagSpecs } from '../../steps/lib/tekton/args.js';
import { allFlags, type StepDefinition } from '../../steps/lib/tekton/step.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import type { Credentials } from '../helpers/credentials.js';
import { startPushgateway, type Pushgateway } from '../helpers/pushgateway.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { createSeeder } from '../helpers/seed.js';
import { makeTempDir } from '../helpers/temp-dirs.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { SECRET_CONTENT, type Targets } from './corpus.js';
import { billionLaughs } from './documents.js';
import { classifyFlag } from './flag-kinds.js';

const REPO_ROOT = resolve(__dirname, '../..');

/** Everything the baselines point at: a real registry, a cluster when a step needs one, and valid input files. */
export interface World {
  registry: TestRegistry;
  cluster?: TestCluster;
  receiver: WebhookReceiver;
  pushgateway: Pushgateway;
  /** `<host>/hardening/app`, tagged v1 and 1.0.0. */
  repo: string;
  digest: string;
  /** Valid input files, by name. */
  files: Record<string, string>;
  bad: Targets;
  /** Where baselines send output files and directories; must stay empty after a refused run. */
  scratch: string;
  stop(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- steps differ in their flag types
export type AnyStep = StepDefinition<any>;

export async function loadSteps(): Promise<Map<string, AnyStep>> {
  const loaded = new Map<string, AnyStep>();
  for (const [name, load] of Object.entries(steps)) loaded.set(name, await load());
  return loaded;
}

const needsCluster = (defs: Iterable<AnyStep>): boolean =>
  [...defs].some((def) => 'kubeconfig' in allFlags(def));

/** A registry that wants this user (htpasswd): steps then need the credentials of a docker config. */
export interface WorldOptions {
  registryUser?: Credentials;
}

export async function startWorld(defs: Iterable<AnyStep>, options: WorldOptions = {}): Promise<World> {
  const user = options.registryUser;
  const [registry, cluster, receiver, pushgateway] = await Promise.all([
    startRegistry(user ? { auth: 'basic', users: { [user.username]: { password: user.password } } } : {}),
    needsCluster(defs) ? startTestCluster() : undefined,
    startWebhookReceiver(),
    startPushgateway(),
  ]);
  const seeder = createSeeder(registry, user);
  const image = await seeder.pushImage({ repo: 'hardening/app', tag: 'v1' });
  await seeder.putRawManifest('hardening/app', '1.0.0', image.body, image.mediaType);
  const repo = `${registry.host}/hardening/app`;
  if (cluster) {
    await deployWeb(cluster, `${repo}@${image.digest}`);
    await cluster.client().core.createNamespacedServiceAccount({
      namespace: cluster.namespace,
      body: { metadata: { name: 'deployer' } },
    });
  }
  const dir = makeTempDir('hardening');
  const scratch = join(dir, 'scratch');
  mkdirSync(scratch);
  return {
    registry,
    cluster,
    receiver,
    pushgateway,
    repo,
    digest: image.digest,
    files: writeValidFiles(join(dir, 'valid'), receiver, `${registry.host}/hardening/app:v1`),
    bad: writeTargets(join(dir, 'bad'), registry.host),
    scratch,
    async stop() {
      await Promise.all([registry.stop(), cluster?.stop(), receiver.close(), pushgateway.stop()]);
    },
  };
}

async function deployWeb(cluster: TestCluster, image: string): Promise<void> {
  const labels = { app: 'web', track: 'stable' };
  await cluster.client().apps.createNamespacedDeployment({
    namespace: cluster.namespace,
    body: {
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: 'app', image }] } },
      },
    },
  });
}

function write(dir: string, name: string, content: string | Buffer): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function writeValidFiles(dir: string, receiver: WebhookReceiver, localImage: string): Record<string, string> {
  const context = join(dir, 'context');
  write(context, 'Containerfile', 'FROM scratch\nCOPY hello /hello\n');
  write(context, 'hello', 'hello\n');
  const tasks = join(dir, 'tasks', 'hello');
  mkdirSync(tasks, { recursive: true });
  // The Task's step image points at the test registry, so pinning it never looks a public host up.
  const task = readFileSync(join(REPO_ROOT, 'tasks/image-inspect/image-inspect.yaml'), 'utf8');
  writeFileSync(
    join(tasks, 'hello.yaml'),
    task.replace(/quay\.io\/image-lifecycle\/[a-z-]+:[0-9.]+/g, localImage),
  );
  const origin = join(dir, 'origin');
  write(origin, 'Containerfile', 'FROM scratch\n');
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', origin, ...args], {
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'h',
        GIT_AUTHOR_EMAIL: 'h@example.com',
        GIT_COMMITTER_NAME: 'h',
        GIT_COMMITTER_EMAIL: 'h@example.com',
      },
    });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-q', '-m', 'first');
  const scanReport = join(dir, 'trivy.json');
  copyFileSync(join(REPO_ROOT, 'test/fixtures/scan/trivy-clean.json'), scanReport);
  return {
    context,
    gitOrigin: `file://${origin}`,
    tasks: join(dir, 'tasks'),
    scanReport,
    scanPolicy: write(dir, 'scan-policy.yaml', 'blockOn: {fixable: HIGH, unfixable: CRITICAL}\n'),
    retentionPolicy: write(
      dir,
      'retention-policy.yaml',
      'name: hardening\nrepositories: {include: ["*"]}\nkeep: {newest: 5}\ndelete: {untagged: false, tagPatterns: []}\nprotectInUse: false\n',
    ),
    retentionPolicyInUse: write(
      dir,
      'retention-in-use.yaml',
      'name: hardening\nrepositories: {include: ["*"]}\nkeep: {newest: 5}\ndelete: {untagged: false, tagPatterns: []}\nprotectInUse: true\ninUse: {namespaces: ["*"]}\n',
    ),
    webhookUrl: write(dir, 'webhook-url', receiver.url('/hook') + '\n'),
    token: write(dir, 'token', 'hardening-token\n'),
    dockerConfig: write(dir, 'config.json', '{"auths": {}}\n'),
    commitMessages: write(dir, 'commits.txt', 'fix: a bug\n'),
    tags: write(dir, 'tags.txt', 'v1-copy\n'),
    pullDurations: write(dir, 'pulls.json', '{"pulls": []}\n'),
    latencies: write(dir, 'latencies.json', '{"operations": []}\n'),
    pipelineRunTemplate: write(
      dir,
      'pipelinerun.yaml',
      'apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {generateName: rebuild-}\nspec:\n  pipelineRef: {name: build}\n  params: [{name: IMAGE, value: "{{IMAGE}}"}]\n',
    ),
    pipeline: write(
      dir,
      'pipeline.yaml',
      'apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: hello}\nspec:\n  tasks:\n  - name: hello\n    taskSpec:\n      steps:\n      - name: hello\n        image: busybox\n        command: [echo, hello]\n',
    ),
    canarySteps: write(dir, 'steps.yaml', '[{setWeight: 50}]\n'),
  };
}

function writeTargets(dir: string, registryHost: string): Targets {
  write(join(dir, '..', 'elsewhere'), 'secret.txt', `${SECRET_CONTENT}\n`);
  mkdirSync(join(dir, 'nested'), { recursive: true });
  const regularFile = write(dir, 'regular-file', 'just a file\n');
  const directory = join(dir, 'a-directory');
  mkdirSync(directory);
  const binary = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x00, 0xc3, 0x28]), randomBytes(4096)]);
  const garbage = randomBytes(768 * 1024)
    .toString('base64')
    .slice(0, 1024 * 1024);
  return {
    registryHost,
    missing: join(dir, 'does-not-exist.yaml'),
    directory,
    regularFile,
    empty: write(dir, 'empty.yaml', ''),
    garbage: write(dir, 'garbage.txt', garbage),
    binary: write(dir, 'binary.bin', binary),
    yamlBomb: write(dir, 'bomb.yaml', billionLaughs()),
    jsonDuplicateKeys: write(
      dir,
      'duplicate.json',
      '{"apiVersion": "v1", "apiVersion": "v2", "items": []}\n',
    ),
    yamlDuplicateKeys: write(dir, 'duplicate.yaml', 'name: a\nname: b\n'),
    scalar: write(dir, 'scalar.yaml', '42\n'),
    list: write(dir, 'list.json', '[1, 2, 3]\n'),
    traversal: `${dir}/nested/../../elsewhere/secret.txt`,
    underFile: join(regularFile, 'out'),
  };
}

/** A valid command line for each step, against the world; bad inputs are swapped into it one at a time. */
const BASELINES: Record<string, (w: World) => string[]> = {
  inspect: (w) => ['--image', `${w.repo}:v1`],
  'compute-tags': (w) => ['--ref', 'refs/heads/main', '--sha', 'a'.repeat(40), '--from-registry', w.repo],
  tag: (w) => ['--image', `${w.repo}@${w.digest}`, '--tags', 'v1-copy'],
  promote: (w) => ['--image', `${w.repo}@${w.digest}`, '--environment', 'staging', '--dry-run'],
  build: (w) => [
    '--image',
    `${w.registry.host}/hardening/built:1`,
    '--context',
    w.files.context!,
    '--dry-run',
  ],
  notify: (w) => [
    '--target',
    'webhook',
    '--webhook-url-file',
    w.files.webhookUrl!,
    '--pipeline-run',
    'run-1',
    '--status',
    'Succeeded',
  ],
  metrics: (w) => [
    '--pushgateway-url',
    w.pushgateway.url,
    '--pipeline',
    'p',
    '--application',
    'a',
    '--environment',
    'e',
    '--status',
    'Succeeded',
  ],
  'registry-health': (w) => ['--registry', w.registry.host, '--samples', '1'],
  'scan-gate': (w) => ['--report', w.files.scanReport!, '--policy', w.files.scanPolicy!],
  'compliance-report': (w) => ['--repository', w.repo, '--output-dir', join(w.scratch, 'compliance')],
  retention: (w) => [
    '--policy',
    w.files.retentionPolicy!,
    '--registry',
    w.registry.host,
    '--repository',
    'hardening/app',
  ],
  backup: (w) => [
    '--source-registry',
    w.registry.host,
    '--backup-registry',
    w.registry.host,
    '--repository',
    'hardening/app',
    '--prefix',
    'backup',
    '--dry-run',
  ],
  restore: (w) => [
    '--backup-registry',
    w.registry.host,
    '--target-registry',
    w.registry.host,
    '--repository',
    'hardening/app',
    '--dry-run',
  ],
  'base-image-check': (w) => ['--image', `${w.repo}:v1`],
  verify: (w) => ['--image', `${w.repo}:v1`],
  'diagnose-pull': (w) => ['--deployment', 'web', ...kube(w)],
  canary: (w) => [
    '--deployment',
    'web',
    '--image',
    `${w.repo}@${w.digest}`,
    '--steps',
    '[{setWeight: 50}]',
    '--traffic',
    'replicas',
    '--dry-run',
    ...kube(w),
  ],
  rollback: (w) => ['--deployment', 'web', '--to', 'revision', '--dry-run', ...kube(w)],
  bundle: (w) => ['--prefix', `${w.registry.host}/hardening/bundles`, '--path', w.files.tasks!, '--dry-run'],
  run: (w) => ['--pipeline', w.files.pipeline!, '--dry-run'],
  'git-clone': (w) => ['--url', w.files.gitOrigin!, '--directory', join(w.scratch, 'checkout')],
  'pin-images': (w) => ['--path', w.files.tasks!, '--output-dir', join(w.scratch, 'pinned'), '--dry-run'],
};

/**
 * Arguments a flag only matters with: without them the step never reads it (a token file without a
 * Pushgateway, kube flags when nothing asks the cluster), so a bad value would pass for want of a reader.
 */
const CONTEXTS: Record<string, (w: World) => string[]> = {
  'notify --webhook-url-file': () => ['--fail-on-error', 'true'],
  'metrics --bearer-token-file': () => ['--fail-on-error', 'true'],
  'registry-health --bearer-token-file': (w) => [
    '--pushgateway-url',
    w.pushgateway.url,
    '--fail-on-error',
    'true',
  ],
  'registry-health --job': (w) => ['--pushgateway-url', w.pushgateway.url],
  'registry-health --retries': (w) => ['--pushgateway-url', w.pushgateway.url],
  'registry-health --timeout-seconds': (w) => ['--pushgateway-url', w.pushgateway.url],
  'registry-health --max-retry-after-seconds': (w) => ['--pushgateway-url', w.pushgateway.url],
  'scan-gate --docker-config': (w) => ['--attach', 'true', '--image', `${w.repo}@${w.digest}`],
  'scan-gate --insecure-registry': (w) => ['--attach', 'true', '--image', `${w.repo}@${w.digest}`],
  'scan-gate --ca-file': (w) => ['--attach', 'true', '--image', `${w.repo}@${w.digest}`],
  'retention --kubeconfig': (w) => ['--policy', w.files.retentionPolicyInUse!, ...kube(w)],
  'retention --context': (w) => ['--policy', w.files.retentionPolicyInUse!, ...kube(w)],
  'retention --namespace': (w) => ['--policy', w.files.retentionPolicyInUse!, ...kube(w)],
  'base-image-check --pipelinerun-template': (w) => [
    '--rebuild',
    'write',
    '--pipelinerun-dir',
    join(w.scratch, 'runs'),
  ],
  'base-image-check --pipelinerun-dir': (w) => [
    '--rebuild',
    'write',
    '--pipelinerun-template',
    w.files.pipelineRunTemplate!,
  ],
  'base-image-check --kubeconfig': rebuildInCluster,
  'base-image-check --context': rebuildInCluster,
  'base-image-check --namespace': rebuildInCluster,
  'verify --kubeconfig': (w) => ['--service-account', 'deployer', ...kube(w)],
  'verify --context': (w) => ['--service-account', 'deployer', ...kube(w)],
  'verify --namespace': (w) => ['--service-account', 'deployer', ...kube(w)],
  'backup --inventory': () => ['--verify'],
  'metrics --reports-dir': (w) => ['--pull-durations-file', basename(w.files.pullDurations!)],
  'bundle --docker-config': () => ['--dry-run=false'],
  'bundle --insecure-registry': () => ['--dry-run=false'],
  'bundle --ca-file': () => ['--dry-run=false'],
};

export function context(step: string, flag: string, w: World): string[] {
  return CONTEXTS[`${step} --${flag}`]?.(w) ?? [];
}

function kube(w: World): string[] {
  if (!w.cluster) throw new Error('a Kubernetes step without a cluster');
  return ['--kubeconfig', w.cluster.kubeconfigPath, '--namespace', w.cluster.namespace];
}

/** base-image-check creating its rebuild PipelineRuns in the test cluster. */
function rebuildInCluster(w: World): string[] {
  return ['--rebuild', 'create', '--pipelinerun-template', w.files.pipelineRunTemplate!, ...kube(w)];
}

/** A value of the right kind for a required flag of a step that has no baseline of its own yet. */
function genericValue(step: string, name: string, def: AnyStep, w: World): string {
  const spec = (allFlags(def) as FlagSpecs)[name]!;
  switch (classifyFlag(step, name, spec)) {
    case 'image-ref':
      return `${w.repo}:v1`;
    case 'host':
      return w.registry.host;
    case 'repository':
      return w.repo;
    case 'k8s-name':
      return 'web';
    case 'count':
      return '1';
    case 'input-file':
      return w.files.token!;
    case 'output-file':
    case 'output-dir':
      return join(w.scratch, name);
    case 'input-dir':
      return w.files.context!;
    case 'choice':
      return String(spec.choices?.[0]);
    default:
      return 'hardening';
  }
}

export function baseline(step: string, def: AnyStep, w: World): { argv: string[]; generic: boolean } {
  const own = BASELINES[step];
  if (own) return { argv: own(w), generic: false };
  const argv = Object.entries(allFlags(def) as FlagSpecs)
    .filter(([, spec]) => spec.required)
    .flatMap(([name]) => [`--${name}`, genericValue(step, name, def, w)]);
  if ('dry-run' in allFlags(def)) argv.push('--dry-run');
  return { argv, generic: true };
}

/** The flags named in an argument list. */
function flagNames(args: string[]): string[] {
  return args.filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')[0] as string);
}

/** `base` with the flags `extra` names taken out, then `extra` added: extra wins. */
export function overriding(base: string[], extra: string[]): string[] {
  return flagNames(extra)
    .reduce((argv, flag) => withArgs(argv, flag, []), base)
    .concat(extra);
}

/** The baseline with every occurrence of `--flag` (and its value) replaced by `args`. */
export function withArgs(base: string[], flag: string | undefined, args: string[]): string[] {
  if (!flag) return [...base, ...args];
  const out: string[] = [];
  for (let i = 0; i < base.length; i++) {
    const arg = base[i] as string;
    if (arg === `--${flag}` || arg.startsWith(`--${flag}=`)) {
      const next = base[i + 1];
      if (!arg.includes('=') && next !== undefined && !next.startsWith('--')) i++;
      continue;
    }
    out.push(arg);
  }
  return [...out, ...args];
}
