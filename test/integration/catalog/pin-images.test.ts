import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { step } from '../../../steps/pin-images/main.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runStepInProcess } from '../../helpers/run-step.js';
import { createSeeder, type PushedImage, type PushedIndex } from '../../helpers/seed.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';

let registry: TestRegistry;
let single: PushedImage;
let multi: PushedIndex;
const pinnedAlready = `quay.io/org/kept:1.0.0@sha256:${'e'.repeat(64)}`;

beforeAll(async () => {
  registry = await startRegistry();
  const seeder = createSeeder(registry);
  single = await seeder.pushImage({ repo: 'lib/inspect', tag: '0.1.0' });
  multi = await seeder.pushIndex({
    repo: 'lib/build',
    tag: '0.1.0',
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ],
  });
});

afterAll(async () => {
  await registry?.stop();
});

/** A small library: a Task with a literal image and an image param, and a CronJob, with comments to keep. */
function library(host: string): string {
  const dir = makeTempDir('pin-src');
  mkdirSync(join(dir, 'tasks', 'demo'), { recursive: true });
  mkdirSync(join(dir, 'triggers'), { recursive: true });
  writeFileSync(
    join(dir, 'tasks', 'demo', 'demo.yaml'),
    [
      'apiVersion: tekton.dev/v1',
      'kind: Task',
      'metadata:',
      '  name: demo',
      'spec:',
      '  params:',
      '    - name: BUILDER_IMAGE',
      '      type: string',
      '      description: The builder.',
      `      default: "${host}/lib/build:0.1.0"`,
      '    - name: OTHER',
      '      type: string',
      '      description: Not an image.',
      '      default: keep-me',
      '  steps:',
      '    - name: inspect',
      `      image: ${host}/lib/inspect:0.1.0 # the inspect step`,
      '      command: [image-lifecycle, inspect]',
      '    - name: build',
      '      image: $(params.BUILDER_IMAGE)',
      '    - name: kept',
      `      image: ${pinnedAlready}`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'tasks', 'demo', 'README.md'), '# demo\n');
  writeFileSync(
    join(dir, 'triggers', 'cron.yaml'),
    [
      '# nightly',
      'apiVersion: batch/v1',
      'kind: CronJob',
      'metadata:',
      '  name: nightly',
      'spec:',
      '  schedule: "0 2 * * *"',
      '  jobTemplate:',
      '    spec:',
      '      template:',
      '        spec:',
      '          containers:',
      '            - name: start',
      `              image: '${host}/lib/inspect:0.1.0'`,
      '',
    ].join('\n'),
  );
  return dir;
}

describe('image-lifecycle pin-images (make release) on a real registry', () => {
  test('writes a copy with every image pinned to its digest, in place, comments and other files kept', async () => {
    const src = library(registry.host);
    const out = join(makeTempDir('pin-out'), 'release');
    const run = await runStepInProcess(step, [
      '--path',
      join(src, 'tasks'),
      '--path',
      join(src, 'triggers'),
      '--output-dir',
      out,
    ]);
    expect(run.stderr).not.toMatch(/ERROR/);
    expect(run).toExitWith(0);
    const task = readFileSync(join(out, 'tasks', 'demo', 'demo.yaml'), 'utf8');
    const original = readFileSync(join(src, 'tasks', 'demo', 'demo.yaml'), 'utf8');
    // Only the two image lines change; the index of a multi-platform image is what its tag resolves to.
    expect(task).toBe(
      original
        .replace(`"${registry.host}/lib/build:0.1.0"`, `"${registry.host}/lib/build:0.1.0@${multi.digest}"`)
        .replace(
          `${registry.host}/lib/inspect:0.1.0 #`,
          `${registry.host}/lib/inspect:0.1.0@${single.digest} #`,
        ),
    );
    expect(readFileSync(join(out, 'triggers', 'cron.yaml'), 'utf8')).toContain(
      `image: '${registry.host}/lib/inspect:0.1.0@${single.digest}'`,
    );
    expect(readFileSync(join(out, 'tasks', 'demo', 'README.md'), 'utf8')).toBe('# demo\n');
    // The sources are untouched.
    expect(readFileSync(join(src, 'tasks', 'demo', 'demo.yaml'), 'utf8')).toBe(original);
  });

  test('pinning a pinned copy changes nothing', async () => {
    const src = library(registry.host);
    const first = join(makeTempDir('pin-once'), 'r');
    expect((await runStepInProcess(step, ['--path', join(src, 'tasks'), '--output-dir', first])).code).toBe(
      0,
    );
    const second = join(makeTempDir('pin-twice'), 'r');
    const run = await runStepInProcess(step, [
      '--path',
      join(first, 'tasks'),
      '--output-dir',
      second,
      '--output',
      'json',
    ]);
    expect(run).toExitWith(0);
    expect(JSON.parse(run.stdout)).toEqual([]);
    expect(readFileSync(join(second, 'tasks', 'demo', 'demo.yaml'), 'utf8')).toBe(
      readFileSync(join(first, 'tasks', 'demo', 'demo.yaml'), 'utf8'),
    );
  });

  test('an image missing from its registry fails the release with exit 1 and writes nothing', async () => {
    const src = library(registry.host);
    writeFileSync(
      join(src, 'tasks', 'demo', 'demo.yaml'),
      readFileSync(join(src, 'tasks', 'demo', 'demo.yaml'), 'utf8').replace(
        'lib/inspect:0.1.0',
        'lib/inspect:9.9.9',
      ),
    );
    const out = join(makeTempDir('pin-missing'), 'release');
    const run = await runStepInProcess(step, ['--path', join(src, 'tasks'), '--output-dir', out]);
    expect(run).toExitWith(1);
    expect(run.stderr).toContain(`image ${registry.host}/lib/inspect:9.9.9 is not in its registry`);
    expect(existsSync(out)).toBe(false);
  });

  test('--dry-run lists the pins and writes nothing', async () => {
    const src = library(registry.host);
    const out = join(makeTempDir('pin-dry'), 'release');
    const run = await runStepInProcess(step, [
      '--path',
      join(src, 'tasks'),
      '--output-dir',
      out,
      '--dry-run',
      '--output',
      'json',
    ]);
    expect(run).toExitWith(0);
    expect(JSON.parse(run.stdout)).toEqual([
      {
        image: `${registry.host}/lib/build:0.1.0`,
        pinned: `${registry.host}/lib/build:0.1.0@${multi.digest}`,
        files: [join(src, 'tasks', 'demo', 'demo.yaml')],
      },
      {
        image: `${registry.host}/lib/inspect:0.1.0`,
        pinned: `${registry.host}/lib/inspect:0.1.0@${single.digest}`,
        files: [join(src, 'tasks', 'demo', 'demo.yaml')],
      },
    ]);
    expect(existsSync(out)).toBe(false);
  });

  test('an output inside a source path is refused', async () => {
    const src = library(registry.host);
    const run = await runStepInProcess(step, ['--path', src, '--output-dir', join(src, 'release')]);
    expect(run).toExitWith(2);
    expect(run.stderr).toContain('must not be inside --path');
  });
});
