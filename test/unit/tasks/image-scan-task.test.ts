import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { step as gateStep } from '../../../steps/scan-gate/main.js';
import { runStepInProcess } from '../../helpers/run-step.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';

interface Step {
  name: string;
  image: string;
  command: string[];
  args: string[];
  env?: Array<{ name: string; value: string }>;
  script?: string;
}
interface TaskDoc {
  spec: {
    params: Array<{ name: string; default?: string }>;
    steps: Step[];
    workspaces: Array<{ name: string; optional?: boolean }>;
  };
}

const task = load(readFileSync('tasks/image-scan/image-scan.yaml', 'utf8')) as TaskDoc;
const [trivy, gate] = task.spec.steps as [Step, Step];
const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'scan');

/** Substitutes params (defaults, then overrides) and workspace paths the way Tekton does; unbound workspaces are "". */
function resolve(
  args: string[],
  params: Record<string, string>,
  workspaces: Record<string, string>,
): string[] {
  const values = Object.fromEntries(task.spec.params.map((p) => [p.name, params[p.name] ?? p.default ?? '']));
  return args.map((a) =>
    a
      .replace(/\$\(params\.([A-Z_]+)\)/g, (_m, name: string) => values[name] ?? '')
      .replace(/\$\(workspaces\.([a-z-]+)\.path\)/g, (_m, name: string) => workspaces[name] ?? ''),
  );
}

describe('tasks/image-scan', () => {
  it('runs a pinned Trivy, then the gate, both in exec form without scripts', () => {
    expect(task.spec.steps.map((s) => s.name)).toEqual(['trivy', 'gate']);
    expect(trivy.command).toEqual(['trivy']);
    expect(task.spec.params.find((p) => p.name === 'TRIVY_IMAGE')?.default).toMatch(
      /^docker\.io\/aquasec\/trivy:\d+\.\d+\.\d+$/,
    );
    expect(gate.command).toEqual(['image-lifecycle', 'scan-gate']);
    expect(task.spec.steps.every((s) => s.script === undefined)).toBe(true);
  });

  it('has Trivy write the report where the gate reads it', () => {
    const ws = { reports: '/ws/reports' };
    const trivyArgs = resolve(trivy.args, { IMAGE: 'quay.io/org/app@sha256:' + 'a'.repeat(64) }, ws);
    const gateArgs = resolve(gate.args, { IMAGE: 'x' }, ws);
    const written = trivyArgs[trivyArgs.indexOf('--output') + 1];
    expect(gateArgs[gateArgs.indexOf('--report') + 1]).toBe(written);
    expect(trivyArgs.slice(0, 6)).toEqual(['image', '--scanners', 'vuln', '--format', 'json', '--output']);
    expect(trivyArgs.at(-1)).toBe('quay.io/org/app@sha256:' + 'a'.repeat(64));
  });

  it('gives Trivy a writable home and cache under a random UID', () => {
    const env = Object.fromEntries((trivy.env ?? []).map((e) => [e.name, e.value]));
    expect(env.HOME).toBe('/tmp');
    expect(task.spec.params.find((p) => p.name === 'TRIVY_CACHE_DIR')?.default).toBe('/tmp/trivy-cache');
  });

  it('its gate args, with defaults and unbound optional workspaces, run and write both results and the report files', async () => {
    const reports = makeTempDir('image-scan-reports');
    copyFileSync(join(FIXTURES, 'trivy-clean.json'), join(reports, 'trivy-report.json'));
    const args = resolve(gate.args, { IMAGE: 'quay.io/org/app:1.0', ATTACH: 'false' }, { reports });
    const run = await runStepInProcess(gateStep, args);
    expect(run.stderr).not.toMatch(/ERROR/);
    expect(run).toExitWith(0);
    expect(Object.keys(run.results).sort()).toEqual(['SCAN_SUMMARY', 'TEST_OUTPUT']);
    expect(existsSync(join(reports, 'scan-report.json'))).toBe(true);
    expect(existsSync(join(reports, 'scan-report.sarif'))).toBe(true);
  });

  it('blocks (exit 1) on the multi-finding fixture with the policy workspace bound', async () => {
    const reports = makeTempDir('image-scan-reports');
    const policy = makeTempDir('image-scan-policy');
    copyFileSync(join(FIXTURES, 'trivy-linux-amd64.json'), join(reports, 'trivy-report.json'));
    copyFileSync(join(FIXTURES, 'policy.yaml'), join(policy, 'policy.yaml'));
    const run = await runStepInProcess(
      gateStep,
      resolve(gate.args, { IMAGE: 'quay.io/org/app:1.0', ATTACH: 'false' }, { reports, policy }),
    );
    expect(run).toExitWith(1);
    expect(JSON.parse(run.results.TEST_OUTPUT!).result).toBe('FAILURE');
  });
});
