import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { runCommand } from '../../helpers/command.js';
import { extractRuleFiles, loadPrometheusRules } from '../../helpers/prometheus-rules.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';

const TESTS_DIR = 'test/monitoring';
const testFiles = readdirSync(TESTS_DIR)
  .filter((f) => f.endsWith('.test.yaml'))
  .sort();
const resources = loadPrometheusRules();

interface RuleTestFile {
  rule_files: string[];
  tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }> }>;
}

/** A directory holding the extracted rule files and the promtool tests that name them. */
function workspace(): string {
  const dir = makeTempDir('promtool');
  extractRuleFiles(dir, resources);
  for (const file of testFiles) copyFileSync(join(TESTS_DIR, file), join(dir, file));
  return dir;
}

describe('monitoring/ PrometheusRules', () => {
  test('are monitoring.coreos.com/v1 PrometheusRules with labelled alerts that say what to do', () => {
    expect([...resources.keys()]).toEqual(['pipelines', 'workloads']);
    for (const resource of resources.values()) {
      expect(resource).toMatchObject({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule' });
      for (const rule of resource.spec.groups.flatMap((g) => g.rules).filter((r) => r.alert)) {
        expect(['warning', 'critical']).toContain(rule.labels?.severity);
        expect(rule.annotations?.summary).toBeTruthy();
        expect(rule.annotations?.description).toBeTruthy();
      }
    }
  });

  test('pass promtool check rules', async () => {
    const dir = workspace();
    const files = readdirSync(dir).filter((f) => f.endsWith('.rules.yaml'));
    const { stdout } = await runCommand('promtool', ['check', 'rules', ...files], { cwd: dir });
    expect(stdout.match(/SUCCESS: \d+ rules found/g)).toHaveLength(files.length);
  });

  test('pass their promtool unit tests', async () => {
    const { stdout } = await runCommand('promtool', ['test', 'rules', ...testFiles], { cwd: workspace() });
    expect(stdout.match(/SUCCESS/g)).toHaveLength(testFiles.length);
  });

  test('every alert is tested both firing and not firing', () => {
    const alerts = [...resources.values()]
      .flatMap((r) => r.spec.groups.flatMap((g) => g.rules))
      .flatMap((r) => (r.alert ? [r.alert] : []));
    const cases = testFiles.flatMap((file) =>
      (load(readFileSync(join(TESTS_DIR, file), 'utf8')) as RuleTestFile).tests.flatMap(
        (t) => t.alert_rule_test ?? [],
      ),
    );
    for (const alert of alerts) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect({ alert, fires: mine.some((c) => (c.exp_alerts ?? []).length > 0) }).toEqual({
        alert,
        fires: true,
      });
      expect({ alert, quiet: mine.some((c) => (c.exp_alerts ?? []).length === 0) }).toEqual({
        alert,
        quiet: true,
      });
    }
  });

  test('the unit tests catch a wrong threshold', async () => {
    const dir = workspace();
    const rules = join(dir, 'pipelines.rules.yaml');
    const original = readFileSync(rules, 'utf8');
    expect(original).toContain('< 0.95');
    writeFileSync(rules, original.replace('< 0.95', '< 0.90'));
    await expect(
      runCommand('promtool', ['test', 'rules', 'build-success.test.yaml'], { cwd: dir }),
    ).rejects.toThrow(/promtool test failed/);
  });
});
