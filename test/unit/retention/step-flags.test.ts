import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { step } from '../../../steps/retention/main.js';
import { runStepInProcess } from '../../helpers/run-step.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';

const dir = makeTempDir('retention-flags');
const policy = join(dir, 'policy.yaml');
writeFileSync(policy, 'keep: {newest: 1}\n');

describe('retention step input', () => {
  test.each([
    [
      ['--registry', 'r.example.com', '--apply', '--dry-run'],
      'retention: --apply and --dry-run contradict each other; give one',
    ],
    [
      ['--registry', 'r.example.com', '--apply', '--dry-run-value', 'true'],
      'retention: --dry-run-value true contradicts --apply',
    ],
    [
      ['--registry', 'r.example.com', '--dry-run-value', 'maybe'],
      'retention: --dry-run-value must be one of true, false, got "maybe"',
    ],
    [[], 'retention: --registry is required with --backend oci'],
    [
      ['--registry', 'http://r.example.com'],
      'retention: --registry must be a registry host[:port] such as quay.example.com, got "http://r.example.com"',
    ],
    [
      ['--registry', 'r.example.com', '--repository', 'Team/App'],
      'invalid image reference "r.example.com/Team/App": repository names must be lowercase "Team"',
    ],
    [
      ['--registry', 'r.example.com', '--concurrency', '0'],
      'retention: --concurrency must be a whole number from 1 to 64, got "0"',
    ],
    [
      ['--registry', 'r.example.com', '--apply-plan', join(dir, 'none.json')],
      `--apply-plan ${join(dir, 'none.json')} cannot be read (ENOENT)`,
    ],
  ])('%j: one line, exit 2', async (args, message) => {
    const run = await runStepInProcess(step, ['--policy', policy, ...args]);
    expect(run).toExitWith(2);
    expect(run.stderr).toBe(`ERROR: ${message}\n`);
  });

  test('a policy that cannot be read or is invalid names the file', async () => {
    const missing = await runStepInProcess(step, [
      '--policy',
      join(dir, 'nope.yaml'),
      '--registry',
      'r.example.com',
    ]);
    expect(missing.stderr).toBe(
      `ERROR: retention: --policy ${join(dir, 'nope.yaml')} cannot be read (ENOENT)\n`,
    );
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'keep: {newest: -1}\n');
    const invalid = await runStepInProcess(step, ['--policy', bad, '--registry', 'r.example.com']);
    expect(invalid).toExitWith(2);
    expect(invalid.stderr).toBe(
      `ERROR: ${bad}: keep.newest must be a whole number from 1 to 100000, got number -1\n`,
    );
  });

  test('protectInUse without any Kubernetes configuration is a usage error, before the registry is read', async () => {
    const inUse = join(dir, 'in-use.yaml');
    writeFileSync(inUse, 'keep: {newest: 1}\nprotectInUse: true\ninUse: {namespaces: [shop]}\n');
    const run = await runStepInProcess(step, [
      '--policy',
      inUse,
      '--registry',
      '127.0.0.1:9',
      '--kubeconfig',
      join(dir, 'no-kubeconfig'),
    ]);
    expect(run).toExitWith(2);
    expect(run.stderr).toBe(`ERROR: --kubeconfig "${join(dir, 'no-kubeconfig')}" does not exist\n`);
  });
});
