import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { steps } from '../../../steps/registry.js';
import { readCliDoc, shapeMismatch, type StepSection } from '../../helpers/cli-doc.js';
import { gitRepositoryOf } from '../../helpers/git-repo.js';
import { runStepInProcess } from '../../helpers/run-step.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dirs.js';

// docs/cli.md is the contract of the CLI's JSON outputs, results and exit codes. This keeps it true: every
// registered step has its section, naming the results the step declares; every JSON example fits the key lists;
// and the steps that need no server print exactly the top-level keys their section lists.

const ROOT = join(__dirname, '..', '..', '..');
const doc = readCliDoc(readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8'));
const names = Object.keys(steps);

function sectionOf(step: string): StepSection {
  const section = doc.get(step);
  if (!section) throw new Error(`docs/cli.md has no "## \`${step}\`" section`);
  return section;
}

describe('docs/cli.md documents every registered step', () => {
  test('one section per registered step, and none for a step that is not registered', () => {
    expect([...doc.keys()].sort()).toEqual([...names].sort());
  });

  test.each(names)(
    '%s: its section names every declared result, its exit codes and its JSON keys',
    async (name) => {
      const definition = await steps[name]!();
      const section = sectionOf(name);
      expect(definition.results.filter((r) => !section.text.includes(`\`${r}\``))).toEqual([]);
      expect(section.text).toContain('**Exit codes**');
      expect(section.keyLists.length).toBeGreaterThan(0);
      expect(section.examples.length).toBeGreaterThan(0);
      const variants = section.keyLists.map((l) => l.variant ?? '');
      expect(new Set(variants).size).toBe(variants.length);
    },
  );

  test.each(names)('%s: every JSON example parses and fits one of its key lists', (name) => {
    const section = sectionOf(name);
    section.examples.forEach((text, i) => {
      const value: unknown = JSON.parse(text);
      const mismatches = section.keyLists.map((list) => shapeMismatch(value, list));
      expect({ example: i + 1, mismatches }).toEqual({
        example: i + 1,
        mismatches: expect.arrayContaining([undefined]),
      });
    });
  });
});

interface OfflineRun {
  step: string;
  /** The key list (by variant) the output must match; none for a step with one shape. */
  variant?: string;
  code: number;
  args: () => Promise<string[]> | string[];
}

const dirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = makeTempDir(prefix);
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach(removeTempDir));

const scanFixture = (name: string) => join(ROOT, 'test', 'fixtures', 'scan', name);

const offlineRuns: OfflineRun[] = [
  {
    step: 'compute-tags',
    code: 0,
    args: () => ['--ref', 'refs/tags/v1.2.3', '--sha', 'abc123f'.padEnd(40, '0'), '--existing-tags', '1.1.0'],
  },
  {
    step: 'scan-gate',
    code: 1,
    args: () => [
      '--report',
      `linux/amd64=${scanFixture('trivy-linux-amd64.json')}`,
      '--policy',
      scanFixture('policy.yaml'),
      '--image',
      'registry.example.com/shop/api:1.4.2',
      '--at',
      '2025-03-10T08:00:00Z',
    ],
  },
  {
    step: 'build',
    code: 0,
    args: () => {
      const context = tempDir('cli-doc-build');
      writeFileSync(join(context, 'Containerfile'), 'FROM scratch\nCOPY app.txt /app.txt\n');
      writeFileSync(join(context, 'app.txt'), 'hello\n');
      return ['--image', '127.0.0.1:5000/demo/app:1.0', '--context', context, '--dry-run'];
    },
  },
  {
    step: 'notify',
    variant: 'dry-run',
    code: 0,
    args: () => [
      '--target',
      'webhook',
      '--pipeline-run',
      'build-run-x7k2p',
      '--pipeline-run-uid',
      '0b6c7e2e-1f0a-4c1e-9a57-3f1d2c4b5a69',
      '--status',
      'Failed',
      '--task-status',
      'build=Failed',
      '--dry-run',
    ],
  },
  {
    step: 'notify',
    variant: 'skipped',
    code: 0,
    args: () => [
      '--target',
      'slack',
      '--pipeline-run',
      'build-run-x7k2p',
      '--status',
      'Succeeded',
      '--notify-on',
      'failure',
    ],
  },
  {
    step: 'metrics',
    variant: 'dry-run',
    code: 0,
    args: () => [
      '--pushgateway-url',
      'http://127.0.0.1:9091',
      '--pipeline',
      'build-and-deploy',
      '--application',
      'shop',
      '--environment',
      'prod',
      '--status',
      'Succeeded',
      '--dry-run',
    ],
  },
  {
    step: 'bundle',
    code: 0,
    args: () => [
      '--prefix',
      '127.0.0.1:5000/image-lifecycle',
      '--path',
      join(ROOT, 'tasks', 'image-inspect'),
      '--dry-run',
    ],
  },
  {
    step: 'run',
    variant: 'dry-run',
    code: 0,
    args: () => [
      join(ROOT, 'test', 'fixtures', 'runner', 'semantics.yaml'),
      '--tasks-dir',
      join(ROOT, 'tasks'),
      '--workspace',
      'shared=temp',
      '--name',
      'cli-doc-run',
      '--dry-run',
    ],
  },
  {
    step: 'git-clone',
    code: 0,
    args: async () => {
      const source = tempDir('cli-doc-src');
      writeFileSync(join(source, 'README.md'), 'sample\n');
      const origin = await gitRepositoryOf(source, tempDir('cli-doc-origin'));
      const checkout = join(tempDir('cli-doc-ws'), 'output');
      mkdirSync(checkout);
      return ['--url', origin.url, '--directory', checkout];
    },
  },
];

describe('steps that need no server print the top-level keys docs/cli.md lists', () => {
  test.each(offlineRuns.map((r) => [`${r.step}${r.variant ? ` (${r.variant})` : ''}`, r] as const))(
    '%s',
    async (_label, r) => {
      const list = sectionOf(r.step).keyLists.find((l) => l.variant === r.variant);
      expect(list).toBeDefined();
      const run = await runStepInProcess(await steps[r.step]!(), [...(await r.args()), '--output', 'json']);
      expect({ code: run.code, stderr: run.stderr }).toMatchObject({ code: r.code });
      const output: unknown = JSON.parse(run.stdout);
      if (list!.array) expect((output as unknown[]).length).toBeGreaterThan(0);
      expect(shapeMismatch(output, list!)).toBeUndefined();
    },
    60_000,
  );
});
