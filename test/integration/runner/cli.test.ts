import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dirs.js';

// `image-lifecycle run` as a user runs it: output like `tkn pipelinerun logs`, the final table, the JSON run record,
// --dry-run, --only, --local-cluster, Secrets, and the exit codes (0 succeeded, 1 failed, 2 bad input or a machine
// that lacks what a step needs).

const FIXTURES = 'test/fixtures/runner';
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeTempDir));

function tempDir(prefix: string): string {
  const dir = makeTempDir(prefix);
  dirs.push(dir);
  return dir;
}

const run = (args: string[]) => runCli(['run', ...args], { timeoutMs: 120_000 });

test('text output: prefixed step logs, task transitions, a table of outcomes and the run status; exit 1 on failure', async () => {
  const r = await run([
    `${FIXTURES}/failure.yaml`,
    '--workspace',
    `shared=${tempDir('cli-ws')}`,
    '--name',
    'fail-run',
  ]);
  expect(r).toExitWith(1);
  expect(r.stdout).toContain('[gate : decide] gate says no\n');
  expect(r.stdout).toMatch(/^\[gate\] Failed in \S+ \(Failed: "step-decide" exited with code 3\)$/m);
  expect(r.stdout).toMatch(/^TASK +STATUS +DURATION +REASON$/m);
  expect(r.stdout).toMatch(/^deploy +Skipped +- +PipelineRun was stopping$/m);
  expect(r.stdout).toMatch(/^rollback \(finally\) +Succeeded +\S+$/m);
  expect(r.stdout).toMatch(/^PipelineRun fail-run: Failed in \S+$/m);
  expect(r.stdout).toContain('Results:\n  slow = finished\n');
  expect(r.stdout).toContain('Result partial not emitted');
}, 150_000);

test('--output json: the run record on stdout, the logs on stderr; a Completed run exits 0', async () => {
  const r = await run([
    `${FIXTURES}/semantics.yaml`,
    '--workspace',
    'shared=temp',
    '--output',
    'json',
    '--param',
    'greeting=hey',
  ]);
  expect(r).toExitWith(0);
  const record = JSON.parse(r.stdout);
  expect(record).toMatchObject({
    pipeline: 'semantics',
    namespace: 'default',
    mode: 'host',
    status: 'Completed',
    results: { word: 'hey' },
  });
  expect(record.pipelineRun).toMatch(/^semantics-run-[0-9a-f]{5}$/);
  for (const t of record.tasks)
    expect(Object.keys(t)).toEqual(
      expect.arrayContaining(['name', 'status', 'reason', 'results', 'durationMs']),
    );
  expect(r.stderr).toMatch(/^\[skipped\] Skipped \(When Expressions evaluated to false/m);
}, 150_000);

test('--dry-run prints the order and each resolved command, and runs nothing', async () => {
  const workspace = tempDir('cli-dry');
  const r = await run([
    `${FIXTURES}/semantics.yaml`,
    '--workspace',
    `shared=${workspace}`,
    '--dry-run',
    '--param',
    'flags=one,two words',
  ]);
  expect(r).toExitWith(0);
  expect(r.stdout).toContain(
    '  1. produce, echo-args, skipped, guarded\n  2. consume, after-skipped, needs-skipped-result\n  3. grandchild\n  finally: report',
  );
  expect(r.stdout).toMatch(
    /step count \[docker.io\/library\/busybox:1.36\]: sh -c .* sh first one 'two words' last localhost:80/,
  );
  expect(r.stdout).toContain(`    | echo "wrote to ${workspace}" > "${workspace}/note.txt"`);
  expect(r.stdout).toContain(`when: "yes" in [one, two words, yes]`);
  expect(readdirSync(workspace)).toEqual([]);

  const json = JSON.parse(
    (
      await run([
        `${FIXTURES}/semantics.yaml`,
        '--workspace',
        `shared=${workspace}`,
        '--dry-run',
        '--output',
        'json',
      ])
    ).stdout,
  );
  expect(json.levels).toEqual([
    ['produce', 'echo-args', 'skipped', 'guarded'],
    ['consume', 'after-skipped', 'needs-skipped-result'],
    ['grandchild'],
  ]);
  const consume = json.tasks.find((t: { name: string }) => t.name === 'consume');
  expect(consume.steps[0].command.slice(-2)).toEqual([
    '$(tasks.produce.results.list[*])',
    '$(tasks.produce.results.obj.key)',
  ]);
}, 150_000);

test('--only runs the named tasks alone', async () => {
  const r = await run([
    `${FIXTURES}/semantics.yaml`,
    '--workspace',
    'shared=temp',
    '--only',
    'produce,consume',
    '--output',
    'json',
  ]);
  expect(r).toExitWith(0);
  expect(
    JSON.parse(r.stdout).tasks.map((t: { name: string; status: string }) => `${t.name}:${t.status}`),
  ).toEqual(['consume:Succeeded', 'produce:Succeeded']);
}, 150_000);

test('a Secret from --secret reaches env and volume, and its value is never printed', async () => {
  const secret = tempDir('cli-secret');
  writeFileSync(join(secret, 'token'), 'tok-s3cr3t-value');
  const r = await run([`${FIXTURES}/secrets.yaml`, '--secret', `creds=${secret}`]);
  expect(r).toExitWith(0);
  expect(r.stdout).toContain('[use-secret : print] token from env: ***\n');
  expect(r.stdout).toContain('[use-secret : print] token from file: ***\n');
  expect(r.stdout + r.stderr).not.toContain('tok-s3cr3t-value');

  const missing = await run([`${FIXTURES}/secrets.yaml`]);
  expect(missing).toExitWith(2);
  expect(missing.stdout).toContain(
    'key token of secret creds is not there (give it with --secret creds=DIR)',
  );
}, 150_000);

test('a tool missing on the host fails its task naming tool and step, exit code 2; finally still runs', async () => {
  const r = await run([`${FIXTURES}/host-tools.yaml`]);
  expect(r).toExitWith(2);
  expect(r.stdout).toContain(
    'step scanner of task scan runs "il-no-such-scanner", which is not installed on this machine',
  );
  expect(r.stdout).toContain('[notify : echo] notified');
}, 150_000);

test("--host-tool stands in for a tool the host lacks, with the step's arguments", async () => {
  const replay = join(tempDir('cli-tool'), 'replay.sh');
  writeFileSync(replay, '#!/bin/sh\necho "replayed: $*"\n', { mode: 0o755 });
  const r = await run([`${FIXTURES}/host-tools.yaml`, '--host-tool', `il-no-such-scanner=${replay}`]);
  expect(r).toExitWith(0);
  expect(r.stdout).toContain('[scan : scanner] replayed: image example\n');
}, 150_000);

test('--local-cluster starts the Kubernetes test API server and hands its KUBECONFIG to the steps', async () => {
  const r = await run([
    `${FIXTURES}/cluster.yaml`,
    '--local-cluster',
    '--namespace',
    'team-a',
    '--output',
    'json',
  ]);
  expect(r).toExitWith(0);
  expect(JSON.parse(r.stdout).tasks[0].results).toEqual({ namespace: 'Namespace/team-a' });
  expect(r.stderr).toMatch(/^local cluster at http:\/\/127\.0\.0\.1:\d+ /m);
}, 150_000);

test('--work-dir keeps the TaskRun directories: results, scripts, step exit codes', async () => {
  const workDir = tempDir('cli-work');
  const r = await run([
    `${FIXTURES}/resilience.yaml`,
    '--workspace',
    'source=temp',
    '--work-dir',
    workDir,
    '--name',
    'kept',
    '--only',
    'continue-step',
  ]);
  expect(r).toExitWith(0);
  expect(existsSync(join(workDir, 'kept-continue-step', 'results', 'code'))).toBe(true);
  expect(existsSync(join(workDir, 'kept-continue-step', 'steps', 'step-fails', 'exitCode'))).toBe(true);
  expect(r.stdout).toContain(`TaskRun directories: ${workDir}`);
}, 150_000);

describe('bad input: one line naming what is wrong, exit code 2, no stack trace', () => {
  test.each([
    [
      ['--param', 'IMAGE=x', '--param', 'nope=1'],
      '--param nope: the pipeline has no such param (params: IMAGE, IMAGE_LIFECYCLE_IMAGE)',
    ],
    [[], 'pipeline inspect-image: param IMAGE is required and has no default (give --param NAME=VALUE)'],
    [
      ['--param', 'IMAGE=x', '--tasks-dir', 'test/fixtures/runner'],
      'taskRef image-inspect: no Task named image-inspect in',
    ],
    [
      ['--param', 'IMAGE=x', '--timeout', 'soon'],
      '--timeout "soon" is not a duration like 90s, 10m or 1h30m',
    ],
    [
      ['--param', 'IMAGE=x', '--only', 'ghost'],
      '--only: test/fixtures/runner/inspect.yaml has no task "ghost" (tasks: inspect, summary)',
    ],
    [
      ['--param', 'IMAGE=x', '--workspace', 'nope=temp'],
      '--workspace nope: the pipeline has no such workspace (workspaces: none)',
    ],
  ])('%j', async (args, message) => {
    const r = await run([`${FIXTURES}/inspect.yaml`, ...args]);
    expect(r).toExitWith(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('no pipeline, or one that does not parse', async () => {
    const none = await run([]);
    expect(none).toExitWith(2);
    expect(none.stderr).toContain('run: --pipeline is required');
    const broken = join(tempDir('cli-bad'), 'bad.yaml');
    writeFileSync(broken, 'kind: [');
    const bad = await run([broken]);
    expect(bad).toExitWith(2);
    expect(bad.stderr).toMatch(/bad\.yaml: not valid YAML/);
  });
});
