import { randomInt } from 'node:crypto';
import { lstatSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { steps } from '../../../steps/registry.js';
import { makeBuildahStore } from '../../helpers/buildah-store.js';
import { runCommand } from '../../helpers/command.js';
import { buildLocalNodeImage } from '../../helpers/node-base-image.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { createSeeder } from '../../helpers/seed.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';

// Builds the inspect step's image for real from images/Containerfile through images/build-images.sh, on a Node
// base assembled from this machine (nothing pulled), and runs it the way OpenShift does: an arbitrary UID in
// group 0. Only the builder stage's npm reaches the network (registry.npmjs.org).

const REPO_ROOT = resolve(__dirname, '../../..');
const IMAGE = 'localhost/il-test/inspect:test';
/** A UID from an OpenShift namespace range: no passwd entry, group 0. */
const ARBITRARY_USER = '1000650000:0';
const BUILD_TIMEOUT_MS = 10 * 60_000;

interface ImageConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  Labels?: Record<string, string>;
}

const store = makeBuildahStore('il-step-image');
let config: ImageConfig;
let container: string;
let registry: TestRegistry;

beforeAll(async () => {
  const base = await buildLocalNodeImage(store);
  await runCommand(resolve(REPO_ROOT, 'images/build-images.sh'), ['inspect'], {
    cwd: REPO_ROOT,
    timeoutMs: BUILD_TIMEOUT_MS,
    env: {
      ...store.env,
      BUILDAH_OPTS: store.globalArgs.join(' '),
      PULL: 'never',
      LAYERS: 'false',
      BUILDER_IMAGE: base,
      BASE_IMAGE: base,
      IMAGE_PREFIX: 'localhost/il-test',
      VERSION: 'test',
    },
  });
  config = JSON.parse((await store.run(['inspect', '--type', 'image', IMAGE])).stdout).OCIv1.config;
  container = (await store.run(['from', '--pull=never', IMAGE])).stdout.trim();
  registry = await startRegistry();
}, BUILD_TIMEOUT_MS + 60_000);

afterAll(async () => {
  await registry?.stop();
  store.destroy();
}, 120_000);

/** `buildah run` in the step container as the arbitrary UID; chroot isolation shares the host's loopback. */
function runInImage(args: readonly string[], user = ARBITRARY_USER): Promise<string> {
  return store
    .run(['run', '--isolation', 'chroot', '--user', user, container, '--', ...args])
    .then((result) => result.stdout);
}

/** Every file and directory of the container's root filesystem outside /tmp, with its size and mtime. */
function rootfsListing(root: string, dir = root, out = new Map<string, string>()): Map<string, string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const inside = path.slice(root.length);
    if (['/tmp', '/proc', '/sys', '/dev', '/run'].includes(inside)) continue;
    const stat = lstatSync(path);
    out.set(inside, `${stat.mode}:${stat.size}:${stat.mtimeMs}`);
    if (stat.isDirectory()) rootfsListing(root, path, out);
  }
  return out;
}

test('the image runs `image-lifecycle inspect --help`, with or without the step name', async () => {
  for (const args of [['inspect', '--help'], ['--help']]) {
    const help = await runInImage(['image-lifecycle', ...args]);
    expect(help).toMatch(/^Usage: image-lifecycle inspect \[flags\]/);
    expect(help).toContain('--image');
  }
});

test('the image config: non-root numeric user, HOME set, image-lifecycle entrypoint, OCI labels', () => {
  expect(config.User).toBe('1001');
  expect(config.Env).toContain('HOME=/tmp');
  expect(config.Entrypoint).toEqual(['image-lifecycle']);
  expect(config.Cmd).toEqual(['--help']);
  expect(config.Labels).toMatchObject({
    'org.opencontainers.image.title': 'image-lifecycle-inspect',
    'org.opencontainers.image.version': 'test',
    'org.opencontainers.image.licenses': 'Apache-2.0',
  });
  expect(config.Labels?.['org.opencontainers.image.revision']).toMatch(/^([0-9a-f]{40}|unknown)$/);
});

test('the program is group-0 readable and executable, and only /tmp is writable for the arbitrary UID', async () => {
  const probe = `
    const fs = require('node:fs');
    const writable = (path) => { try { fs.accessSync(path, fs.constants.W_OK); return true; } catch { return false; } };
    const program = fs.statSync('/opt/image-lifecycle/image-lifecycle.mjs');
    console.log(JSON.stringify({
      gid: program.gid,
      mode: (program.mode & 0o777).toString(8),
      link: fs.readlinkSync('/usr/local/bin/image-lifecycle'),
      writable: ['/', '/opt/image-lifecycle', '/usr/local/bin', '/etc', process.env.HOME].filter(writable),
    }));`;
  expect(JSON.parse(await runInImage(['node', '-e', probe]))).toEqual({
    gid: 0,
    mode: '755',
    link: '/opt/image-lifecycle/image-lifecycle.mjs',
    writable: ['/tmp'],
  });
});

test('the step inspects an image in a real registry from inside the image and writes its results under /tmp', async () => {
  const pushed = await createSeeder(registry).pushImage({ repo: 'team/app', tag: 'v1' });
  const output = await runInImage([
    'image-lifecycle',
    'inspect',
    '--image',
    `${registry.host}/team/app:v1`,
    '--output',
    'json',
    '--results-dir',
    '/tmp/results',
  ]);
  expect(JSON.parse(output)).toMatchObject({ digest: pushed.digest });
  const digestResult = await runInImage([
    'node',
    '-p',
    "require('node:fs').readFileSync('/tmp/results/IMAGE_DIGEST', 'utf8')",
  ]);
  expect(digestResult.trim()).toBe(pushed.digest);
});

test('every step of the CLI starts as a random UID in group 0, the way the restricted SCC of OpenShift runs it', async () => {
  // One image build is enough: the CLI bundle runs in the same runtime, as any UID OpenShift picks. Built here
  // into a directory of the test's own, so a `make build` running meanwhile cannot swap chunks under the copy.
  const cli = makeTempDir('il-cli-bundle');
  await runCommand(process.execPath, ['build.mjs', '--outdir', cli], { cwd: REPO_ROOT });
  await store.run(['copy', container, cli, '/opt/cli/']);
  const user = `${randomInt(1_000_000_000, 1_001_000_000)}:0`;
  for (const name of Object.keys(steps)) {
    const help = await runInImage(['node', '/opt/cli/image-lifecycle.mjs', name, '--help'], user);
    expect(help).toMatch(new RegExp(`^Usage: image-lifecycle ${name} \\[flags\\]`));
  }
});

test('running the step writes nothing outside /tmp: the root filesystem could be read-only', async () => {
  const root = (await store.run(['mount', container])).stdout.trim();
  try {
    const before = rootfsListing(root);
    const user = `${randomInt(1_000_000_000, 1_001_000_000)}:0`;
    await runInImage(['image-lifecycle', 'inspect', '--help'], user);
    await runInImage(
      [
        'image-lifecycle',
        'inspect',
        '--image',
        `${registry.host}/team/app:v1`,
        '--results-dir',
        '/tmp/results-ro',
      ],
      user,
    );
    const after = rootfsListing(root);
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter(
      (p) => before.get(p) !== after.get(p),
    );
    // buildah itself bind-mounts these into the container for every run; the step does not write them.
    expect(changed.filter((p) => !['/etc/hosts', '/etc/resolv.conf', '/etc/hostname'].includes(p))).toEqual(
      [],
    );
  } finally {
    await store.run(['umount', container]);
  }
});
