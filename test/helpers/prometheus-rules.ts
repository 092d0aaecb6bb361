import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface RuleGroup {
  name: string;
  interval?: string;
  rules: Rule[];
}
export interface PrometheusRule {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: { groups: RuleGroup[] };
}

export const MONITORING_DIR = 'monitoring';

/** Every PrometheusRule of monitoring/, by the short name its promtool rule file gets (prometheusrule-<name>.yaml). */
export function loadPrometheusRules(): Map<string, PrometheusRule> {
  const rules = new Map<string, PrometheusRule>();
  for (const file of readdirSync(MONITORING_DIR)
    .filter((f) => /^prometheusrule-.+\.yaml$/.test(f))
    .sort()) {
    const name = file.replace(/^prometheusrule-(.+)\.yaml$/, '$1');
    rules.set(name, load(readFileSync(join(MONITORING_DIR, file), 'utf8')) as PrometheusRule);
  }
  return rules;
}

/**
 * Writes the `spec` of each PrometheusRule as a plain Prometheus rule file, `<name>.rules.yaml` in dir: the
 * same groups the Prometheus Operator hands to Prometheus, which is what promtool checks and tests.
 */
export function extractRuleFiles(dir: string, rules = loadPrometheusRules()): string[] {
  return [...rules].map(([name, resource]) => {
    const path = join(dir, `${name}.rules.yaml`);
    writeFileSync(path, dump(resource.spec, { lineWidth: -1 }));
    return path;
  });
}

/** Metric and recorded-series names a PromQL expression reads (quoted label values and functions left out). */
export function seriesNames(expr: string): string[] {
  const unquoted = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const names = unquoted.match(/[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*(\{|\[|\)|$|\s|==|>|<|offset))/g) ?? [];
  return [...new Set(names.filter((n) => /^(image_lifecycle_|kube_)|:/.test(n)))];
}
