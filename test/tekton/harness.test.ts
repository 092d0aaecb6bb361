import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const broken = (name: string) => path.join('test', 'fixtures', 'tekton', 'broken', name);

interface Outcome {
  code: number | null;
  output: string;
}

/** Runs the harness the way `make test` does, from the repository root. */
function harness(args: string[], timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'test', 'tekton', 'run-harness.mjs'), ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

// The first run may build the validator from an empty Go cache: minutes, not seconds.
const BUILD_MS = 20 * 60_000;
let library: Outcome;
beforeAll(async () => {
  library = await harness([], BUILD_MS);
}, BUILD_MS + 10_000);

describe('the Tekton harness (Tekton validation + tekton-lint)', () => {
  test('passes the library: tasks/, pipelines/, triggers/', () => {
    expect(library.output).toMatch(
      /tekton-validate: \d+ files, [1-9]\d* Tekton documents checked, \d+ skipped, 0 problems/,
    );
    expect(library.output).toMatch(/tekton-lint: \d+ files, no problems/);
    expect(library).toExitWith(0);
  });

  test('rejects a Task with an unknown field, naming its path', async () => {
    const { code, output } = await harness(['--only', 'validate', broken('unknown-field.yaml')], 60_000);
    expect(output).toContain(
      'test/fixtures/tekton/broken/unknown-field.yaml:1 Task/unknown-field: spec.steps[0].arg: unknown field',
    );
    expect(code).toBe(1);
  });

  test('rejects a Pipeline that reads a result its task does not declare', async () => {
    const { code, output } = await harness(
      ['--only', 'lint', broken('pipeline-undeclared-result.yaml')],
      60_000,
    );
    expect(output).toMatch(
      /refers to an undefined output result .*'IMAGE_SHA' is not a result in Task 'inspect'.*no-undefined-result/,
    );
    expect(code).toBe(1);
  });

  test("runs Tekton's own validation, not only a schema check", async () => {
    // The fixture is valid YAML of known fields; only Tekton's Validate sees that $(params.IMAGE) is undeclared.
    const { code, output } = await harness(['--only', 'validate', broken('undeclared-param.yaml')], 60_000);
    expect(output).toContain(
      'undeclared-param.yaml:1 Task/undeclared-param: spec.steps[0].args[1]: non-existent variable in "$(params.IMAGE)"',
    );
    expect(code).toBe(1);
  });

  test('skips kinds that are not Tekton, and refuses Tekton kinds at an API version it does not check', async () => {
    const { code, output } = await harness(['--only', 'validate', broken('other-kinds.yaml')], 60_000);
    expect(output).toContain(
      'other-kinds.yaml:1 ServiceAccount/pipeline-bot: skipped: v1 is not a Tekton API',
    );
    expect(output).toContain(
      'other-kinds.yaml:2 Task/old-api: apiVersion: tekton.dev/v1beta1 Task is not checked: write it as tekton.dev/v1',
    );
    expect(code).toBe(1);
  });

  test('names a path that does not exist, with exit code 2', async () => {
    const { code, output } = await harness(['--only', 'validate', 'no/such/dir'], 60_000);
    expect(output).toContain('run-harness: no such file or directory:');
    expect(code).toBe(2);
  });
});
