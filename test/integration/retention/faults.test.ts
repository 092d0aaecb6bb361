import { step } from '../../../steps/retention/main.js';
import { startFaultProxy, type FaultProxy } from '../../helpers/fault-proxy.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runStepInProcess } from '../../helpers/run-step.js';
import { createSeeder, type Seeder } from '../../helpers/seed.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';
import { present, scenarios, tagsNow, writePolicy, type Expectation } from './scenarios.js';

let registry: TestRegistry;
let proxy: FaultProxy;
let seeder: Seeder;
let dir: string;

beforeAll(async () => {
  registry = await startRegistry();
  seeder = createSeeder(registry);
  dir = makeTempDir('retention-faults');
  proxy = await startFaultProxy({ target: registry.url });
});
afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
});

/** Tags and digests that must stay must be there after every run, finished or not. */
async function assertNothingKeptLost(repo: string, expected: Expectation): Promise<void> {
  const now = await tagsNow(seeder, repo);
  for (const [tag, digest] of Object.entries(expected.tags)) expect([tag, now[tag]]).toEqual([tag, digest]);
  expect(await present(seeder, repo, expected.present)).toEqual(expected.present);
}

// The same scenarios as on the healthy registry, each apply through a proxy that answers 20% of the
// requests with 429 (Retry-After 1 s), 503 or a reset connection.
describe.each(scenarios.map((s) => [s.name, s] as const))('through 20%% faults: %s', (_name, scenario) => {
  test('ends in the same surviving set, and never loses a kept tag or digest on the way', async () => {
    const repo = scenario.repository.replace('scenarios/', 'faults/');
    const expected = await scenario.seed.call({ ...scenario, repository: repo }, seeder);
    const policy = writePolicy(dir, { ...scenario, repository: repo });
    proxy.setPlan({
      seed: repo.length * 7919,
      rate: 0.2,
      kinds: ['429', '503', 'reset'],
      retryAfterSeconds: 1,
    });
    proxy.resetCounts();
    // A run that meets more faults in a row than the retries allow stops (exit 3); running again converges.
    const codes: number[] = [];
    for (let attempt = 0; attempt < 4 && codes.at(-1) !== 0; attempt++) {
      const run = await runStepInProcess(step, [
        '--policy',
        policy,
        '--registry',
        proxy.host,
        '--repository',
        repo,
        '--apply',
        '--output',
        'json',
      ]);
      codes.push(run.code);
      expect([0, 3]).toContain(run.code);
      await assertNothingKeptLost(repo, expected);
    }
    expect(codes.at(-1)).toBe(0);
    const faults = proxy.counts().faults;
    expect(faults['429'] + faults['503'] + faults.reset).toBeGreaterThan(5);
    expect(await tagsNow(seeder, repo)).toEqual(expected.tags);
    expect(await present(seeder, repo, expected.absent)).toEqual([]);
  }, 240_000);
});
