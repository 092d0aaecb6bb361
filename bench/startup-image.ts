// Step images for real: builds step images from images/Containerfile (on a Node base assembled from this
// machine, as the image test does: nothing is pulled), pushes them gzip-compressed to a local registry to read
// the layer sizes a cluster would pull, and times `image-lifecycle <step> --help` inside each image as an
// arbitrary UID in group 0. The timing loop runs inside the container, so buildah's own start is not counted.
//
// Usage: npx tsx bench/startup-image.ts   (STEPS=inspect,retention by default: the smallest and the largest
// step layers; RUNS=10 timed runs after 2 warm-ups)
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { makeBuildahStore } from '../test/helpers/buildah-store.js';
import { runCommand } from '../test/helpers/command.js';
import { buildLocalNodeImage } from '../test/helpers/node-base-image.js';
import { startRegistry } from '../test/helpers/registry.js';
import { createSeeder } from '../test/helpers/seed.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const names = (process.env.STEPS ?? 'inspect,retention').split(',').filter(Boolean);
const RUNS = Number(process.env.RUNS ?? 10);
const USER = '1000650000:0';

/** Runs `argv` RUNS times after two warm-ups and prints the median milliseconds; node's own start included. */
const timer = `
const { spawnSync } = require('node:child_process');
const [command, ...args] = JSON.parse(process.argv[1]);
const times = [];
for (let i = 0; i < ${RUNS} + 2; i++) {
  const started = process.hrtime.bigint();
  const run = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (run.status !== 0) { process.stderr.write(String(run.stderr)); process.exit(1); }
  if (i >= 2) times.push(Number(process.hrtime.bigint() - started) / 1e6);
}
times.sort((a, b) => a - b);
const mid = times.length >> 1;
console.log(Math.round(times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2));
`;

const store = makeBuildahStore('il-bench-image');
const registry = await startRegistry();
try {
  const base = await buildLocalNodeImage(store);
  const env = {
    ...store.env,
    BUILDAH_OPTS: store.globalArgs.join(' '),
    PULL: 'never',
    BUILDER_IMAGE: base,
    BASE_IMAGE: base,
    IMAGE_PREFIX: 'localhost/il-bench',
    VERSION: 'bench',
  };
  await runCommand(`${root}images/build-images.sh`, names, { cwd: root, env, timeoutMs: 30 * 60_000 });
  const seeder = createSeeder(registry);
  const steps = [];
  for (const name of names) {
    const image = `localhost/il-bench/${name}:bench`;
    await store.run([
      'push',
      '--tls-verify=false',
      '--compression-format',
      'gzip',
      image,
      `docker://${registry.host}/il-bench/${name}:bench`,
    ]);
    const pushed = await seeder.getManifest(`il-bench/${name}`, 'bench');
    if (!pushed) throw new Error(`${image} is not in the registry after the push`);
    const manifest = JSON.parse(pushed.body.toString('utf8')) as { layers: Array<{ size: number }> };
    const layers = manifest.layers.map((l) => l.size);
    const container = (await store.run(['from', '--pull=never', image])).stdout.trim();
    const time = async (argv: string[]) =>
      Number(
        (
          await store.run(
            [
              'run',
              '--isolation',
              'chroot',
              '--user',
              USER,
              container,
              '--',
              'node',
              '-e',
              timer,
              JSON.stringify(argv),
            ],
            {
              timeoutMs: 10 * 60_000,
            },
          )
        ).stdout.trim(),
      );
    steps.push({
      step: name,
      layersGzipBytes: layers,
      stepLayerGzipBytes: layers.at(-1),
      baseGzipBytes: layers.slice(0, -1).reduce((a, b) => a + b, 0),
      startInImageMs: await time(['image-lifecycle', name, '--help']),
      nodeAloneInImageMs: await time(['node', '-e', '0']),
    });
    await store.run(['rm', container]);
  }
  const machine = {
    cpus: execFileSync('nproc', { encoding: 'utf8' }).trim(),
    node: process.version,
    runs: RUNS,
  };
  process.stdout.write(`${JSON.stringify({ machine, user: USER, steps }, null, 2)}\n`);
} finally {
  await registry.stop();
  store.destroy();
}
