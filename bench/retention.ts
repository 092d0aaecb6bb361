// Registry retention at scale: `image-lifecycle retention` against the common skopeo script
// (bench/retention-skopeo.sh: list-tags, inspect per tag for the creation date, delete) on the same data, a
// local registry seeded with 10,000 tags over 50 repositories by manifest PUT. Both apply the ADR-0033
// policy (keep the 10 highest versions, anything younger than 30 days, prod/staging/latest).
// Prints medians of RUNS runs (plan = dry run; apply = plan and delete, on a freshly seeded registry each
// time), the registry requests each made (its access log), peak memory (max RSS; for the script, its
// largest process) and whether both chose the same tags.
//
// Usage: node build.mjs && npx tsx bench/retention.ts   (RUNS=3 REPOS=50 TAGS=200 by default; CONCURRENCY=N
// passes --concurrency N to ours; OURS_ONLY=1 skips the script, which takes most of the hour a full run needs)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAccessLine } from '../test/helpers/access-log.js';
import { buildImage } from '../test/helpers/image-content.js';
import { startRegistry, type TestRegistry } from '../test/helpers/registry.js';
import { createSeeder } from '../test/helpers/seed.js';
import { tarArchive } from '../test/helpers/tar.js';

const RUNS = Number(process.env.RUNS ?? 3);
const REPOS = Number(process.env.REPOS ?? 50);
const TAGS = Number(process.env.TAGS ?? 200);
const CONCURRENCY = process.env.CONCURRENCY;
const OURS_ONLY = process.env.OURS_ONLY === '1';
const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = join(root, 'dist', 'image-lifecycle.mjs');
const DAY = 86_400_000;

interface Measured {
  ms: number;
  maxRssMb: number;
  requests: number;
  stdout: string;
  stderr: string;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const repositories = Array.from({ length: REPOS }, (_, i) => `bench/app-${String(i).padStart(2, '0')}`);

/**
 * Per repository: TAGS - 2 versions 1.0.0… (one image each, created one day apart, the newest yesterday),
 * and prod and latest on the newest. Each image has its own config (its date) and shares one layer.
 */
async function seed(registry: TestRegistry): Promise<void> {
  const seeder = createSeeder(registry);
  const now = Date.now();
  const work: Array<() => Promise<void>> = [];
  for (const repo of repositories) {
    const layer = [tarArchive({ 'etc/app': `${repo}\n` })];
    const versions = TAGS - 2;
    // The shared layer goes first, once, so that no manifest is put before it is there.
    const first = buildImage('oci', layer);
    for (const blob of first.layers) await seeder.pushBlob(repo, blob);
    for (let i = 0; i < versions; i++) {
      const created = new Date(now - (versions - i) * DAY + 3_600_000).toISOString();
      const image = buildImage('oci', layer, { created });
      const tags = i === versions - 1 ? [`1.0.${i}`, 'prod', 'latest'] : [`1.0.${i}`];
      work.push(async () => {
        await seeder.pushBlob(repo, image.config);
        for (const tag of tags) await seeder.putRawManifest(repo, tag, image.body, image.mediaType);
      });
    }
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < work.length) await (work[next++] as () => Promise<void>)();
    }),
  );
}

function timed(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Omit<Measured, 'requests'>> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', 'maxrss-kb %M', command, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0)
        return reject(
          new Error(
            `${command} ${args[0]} failed (${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
          ),
        );
      const rss = Number(/maxrss-kb (\d+)/.exec(stderr)?.[1] ?? NaN);
      resolve({ ms, maxRssMb: Math.round(rss / 1024), stdout, stderr });
    });
  });
}

async function measure(
  registry: TestRegistry,
  run: () => Promise<Omit<Measured, 'requests'>>,
): Promise<Measured> {
  const before = (await registry.settledAccessLog()).length;
  const result = await run();
  const requests = (await registry.settledAccessLog()).slice(before).filter((l) => parseAccessLine(l)).length;
  return { ...result, requests };
}

async function main(): Promise<void> {
  if (!existsSync(bundle)) throw new Error('dist/image-lifecycle.mjs is missing: run `node build.mjs` first');
  const work = mkdtempSync(join(tmpdir(), 'bench-retention-'));
  const policy = join(work, 'policy.yaml');
  writeFileSync(
    policy,
    'name: adr-0033\nkeep:\n  newest: 10\n  youngerThan: 30d\n  tags: [prod, staging, latest]\n',
  );
  writeFileSync(join(work, 'auth.json'), '{"auths":{}}');
  const env = {
    ...process.env,
    TMPDIR: work,
    REGISTRY_AUTH_FILE: join(work, 'auth.json'),
    LOG_FORMAT: 'text',
  };
  const ours = (registry: TestRegistry, apply: boolean) =>
    measure(registry, () =>
      timed(
        process.execPath,
        [
          bundle,
          'retention',
          '--policy',
          policy,
          '--registry',
          registry.host,
          '--output',
          'json',
          '--results-dir',
          join(work, 'results'),
          ...(apply ? ['--apply'] : []),
          ...(CONCURRENCY ? ['--concurrency', CONCURRENCY] : []),
        ],
        env,
      ),
    );
  const script = (registry: TestRegistry, apply: boolean) =>
    measure(registry, () =>
      timed(
        'bash',
        [
          join(root, 'bench', 'retention-skopeo.sh'),
          registry.host,
          '10',
          '30',
          String(apply),
          ...repositories,
        ],
        env,
      ),
    );
  const phase = (stderr: string, name: string) =>
    Number(new RegExp(`phase ${name} (\\d+)`).exec(stderr)?.[1]);
  const fresh = async () => {
    const registry = await startRegistry({ auth: 'none' });
    const started = Date.now();
    await seed(registry);
    process.stderr.write(`seeded ${REPOS * TAGS} tags in ${Math.round((Date.now() - started) / 1000)} s\n`);
    return registry;
  };

  try {
    const report: Record<string, unknown> = { runs: RUNS, repositories: REPOS, tags: REPOS * TAGS };
    // Dry runs: ours RUNS times on one registry, the script once on another (its plan phase is also timed in
    // each apply). Separate registries keep each access log within what the harness holds.
    const oursPlans: Measured[] = [];
    let registry = await fresh();
    try {
      for (let i = 0; i < RUNS; i++) oursPlans.push(await ours(registry, false));
    } finally {
      await registry.stop();
    }
    const plan = JSON.parse((oursPlans[0] as Measured).stdout) as {
      decisions: Array<{ repository: string; tag: string | null; action: string }>;
      summary: Record<string, number>;
    };
    const oursDoomed = plan.decisions
      .filter((d) => d.tag !== null && d.action !== 'keep')
      .map((d) => `${d.repository}:${d.tag}`)
      .sort();
    report.plan = plan.summary;

    const oursApplies: Measured[] = [];
    for (let i = 0; i < RUNS; i++) {
      registry = await fresh();
      try {
        oursApplies.push(await ours(registry, true));
      } finally {
        await registry.stop();
      }
      process.stderr.write(`ours apply ${i + 1}: ${Math.round((oursApplies.at(-1) as Measured).ms)} ms\n`);
    }
    const summarize = (runs: Measured[]) => ({
      medianMs: Math.round(median(runs.map((r) => r.ms))),
      requests: median(runs.map((r) => r.requests)),
      peakMemoryMb: Math.max(...runs.map((r) => r.maxRssMb)),
    });
    const dryRun: Record<string, unknown> = { ours: summarize(oursPlans) };
    const apply: Record<string, unknown> = { ours: summarize(oursApplies) };
    Object.assign(report, { dryRun, apply });
    if (!OURS_ONLY) {
      let scriptPlan: Measured;
      registry = await fresh();
      try {
        scriptPlan = await script(registry, false);
      } finally {
        await registry.stop();
      }
      const scriptDoomed = scriptPlan.stdout.trim().split('\n').filter(Boolean).sort();
      report.sameDecisions = JSON.stringify(oursDoomed) === JSON.stringify(scriptDoomed);
      const scriptApplies: Measured[] = [];
      const scriptPlanPhases: number[] = [scriptPlan.ms];
      for (let i = 0; i < RUNS; i++) {
        registry = await fresh();
        try {
          const started = Date.now();
          const run = await script(registry, true);
          scriptApplies.push(run);
          scriptPlanPhases.push(phase(run.stderr, 'plan-done') - started);
        } finally {
          await registry.stop();
        }
        process.stderr.write(
          `script apply ${i + 1}: ${Math.round((scriptApplies.at(-1) as Measured).ms)} ms\n`,
        );
      }
      dryRun.skopeoScript = {
        medianMs: Math.round(median(scriptPlanPhases)),
        requests: scriptPlan.requests,
        peakMemoryMb: scriptPlan.maxRssMb,
        samples: scriptPlanPhases.length,
      };
      apply.skopeoScript = summarize(scriptApplies);
      report.speedup = {
        dryRun: Number((median(scriptPlanPhases) / median(oursPlans.map((r) => r.ms))).toFixed(1)),
        apply: Number(
          (median(scriptApplies.map((r) => r.ms)) / median(oursApplies.map((r) => r.ms))).toFixed(1),
        ),
      };
    }
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
