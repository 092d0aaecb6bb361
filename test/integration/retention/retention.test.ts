import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { step } from '../../../steps/retention/main.js';
import type { Plan } from '../../../steps/lib/retention/model.js';
import { runCli } from '../../helpers/cli.js';
import { startFaultProxy } from '../../helpers/fault-proxy.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runStepInProcess } from '../../helpers/run-step.js';
import { createSeeder, type Seeder } from '../../helpers/seed.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';
import { ADR_POLICY, image, present, push, scenarios, tagsNow, writePolicy, young } from './scenarios.js';

let registry: TestRegistry;
let seeder: Seeder;
let dir: string;

beforeAll(async () => {
  registry = await startRegistry();
  seeder = createSeeder(registry);
  dir = makeTempDir('retention');
});
afterAll(async () => {
  await registry?.stop();
});

function retention(host: string, policyPath: string, repository: string, ...extra: string[]) {
  return runStepInProcess(step, [
    '--policy',
    policyPath,
    '--registry',
    host,
    '--repository',
    repository,
    '--output',
    'json',
    ...extra,
  ]);
}

describe.each(scenarios.map((s) => [s.name, s] as const))('on the real registry: %s', (_name, scenario) => {
  test('the dry run changes nothing; the apply leaves exactly the expected tags and digests', async () => {
    const expected = await scenario.seed(seeder);
    const policy = writePolicy(dir, scenario);
    const before = await tagsNow(seeder, scenario.repository);

    const dry = await retention(registry.host, policy, scenario.repository);
    expect(dry.stderr).not.toMatch(/ERROR/);
    expect(dry).toExitWith(0);
    const plan = JSON.parse(dry.stdout) as Plan;
    expect(plan.dryRun).toBe(true);
    expect(await tagsNow(seeder, scenario.repository)).toEqual(before);

    const applied = await retention(registry.host, policy, scenario.repository, '--apply');
    expect(applied.stderr).not.toMatch(/ERROR/);
    expect(applied).toExitWith(0);
    const done = JSON.parse(applied.stdout) as Plan;
    expect(done.dryRun).toBe(false);
    expect(done.summary.skipped).toBe(0);

    expect(await tagsNow(seeder, scenario.repository)).toEqual(expected.tags);
    expect(await present(seeder, scenario.repository, expected.present)).toEqual(expected.present);
    expect(await present(seeder, scenario.repository, expected.absent)).toEqual([]);
    // What the step says it did is what happened, and what it planned.
    expect(done.summary.tagsDeleted).toBe(Object.keys(before).length - Object.keys(expected.tags).length);
    expect(done.summary.tagsDeleted).toBe(plan.summary.tagsDeleted);
    expect(done.summary.manifestsDeleted).toBe(plan.summary.manifestsDeleted);

    // A second run finds nothing left to do.
    const again = await retention(registry.host, policy, scenario.repository, '--apply');
    expect((JSON.parse(again.stdout) as Plan).summary).toEqual(
      expect.objectContaining({ tagsDeleted: 0, manifestsDeleted: 0 }),
    );
  }, 180_000);
});

describe('output contract', () => {
  test('--output json and --plan-file carry exactly the documented fields', async () => {
    const repo = 'contract/app';
    for (let i = 0; i < 3; i++) await push(seeder, repo, `1.0.${i}`, image(repo, `c${i}`));
    const policy = writePolicy(dir, { repository: repo, policy: 'name: contract\nkeep: {newest: 1}' });
    const planFile = join(dir, 'contract-plan.json');
    const run = await retention(registry.host, policy, repo, '--plan-file', planFile);
    expect(run).toExitWith(0);
    const plan = JSON.parse(run.stdout) as Plan;
    expect(JSON.parse(readFileSync(planFile, 'utf8'))).toEqual(plan);
    expect(Object.keys(plan).sort()).toEqual(['decisions', 'dryRun', 'policy', 'summary']);
    expect(plan.policy).toBe('contract');
    expect(Object.keys(plan.summary).sort()).toEqual([
      'manifestsDeleted',
      'reclaimableBytes',
      'repositories',
      'skipped',
      'tagsDeleted',
      'tagsKept',
    ]);
    for (const d of plan.decisions) {
      expect(Object.keys(d).sort()).toEqual(['action', 'digest', 'reasons', 'repository', 'tag']);
      expect(d.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(d.reasons.length).toBeGreaterThan(0);
    }
    expect(plan.decisions.map((d) => [d.tag, d.action])).toEqual([
      ['1.0.0', 'delete'],
      ['1.0.1', 'delete'],
      ['1.0.2', 'keep'],
    ]);
    expect(plan.summary).toEqual({
      repositories: 1,
      tagsKept: 1,
      tagsDeleted: 2,
      manifestsDeleted: 2,
      reclaimableBytes: expect.any(Number),
      skipped: 0,
    });
    expect(plan.summary.reclaimableBytes).toBeGreaterThan(0);
    expect(JSON.parse(run.results.RETENTION_SUMMARY as string)).toEqual({
      dryRun: true,
      policy: 'contract',
      ...plan.summary,
    });
  });

  test('the CLI prints a table, the summary, and the garbage-collection reminder', async () => {
    const repo = 'contract/text';
    for (let i = 0; i < 3; i++) await push(seeder, repo, `2.0.${i}`, image(repo, `t${i}`));
    const policy = writePolicy(dir, { repository: repo, policy: 'name: text\nkeep: {newest: 2}' });
    const out = await runCli([
      'retention',
      '--policy',
      policy,
      '--registry',
      registry.host,
      '--repository',
      repo,
      '--results-dir',
      join(dir, 'cli-results'),
    ]);
    expect(out).toExitWith(0);
    const lines = out.stdout.split('\n');
    expect(lines[0]).toMatch(/^REPOSITORY\s+TAG\s+DIGEST\s+ACTION\s+REASON$/);
    expect(lines[1]).toMatch(
      /^contract\/text\s+2\.0\.0\s+sha256:[a-f0-9]{12}\s+delete\s+beyond the 2 highest versions \(#3\)$/,
    );
    expect(out.stdout).toMatch(
      /Plan \(policy text\): 1 repositories, 2 tags kept, 1 tags to delete, 1 manifests to delete, [\d.]+ \w*B reclaimable, 0 skipped/,
    );
    expect(out.stdout).toMatch(/Dry run: nothing was changed/);
    expect(out.stdout).toMatch(/registry garbage-collect/);
  });
});

describe('compare-and-delete between plan and apply', () => {
  test('a doomed tag moved after planning is skipped and keeps its new image; a kept tag moved onto a doomed digest saves the digest', async () => {
    const repo = 'moved/app';
    const digests: string[] = [];
    for (let i = 0; i < 13; i++)
      digests.push((await push(seeder, repo, `1.0.${i}`, image(repo, `m${i}`))).digest);
    const stableBefore = await push(seeder, repo, 'stable', image(repo, 'm12'));
    const policy = writePolicy(dir, { repository: repo, policy: ADR_POLICY });
    const planFile = join(dir, 'moved-plan.json');
    const planned = await retention(registry.host, policy, repo, '--plan-file', planFile);
    expect(
      (JSON.parse(planned.stdout) as Plan).decisions.filter((d) => d.action === 'delete').map((d) => d.tag),
    ).toEqual(['1.0.0', '1.0.1', '1.0.2']);

    // Between plan and apply: 1.0.0 is pushed again (new image), stable is moved onto 1.0.1's doomed digest.
    const repushed = await push(seeder, repo, '1.0.0', image(repo, 'rebuilt', young()));
    await push(seeder, repo, 'stable', image(repo, 'm1'));
    expect(stableBefore.digest).toBe(digests[12]);

    const applied = await retention(registry.host, policy, repo, '--apply-plan', planFile, '--apply');
    expect(applied).toExitWith(0);
    const done = JSON.parse(applied.stdout) as Plan;
    expect(done.summary.skipped).toBe(1);
    const byTag = Object.fromEntries(done.decisions.map((d) => [d.tag, d]));
    expect(byTag['1.0.0']?.action).toBe('keep');
    expect(byTag['1.0.0']?.reasons.at(-1)).toMatch(
      /^skipped: tag moved to sha256:[a-f0-9]{12} since planning$/,
    );
    // 1.0.1 still goes, as planned, but only the tag: its digest now carries stable.
    expect(byTag['1.0.1']?.action).toBe('untag');
    expect(byTag['1.0.1']?.reasons.at(-1)).toBe(
      'its manifest is now kept by something else, so only the tag goes',
    );
    expect(byTag['1.0.2']?.action).toBe('delete');

    const after = await tagsNow(seeder, repo);
    expect(after['1.0.0']).toBe(repushed.digest);
    expect(after.stable).toBe(digests[1]);
    expect(after['1.0.1']).toBeUndefined();
    expect(after['1.0.2']).toBeUndefined();
    expect(
      await present(seeder, repo, [digests[0] as string, digests[1] as string, digests[2] as string]),
    ).toEqual([digests[0], digests[1]]);
  });

  test('--apply-plan without --apply only checks the plan against the registry', async () => {
    const repo = 'moved/check';
    for (let i = 0; i < 3; i++) await push(seeder, repo, `3.0.${i}`, image(repo, `k${i}`));
    const policy = writePolicy(dir, { repository: repo, policy: 'name: check\nkeep: {newest: 1}' });
    const planFile = join(dir, 'check-plan.json');
    await retention(registry.host, policy, repo, '--plan-file', planFile);
    await push(seeder, repo, '3.0.0', image(repo, 'k9', young()));
    const before = await tagsNow(seeder, repo);
    const checked = await retention(registry.host, policy, repo, '--apply-plan', planFile);
    expect(checked).toExitWith(0);
    const plan = JSON.parse(checked.stdout) as Plan;
    expect(plan.dryRun).toBe(true);
    expect(plan.summary.skipped).toBe(1);
    expect(plan.decisions.find((d) => d.tag === '3.0.1')?.action).toBe('delete');
    expect(await tagsNow(seeder, repo)).toEqual(before);
  });

  test('a plan for a repository that is gone by now finds everything already done', async () => {
    const planFile = join(dir, 'gone-plan.json');
    const digest = 'sha256:' + 'ab'.repeat(32);
    const plan: Plan = {
      dryRun: true,
      policy: 'check',
      decisions: [
        { repository: 'gone/app', tag: '0.0.1', digest, action: 'delete', reasons: ['old'] },
        {
          repository: 'gone/app',
          tag: '0.0.2',
          digest: 'sha256:' + 'cd'.repeat(32),
          action: 'untag',
          reasons: ['old'],
        },
      ],
      summary: {
        repositories: 1,
        tagsKept: 0,
        tagsDeleted: 2,
        manifestsDeleted: 1,
        reclaimableBytes: 0,
        skipped: 0,
      },
    };
    writeFileSync(planFile, JSON.stringify(plan));
    const policy = writePolicy(dir, { repository: 'gone/app', policy: 'name: check\nkeep: {newest: 1}' });
    const run = await retention(registry.host, policy, 'gone/app', '--apply-plan', planFile, '--apply');
    expect(run.stderr).not.toMatch(/ERROR/);
    expect(run).toExitWith(0);
    const done = JSON.parse(run.stdout) as Plan;
    expect(done.decisions.map((d) => [d.tag, d.action, d.reasons.at(-1)])).toEqual([
      ['0.0.1', 'delete', 'already gone when applied'],
      ['0.0.2', 'untag', 'already gone'],
    ]);
    expect(done.summary.skipped).toBe(0);
  });

  test('a plan made with another policy is refused, naming both', async () => {
    const repo = 'moved/check';
    const planFile = join(dir, 'check-plan.json');
    const other = writePolicy(dir, { repository: 'other/x', policy: 'name: other\nkeep: {newest: 1}' });
    const run = await retention(registry.host, other, repo, '--apply-plan', planFile, '--apply');
    expect(run).toExitWith(2);
    expect(run.stderr).toMatch(
      /--apply-plan .*check-plan\.json: made with policy "check", but --policy is "other"/,
    );
  });
});

describe('a registry that refuses DELETE', () => {
  let readOnly: TestRegistry;
  beforeAll(async () => {
    readOnly = await startRegistry({ deleteEnabled: false });
  });
  afterAll(async () => {
    await readOnly?.stop();
  });

  test('stops with a clear message (exit 2) before deleting or untagging anything; the dry run warns', async () => {
    const scenario = scenarios[0] as (typeof scenarios)[number];
    const ro = createSeeder(readOnly);
    await scenario.seed(ro);
    const before = await tagsNow(ro, scenario.repository);
    const policy = writePolicy(dir, scenario);
    const dry = await retention(readOnly.host, policy, scenario.repository);
    expect(dry).toExitWith(0);
    expect(dry.stderr).toMatch(
      /WARN: 127\.0\.0\.1:\d+ refuses DELETE of manifests .*--apply would stop before deleting anything/,
    );
    const run = await retention(readOnly.host, policy, scenario.repository, '--apply');
    expect(run).toExitWith(2);
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(
      /^ERROR: 127\.0\.0\.1:\d+ refuses to delete manifests .*storage\.delete\.enabled: true.*nothing was deleted$/,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(await tagsNow(ro, scenario.repository)).toEqual(before);
  });
});

describe('a run stopped half way', () => {
  test('running again converges to the same end state, and nothing kept was lost in between', async () => {
    const scenario = scenarios.find((s) => s.repository === 'scenarios/signed') as (typeof scenarios)[number];
    const repo = 'crash/signed';
    const expected = await scenario.seed.call({ ...scenario, repository: repo }, seeder);
    const policy = writePolicy(dir, { ...scenario, repository: repo });
    const proxy = await startFaultProxy({ target: registry.url });
    try {
      // Healthy until the deletions start, then an outage that outlasts the retries.
      let deletes = 0;
      proxy.setPlan({
        script: (req) =>
          req.method === 'DELETE' && !req.path.includes('0000000000') && ++deletes === 2
            ? 'persistent503'
            : undefined,
      });
      const crashed = await retention(proxy.host, policy, repo, '--apply');
      expect(crashed).toExitWith(3);
      expect(crashed.stderr).toMatch(/stopped after \d+ operations; running again finishes the job/);
      proxy.recover();
      proxy.setPlan(undefined);
      const kept = await tagsNow(seeder, repo);
      for (const [tag, digest] of Object.entries(expected.tags)) expect(kept[tag]).toBe(digest);
      expect(await present(seeder, repo, expected.present)).toEqual(expected.present);

      const resumed = await retention(proxy.host, policy, repo, '--apply');
      expect(resumed).toExitWith(0);
      expect(await tagsNow(seeder, repo)).toEqual(expected.tags);
      expect(await present(seeder, repo, expected.absent)).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });
});

describe('--concurrency', () => {
  test('bounds the requests in flight at the registry, whatever the planner fans out', async () => {
    const repo = 'concurrency/app';
    await Promise.all(
      Array.from({ length: 24 }, (_, i) => push(seeder, repo, `1.0.${i}`, image(repo, `v${i}`))),
    );
    const policy = writePolicy(dir, { policy: ADR_POLICY, repository: repo });
    // Every answer is slowed, so requests the client allows at once pile up at the proxy.
    const proxy = await startFaultProxy({
      target: registry.url,
      plan: { script: () => ({ kind: 'delay', ms: 40 }) },
    });
    try {
      const peaks: Record<string, number> = {};
      for (const concurrency of ['2', '16']) {
        proxy.resetCounts();
        const run = await retention(proxy.host, policy, repo, '--concurrency', concurrency);
        expect(run).toExitWith(0);
        peaks[concurrency] = proxy.counts().peakInFlight;
      }
      // 2 is a ceiling; 16 lets more through than the client's old fixed 8.
      expect(peaks['2']).toBe(2);
      expect(peaks['16']).toBeGreaterThan(8);
    } finally {
      await proxy.stop();
    }
  });
});
