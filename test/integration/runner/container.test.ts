import { makeBuildahStore } from '../../helpers/buildah-store.js';
import { runCli } from '../../helpers/cli.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { createSeeder, type PushedImage } from '../../helpers/seed.js';
import { buildStepImage } from '../../helpers/step-image.js';

// Container mode: tasks/image-inspect runs in the inspect step's real image (built from images/Containerfile on a
// Node base assembled from this machine) with `buildah run --isolation chroot`, as its arbitrary non-root user,
// Tekton's /tekton/results mounted from the TaskRun's directory. Chroot isolation shares the host's network, so the
// step reaches the registry on 127.0.0.1.

const store = makeBuildahStore('il-runner-container');
let image: string;
let registry: TestRegistry;
let pushed: PushedImage;

beforeAll(async () => {
  image = await buildStepImage(store, 'inspect');
  registry = await startRegistry();
  pushed = await createSeeder(registry).pushImage({ repo: 'team/app', tag: 'v1' });
}, 11 * 60_000);

afterAll(async () => {
  await registry?.stop();
  store.destroy();
}, 120_000);

function run(args: string[]) {
  return runCli(
    ['run', 'test/fixtures/runner/inspect.yaml', '--mode', 'container', '--output', 'json', ...args],
    {
      env: { BUILDAH_OPTS: store.globalArgs.join(' '), TMPDIR: store.env.TMPDIR },
      timeoutMs: 180_000,
    },
  );
}

test('the step runs in its image and its results come back through the mounted results directory', async () => {
  const r = await run([
    '--param',
    `IMAGE=${registry.host}/team/app:v1`,
    '--param',
    `IMAGE_LIFECYCLE_IMAGE=${image}`,
  ]);
  expect(r).toExitWith(0);
  const record = JSON.parse(r.stdout);
  expect(record).toMatchObject({
    mode: 'container',
    status: 'Succeeded',
    results: { IMAGE_DIGEST: pushed.digest, PLATFORMS: 'linux/amd64' },
  });
  expect(record.tasks.find((t: { name: string }) => t.name === 'summary').results).toEqual({
    seen: 'Succeeded',
  });
}, 200_000);

test('an image that is not in local storage fails its task clearly, and the run exits 2', async () => {
  const r = await run([
    '--param',
    `IMAGE=${registry.host}/team/app:v1`,
    '--param',
    'IMAGE_LIFECYCLE_IMAGE=localhost/il-test/absent:1',
  ]);
  expect(r).toExitWith(2);
  const inspect = JSON.parse(r.stdout).tasks.find((t: { name: string }) => t.name === 'inspect');
  expect(inspect).toMatchObject({ status: 'Failed', reason: 'ImageNotLocal' });
  expect(inspect.message).toBe(
    'step inspect of task inspect needs image localhost/il-test/absent:1, which is not in local storage (container mode runs local images only: build or pull it first)',
  );
}, 200_000);
