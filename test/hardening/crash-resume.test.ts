import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startCli, type CliResult } from '../helpers/cli.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { seededRandom } from '../helpers/faults.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { getDeployment } from '../../steps/lib/kube/index.js';
import { canaryStateOf, deployStable, imageOf, replicasOrZero } from '../integration/canary/fixtures.js';
import { tarArchive } from '../helpers/tar.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import type { StepRun } from '../helpers/run-step.js';
import { addRunSummary } from '../helpers/run-summary.js';
import { createSeeder } from '../helpers/seed.js';
import { makeTempDir } from '../helpers/temp-dirs.js';
import { SCENARIOS, type FaultScenario, type ScenarioContext } from './faults/scenarios.js';
import { loadSteps, type AnyStep } from './world.js';

// The steps that change things in several moves (retention, tag and backup on a registry, canary on a
// cluster), killed with SIGKILL at seeded random moments in the middle of their work and run again: they must
// converge to the end state of a run that was never interrupted, and never lose a protected tag on the way.
// Every registry request is slowed by 40 ms so that the moments fall inside the work, not before or after it.

const KILLS = 3;
// backup is not in the list yet: its uninterrupted run through the slowed proxy ended with exit 1 in one
// clean-clone run, so its baseline needs understanding first (issue 11 stays open for it).
const STEPS = ['retention', 'tag', 'backup'];

let registry: TestRegistry;
let other: TestRegistry;
let cluster: TestCluster;
let defs: Map<string, AnyStep>;
/** How long the CLI takes to start: kills are placed after it, in the work. */
let startupMs: number;
const summary: string[] = [];

beforeAll(async () => {
  [registry, other, cluster, defs] = await Promise.all([
    startRegistry(),
    startRegistry(),
    startTestCluster(),
    loadSteps(),
  ]);
  const started = Date.now();
  await startCli(['inspect', '--help']).done;
  startupMs = Date.now() - started;
}, 60_000);
afterAll(async () => {
  await Promise.all([registry?.stop(), other?.stop(), cluster?.stop()]);
  addRunSummary(
    'hardening-crash-resume',
    `Crash and resume (SIGKILL ${KILLS}× at seeded moments, then a full run):\n${summary.sort().join('\n')}`,
  );
});

interface Setup {
  ctx: ScenarioContext;
  proxy: FaultProxy;
  argv: string[];
  results: string;
}

async function setUp(scenario: FaultScenario, label: string): Promise<Setup> {
  const proxy = await startFaultProxy({
    target: registry.url,
    plan: { script: () => ({ kind: 'delay', ms: 40 }) },
  });
  const dir = makeTempDir(`crash-${scenario.step}`);
  const ctx: ScenarioContext = {
    prefix: `${label}-${scenario.step}/`,
    proxyHost: proxy.host,
    registry,
    other,
    seeder: createSeeder(registry),
    dir,
    steps: defs,
  };
  const results = join(dir, 'results');
  mkdirSync(results);
  return { ctx, proxy, argv: await scenario.prepare(ctx), results };
}

/** A CLI run in the shape the scenarios' outcome functions read. */
function asStepRun(run: CliResult, results: string): StepRun {
  const files = Object.fromEntries(
    readdirSync(results).map((name) => [name, readFileSync(join(results, name), 'utf8')]),
  );
  return { code: run.code ?? -1, stdout: run.stdout, stderr: run.stderr, results: files };
}

function normalized(value: unknown, ctx: ScenarioContext): unknown {
  return JSON.parse(
    JSON.stringify(value ?? null)
      .split(ctx.prefix)
      .join('P/')
      .split(ctx.proxyHost)
      .join('PROXY'),
  );
}

async function complete(scenario: FaultScenario, setup: Setup): Promise<{ run: StepRun; ms: number }> {
  rmSync(setup.results, { recursive: true, force: true });
  mkdirSync(setup.results);
  const started = Date.now();
  const { done } = startCli([scenario.step, ...setup.argv, '--results-dir', setup.results], {
    timeoutMs: 120_000,
  });
  const run = asStepRun(await done, setup.results);
  return { run, ms: Date.now() - started };
}

describe.each(
  STEPS.map((step, i) => [step, SCENARIOS.find((s) => s.step === step)!, 104729 * (i + 1)] as const),
)('%s killed mid-way', (name, scenario, seed) => {
  test('converges, run after run, to the state of an uninterrupted run, never losing a protected tag', async () => {
    const reference = await setUp(scenario, 'whole');
    const crashed = await setUp(scenario, 'killed');
    try {
      const whole = await complete(scenario, reference);
      // The reference did its work: done, or a gate's answer (tag refuses to move an immutable tag).
      expect({
        code: whole.run.code,
        trouble: /internal error|gave up|unreachable/.test(whole.run.stderr),
      }).toEqual({
        code: whole.run.code <= 1 ? whole.run.code : 'done or a gate',
        trouble: false,
      });
      const expected = normalized(await scenario.outcome(reference.ctx, whole.run), reference.ctx);

      const guarded = await scenario.protectedTags?.(crashed.ctx);
      const random = seededRandom(seed);
      const moments: number[] = [];
      for (let kill = 0; kill < KILLS; kill++) {
        // Anywhere in the work an uninterrupted run did, once the process has started.
        const at = Math.round(startupMs + random() * Math.max(0, whole.ms - startupMs));
        moments.push(at);
        const { child, done } = startCli([name, ...crashed.argv, '--results-dir', crashed.results]);
        const timer = setTimeout(() => child.kill('SIGKILL'), at);
        const ended = await done;
        clearTimeout(timer);
        // Killed (no code), or finished before the moment came.
        expect({ code: [0, 1, null].includes(ended.code), stderr: ended.stderr }).toEqual({
          code: true,
          stderr: ended.stderr,
        });
        expect(ended.stderr).not.toMatch(/internal error|^\s+at /m);
        if (guarded) expect(await scenario.protectedTags!(crashed.ctx)).toEqual(guarded);
      }
      const resumed = await complete(scenario, crashed);
      expect(resumed.run.code).toBe(whole.run.code);
      expect(normalized(await scenario.outcome(crashed.ctx, resumed.run), crashed.ctx)).toEqual(expected);
      summary.push(
        `  ${name.padEnd(10)} killed at ${moments.map((m) => `${m} ms`).join(', ')} of a ${whole.ms} ms run; converged`,
      );
    } finally {
      await Promise.all([reference.proxy.stop(), crashed.proxy.stop()]);
    }
  }, 180_000);
});

describe('canary killed mid-way', () => {
  /** A canary by replica ratio in three moves, slow enough to be caught in the middle. */
  const args = (app: string, image: string) => [
    'canary',
    '--deployment',
    app,
    '--image',
    image,
    '--run',
    `run-${app}`,
    '--traffic',
    'replicas',
    '--steps',
    '[{setWeight: 50}, {pause: {duration: 1s}}, {setWeight: 100}]',
    '--poll-interval',
    '100ms',
    '--rollout-timeout',
    '30s',
    '--ready-timeout',
    '30s',
    '--kubeconfig',
    cluster.kubeconfigPath,
    '--results-dir',
    makeTempDir(`canary-${app}`),
  ];
  const endState = async (app: string) => {
    const client = cluster.client();
    return {
      image: imageOf(await getDeployment(client, app)),
      replicas: await replicasOrZero(client, app),
      canaryReplicas: await replicasOrZero(client, `${app}-canary`),
      phase: (await canaryStateOf(client, app))?.phase,
    };
  };

  test('run again under the same PipelineRun, it resumes and ends as an uninterrupted canary did', async () => {
    const seeder = createSeeder(registry);
    const [v1, v2] = await Promise.all(
      ['v1', 'v2'].map((v) =>
        seeder.pushImage({ repo: 'crash/web', tag: v, layers: [tarArchive({ version: `${v}\n` })] }),
      ),
    );
    const image = (d: string) => `${registry.host}/crash/web@${d}`;
    const client = cluster.client();
    await deployStable(client, cluster.namespace, 'whole', image(v1!.digest), 2);
    await deployStable(client, cluster.namespace, 'killed', image(v1!.digest), 2);

    const started = Date.now();
    const whole = await startCli(args('whole', image(v2!.digest)), { timeoutMs: 120_000 }).done;
    const wholeMs = Date.now() - started;
    expect({ code: whole.code, stderr: whole.stderr }).toEqual({
      code: 0,
      stderr: expect.not.stringMatching(/ERROR/),
    });
    const expected = await endState('whole');

    const random = seededRandom(1299709);
    const moments: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const at = Math.round(startupMs + random() * Math.max(0, wholeMs - startupMs));
      moments.push(at);
      const { child, done } = startCli(args('killed', image(v2!.digest)));
      const timer = setTimeout(() => child.kill('SIGKILL'), at);
      const ended = await done;
      clearTimeout(timer);
      expect([0, null]).toContain(ended.code);
      // Whatever the moment, the stable keeps serving: never scaled to nothing while the canary has no pod.
      const now = await endState('killed');
      expect(now.replicas + now.canaryReplicas).toBeGreaterThanOrEqual(1);
    }
    const resumed = await startCli(args('killed', image(v2!.digest)), { timeoutMs: 120_000 }).done;
    expect({ code: resumed.code, stderr: resumed.stderr }).toEqual({
      code: 0,
      stderr: expect.not.stringMatching(/ERROR/),
    });
    expect(await endState('killed')).toEqual(expected);
    summary.push(
      `  canary     killed at ${moments.map((m) => `${m} ms`).join(', ')} of a ${wholeMs} ms run; converged`,
    );
  }, 240_000);
});
