import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runStepInProcess, type StepRun } from '../../helpers/run-step.js';
import { registryState, type RegistryState } from '../../helpers/registry-state.js';
import type { TestRegistry } from '../../helpers/registry.js';
import { createSeeder, type Seeder } from '../../helpers/seed.js';
import { tarArchive } from '../../helpers/tar.js';
import { referrersFallbackTag } from '../../helpers/image-content.js';
import type { AnyStep } from '../world.js';
import { buildStepStorageFlags, storageIn } from '../../integration/build/sample-base.js';

const REPO_ROOT = resolve(__dirname, '../../..');

/** One run of a scenario: its own repositories under `prefix`, reached through its own proxy. */
export interface ScenarioContext {
  /** e.g. `clean-inspect/`: every repository of the run starts with it. */
  prefix: string;
  /** host:port of the fault proxy in front of `registry`. */
  proxyHost: string;
  registry: TestRegistry;
  /** A second registry reached directly, for steps that read from one registry and write to another. */
  other: TestRegistry;
  seeder: Seeder;
  /** A directory of the run's own. */
  dir: string;
  steps: Map<string, AnyStep>;
}

export interface FaultScenario {
  step: string;
  /** Seeds what the step needs (directly, without faults) and returns its command line. */
  prepare(ctx: ScenarioContext): Promise<string[]>;
  /** What must be the same with and without faults; compared after the prefix is taken out. */
  outcome(ctx: ScenarioContext, run: StepRun): Promise<unknown>;
  /** Tags that must keep their digest after every attempt, finished or not. */
  protectedTags?(ctx: ScenarioContext): Promise<Record<string, Record<string, string>>>;
}

/** An image whose digest depends on `content` alone, so runs under different prefixes compare. */
function image(seeder: Seeder, repo: string, content: string, tag?: string) {
  return seeder.pushImage({ repo, tag, layers: [tarArchive({ 'app/content': `${content}\n` })] });
}

/** The repositories under the prefix, with the prefix taken out. */
export async function stateUnder(registry: TestRegistry, prefix: string): Promise<RegistryState> {
  const all = await registryState(registry);
  return Object.fromEntries(
    Object.entries(all)
      .filter(([repo]) => repo.startsWith(prefix))
      .map(([repo, tags]) => [repo.slice(prefix.length), tags]),
  );
}

/** Tags that are not artifacts' bookkeeping (the referrers fallback index changes with every attached report). */
function withoutReferrerTags(state: RegistryState): RegistryState {
  return Object.fromEntries(
    Object.entries(state).map(([repo, tags]) => [
      repo,
      Object.fromEntries(Object.entries(tags).filter(([tag]) => !/^sha256-[0-9a-f]{64}/.test(tag))),
    ]),
  );
}

async function referrerCount(seeder: Seeder, repo: string, subject: string): Promise<number> {
  const index = await seeder.getManifest(repo, referrersFallbackTag(subject));
  return index
    ? ((JSON.parse(index.body.toString('utf8')) as { manifests?: unknown[] }).manifests ?? []).length
    : 0;
}

function json(run: StepRun): unknown {
  return run.stdout.trim() ? JSON.parse(run.stdout) : undefined;
}

export const SCENARIOS: readonly FaultScenario[] = [
  {
    step: 'inspect',
    async prepare({ seeder, prefix, proxyHost }) {
      await image(seeder, `${prefix}app`, 'v1', 'v1');
      return ['--image', `${proxyHost}/${prefix}app:v1`, '--sibling-tags', '--output', 'json'];
    },
    outcome: async (_ctx, run) => ({ results: run.results, output: json(run) }),
  },
  {
    step: 'compute-tags',
    async prepare({ seeder, prefix, proxyHost }) {
      const v = await image(seeder, `${prefix}app`, 'v1', '1.0.0');
      for (const tag of ['1.1.0', 'v0.9.0', 'latest'])
        await seeder.putRawManifest(`${prefix}app`, tag, v.body, v.mediaType);
      return [
        '--ref',
        'refs/tags/v1.2.0',
        '--sha',
        'a'.repeat(40),
        '--from-registry',
        `${proxyHost}/${prefix}app`,
      ];
    },
    outcome: async (_ctx, run) => run.results,
  },
  {
    step: 'tag',
    async prepare({ seeder, prefix, proxyHost }) {
      await image(seeder, `${prefix}app`, 'old', '1.0.0');
      const next = await image(seeder, `${prefix}app`, 'new');
      return [
        '--image',
        `${proxyHost}/${prefix}app@${next.digest}`,
        '--tags',
        '1.1.0,1.1,latest,1.0.0',
        '--immutable-tags',
        '1.1.0,1.0.0',
      ];
    },
    outcome: async ({ registry, prefix }, run) => ({
      state: await stateUnder(registry, prefix),
      results: run.results,
    }),
    protectedTags: async ({ registry, prefix }) => {
      const state = await stateUnder(registry, prefix);
      return { app: { '1.0.0': state.app?.['1.0.0'] ?? 'missing' } };
    },
  },
  {
    step: 'promote',
    async prepare({ seeder, prefix, proxyHost }) {
      await image(seeder, `${prefix}app`, 'running', 'prod');
      const next = await image(seeder, `${prefix}app`, 'candidate', '1.1.0');
      return [
        '--image',
        `${proxyHost}/${prefix}app@${next.digest}`,
        '--environment',
        'prod',
        '--actor',
        'ci',
        '--run',
        'r1',
      ];
    },
    async outcome({ registry, prefix, seeder }, run) {
      const state = await stateUnder(registry, prefix);
      const promoted = run.results.PROMOTED_DIGEST ?? '';
      return {
        state: withoutReferrerTags(state),
        previous: run.results.PREVIOUS_DIGEST,
        promoted,
        records: await referrerCount(seeder, `${prefix}app`, promoted),
      };
    },
  },
  {
    step: 'registry-health',
    async prepare({ seeder, prefix, proxyHost }) {
      await image(seeder, `${prefix}app`, 'v1', 'v1');
      return [
        '--registry',
        proxyHost,
        '--canary-image',
        `${proxyHost}/${prefix}app:v1`,
        '--scratch-repository',
        `${prefix}scratch`,
        '--storage-repository',
        `${prefix}app`,
        '--samples',
        '3',
        '--max-latency-ms',
        '600000',
      ];
    },
    outcome: async ({ registry, prefix }, run) => ({
      healthy: run.results.HEALTHY,
      storage: run.results.STORAGE_BYTES,
      state: await stateUnder(registry, prefix),
    }),
  },
  {
    step: 'scan-gate',
    async prepare({ seeder, prefix, proxyHost, dir }) {
      const subject = await image(seeder, `${prefix}app`, 'scanned', 'v1');
      const report = join(dir, 'trivy.json');
      copyFileSync(join(REPO_ROOT, 'test/fixtures/scan/trivy-clean.json'), report);
      return [
        '--report',
        report,
        '--image',
        `${proxyHost}/${prefix}app@${subject.digest}`,
        '--attach',
        'true',
      ];
    },
    async outcome({ registry, prefix, seeder }) {
      const state = await stateUnder(registry, prefix);
      const subject = state.app?.v1 ?? '';
      return {
        tags: Object.keys(withoutReferrerTags(state).app ?? {}),
        reports: await referrerCount(seeder, `${prefix}app`, subject),
      };
    },
  },
  {
    step: 'compliance-report',
    async prepare({ seeder, prefix, proxyHost }) {
      await image(seeder, `${prefix}app`, 'v1', 'v1');
      await image(seeder, `${prefix}app`, 'v2', 'prod');
      return [
        '--repository',
        `${proxyHost}/${prefix}app`,
        '--production-tag',
        'prod',
        '--at',
        '2026-01-01T00:00:00Z',
      ];
    },
    outcome: async (_ctx, run) => run.results,
  },
  {
    step: 'retention',
    async prepare({ seeder, prefix, proxyHost, dir }) {
      for (let i = 1; i <= 6; i++) await image(seeder, `${prefix}app`, `release ${i}`, `1.0.${i}`);
      await image(seeder, `${prefix}app`, 'untagged');
      const policy = join(dir, 'policy.yaml');
      writeFileSync(
        policy,
        'name: faults\nrepositories: {include: ["*"]}\nkeep: {newest: 2}\ndelete: {untagged: true, tagPatterns: ["*"]}\nprotectInUse: false\nage: {unknown: old}\n',
      );
      return ['--policy', policy, '--registry', proxyHost, '--repository', `${prefix}app`, '--apply'];
    },
    outcome: async ({ registry, prefix }) => stateUnder(registry, prefix),
    protectedTags: async ({ registry, prefix }) => {
      const app = (await stateUnder(registry, prefix)).app ?? {};
      return { app: { '1.0.5': app['1.0.5'] ?? 'missing', '1.0.6': app['1.0.6'] ?? 'missing' } };
    },
  },
  {
    step: 'backup',
    async prepare({ seeder, prefix, proxyHost }) {
      await image(seeder, `${prefix}app`, 'v1', 'v1');
      await image(seeder, `${prefix}app`, 'v2', 'prod');
      return [
        '--source-registry',
        proxyHost,
        '--backup-registry',
        proxyHost,
        '--repository',
        `${prefix}app`,
        '--prefix',
        `${prefix}bk`,
        '--inventory-repository',
        `${prefix}inventory`,
      ];
    },
    async outcome({ registry, prefix }) {
      const state = await stateUnder(registry, prefix);
      // The inventory is dated; what it lists is in the copies.
      return {
        copies: Object.fromEntries(Object.entries(state).filter(([repo]) => repo.startsWith('bk/'))),
        inventories: Object.keys(state.inventory ?? {}).length > 0,
      };
    },
    protectedTags: async ({ registry, prefix }) => ({ app: (await stateUnder(registry, prefix)).app ?? {} }),
  },
  {
    step: 'restore',
    async prepare({ prefix, proxyHost, other, steps }) {
      // The backup lives on the other registry (made without faults); the restore writes through the proxy.
      const source = createSeeder(other);
      await image(source, `${prefix}app`, 'v1', 'v1');
      await image(source, `${prefix}app`, 'v2', 'prod');
      const made = await runStepInProcess(steps.get('backup')!, [
        '--source-registry',
        other.host,
        '--backup-registry',
        other.host,
        '--repository',
        `${prefix}app`,
        '--prefix',
        `${prefix}bk`,
        '--inventory-repository',
        `${prefix}inventory`,
      ]);
      if (made.code !== 0) throw new Error(`backup for the restore scenario failed: ${made.stderr}`);
      return [
        '--backup-registry',
        other.host,
        '--target-registry',
        proxyHost,
        '--inventory-repository',
        `${prefix}inventory`,
        '--repository',
        `${prefix}app`,
      ];
    },
    outcome: async ({ registry, prefix }, run) => ({
      state: await stateUnder(registry, prefix),
      restored: run.results.RESTORED_TAGS,
    }),
  },
  {
    step: 'verify',
    async prepare({ seeder, prefix, proxyHost }) {
      await image(seeder, `${prefix}app`, 'v1', 'v1');
      return ['--image', `${proxyHost}/${prefix}app:v1`, '--verify-config', 'true'];
    },
    outcome: async (_ctx, run) => run.results,
  },
  {
    step: 'base-image-check',
    async prepare({ seeder, prefix, proxyHost }) {
      await image(seeder, `${prefix}app`, 'v1', 'v1');
      return ['--image', `${proxyHost}/${prefix}app:v1`];
    },
    outcome: async (_ctx, run) => run.results,
  },
  {
    step: 'build',
    async prepare({ prefix, proxyHost, dir }) {
      const context = join(dir, 'context');
      mkdirSync(context, { recursive: true });
      writeFileSync(join(context, 'Containerfile'), 'FROM scratch\nCOPY hello /hello\n');
      writeFileSync(join(context, 'hello'), 'hello\n');
      return [
        '--image',
        `${proxyHost}/${prefix}app:1`,
        '--context',
        context,
        ...buildStepStorageFlags(storageIn(dir, 'build')),
        '--layers',
        'false',
        '--retry-delay-ms',
        '200',
      ];
    },
    // The image's config carries its build time, so two builds differ in digest: what must match is that
    // the tag exists and names the digest the step reported.
    async outcome({ registry, prefix }, run) {
      const app = (await stateUnder(registry, prefix)).app ?? {};
      return { tags: Object.keys(app), reported: app['1'] === run.results.IMAGE_DIGEST };
    },
  },
  {
    step: 'bundle',
    async prepare({ prefix, proxyHost, dir }) {
      const tasks = join(dir, 'tasks', 'image-inspect');
      mkdirSync(tasks, { recursive: true });
      copyFileSync(
        join(REPO_ROOT, 'tasks/image-inspect/image-inspect.yaml'),
        join(tasks, 'image-inspect.yaml'),
      );
      return ['--prefix', `${proxyHost}/${prefix}lib`, '--path', join(dir, 'tasks'), '--tag', '1.0.0'];
    },
    outcome: async ({ registry, prefix }) => stateUnder(registry, prefix),
  },
];
