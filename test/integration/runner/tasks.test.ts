import { runCli } from '../../helpers/cli.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { createSeeder, type PushedIndex } from '../../helpers/seed.js';

// The library's real Task YAML (tasks/image-inspect) run by `image-lifecycle run` in host mode: the step is this
// CLI, the registry a real distribution registry on 127.0.0.1. Proves the YAML by executing it.

let registry: TestRegistry;
let index: PushedIndex;

beforeAll(async () => {
  registry = await startRegistry();
  index = await createSeeder(registry).pushIndex({
    repo: 'team/app',
    tag: 'v1',
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ],
  });
}, 60_000);

afterAll(async () => {
  await registry?.stop();
});

interface Record {
  status: string;
  reason: string;
  results: { [name: string]: unknown };
  tasks: { name: string; status: string; reason: string; results: { [name: string]: unknown } }[];
}

async function inspect(image: string): Promise<{ code: number | null; record: Record; stderr: string }> {
  const r = await runCli(
    ['run', 'test/fixtures/runner/inspect.yaml', '--param', `IMAGE=${image}`, '--output', 'json'],
    { timeoutMs: 120_000 },
  );
  return { code: r.code, record: JSON.parse(r.stdout) as Record, stderr: r.stderr };
}

test('tasks/image-inspect resolves the image: its results become the pipeline results', async () => {
  const { code, record, stderr } = await inspect(`${registry.host}/team/app:v1`);
  expect(code).toBe(0);
  expect(record).toMatchObject({
    status: 'Succeeded',
    results: { IMAGE_DIGEST: index.digest, PLATFORMS: 'linux/amd64,linux/arm64' },
  });
  expect(record.tasks.find((t) => t.name === 'inspect')?.results).toMatchObject({
    IMAGE_URL: `${registry.host}/team/app:v1`,
    MEDIA_TYPE: index.mediaType,
  });
  expect(record.tasks.find((t) => t.name === 'summary')?.results).toEqual({ seen: 'Succeeded' });
  // The step's own log, prefixed with task and step as `tkn pipelinerun logs` does.
  expect(stderr).toMatch(/^\[inspect : inspect\] /m);
}, 150_000);

test('a missing image fails the task (the step exits 1): the run fails with exit code 1 and finally still reports', async () => {
  const { code, record } = await inspect(`${registry.host}/team/app:nope`);
  expect(code).toBe(1);
  expect(record.tasks.find((t) => t.name === 'inspect')).toMatchObject({
    status: 'Failed',
    reason: 'Failed',
  });
  expect(record.tasks.find((t) => t.name === 'summary')?.results).toEqual({ seen: 'Failed' });
  expect(record.results).toEqual({});
}, 150_000);
