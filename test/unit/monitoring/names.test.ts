import { readFileSync } from 'node:fs';
import { METRICS } from '../../../steps/lib/metrics/catalog.js';
import { loadPrometheusRules, seriesNames } from '../../helpers/prometheus-rules.js';

// Produced by kube-state-metrics, which OpenShift's platform monitoring runs.
const KUBE_STATE_METRICS = [
  'kube_pod_container_status_waiting_reason',
  'kube_pod_init_container_status_waiting_reason',
];

const rules = [...loadPrometheusRules().values()].flatMap((r) => r.spec.groups.flatMap((g) => g.rules));
const recorded = rules.flatMap((r) => (r.record ? [r.record] : []));
const pushed: string[] = Object.values(METRICS).map((m) => m.name);
const dashboard = JSON.parse(readFileSync('monitoring/grafana/image-lifecycle.json', 'utf8')) as {
  panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }> }>;
  templating: { list: Array<{ query?: unknown }> };
};
const dashboardExprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

describe('rules, dashboard and pushed metrics agree on names', () => {
  test('seriesNames finds metrics and recorded series, not labels or functions', () => {
    expect(
      seriesNames(
        'sum by (a) (changes(image_lifecycle_x_seconds{t=~"kube_y"}[7d])) / (job:image_lifecycle_y:ratio > 0)',
      ),
    ).toEqual(['image_lifecycle_x_seconds', 'job:image_lifecycle_y:ratio']);
  });

  test.each(rules.map((r) => [r.record ?? r.alert, r.expr]))(
    '%s reads only series that exist',
    (_name, expr) => {
      const unknown = seriesNames(expr as string).filter(
        (n) => !pushed.includes(n) && !recorded.includes(n) && !KUBE_STATE_METRICS.includes(n),
      );
      expect(unknown).toEqual([]);
    },
  );

  test('every dashboard query reads only series that exist', () => {
    const unknown = dashboardExprs
      .flatMap(seriesNames)
      .filter((n) => !pushed.includes(n) && !recorded.includes(n));
    expect(unknown).toEqual([]);
  });

  test('every pushed metric is used by an alert, a recording rule or a dashboard panel', () => {
    const used = new Set([...rules.map((r) => r.expr), ...dashboardExprs].flatMap(seriesNames));
    expect(pushed.filter((n) => !used.has(n))).toEqual([]);
  });

  test('every alert and objective has a dashboard panel reading the same series', () => {
    const alerts = rules.filter((r) => r.alert);
    const shown = new Set(dashboardExprs.flatMap(seriesNames));
    const unseen = alerts.filter((a) => !seriesNames(a.expr).some((n) => shown.has(n))).map((a) => a.alert);
    expect(unseen).toEqual([]);
  });

  test('the dashboard is importable: unique panel ids, a Prometheus datasource variable, every panel queries it', () => {
    const ids = dashboard.panels.map((p) => (p as unknown as { id: number }).id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.templating.list[0]).toMatchObject({
      name: 'datasource',
      type: 'datasource',
      query: 'prometheus',
    });
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      expect((panel as unknown as { datasource: unknown }).datasource).toEqual({
        type: 'prometheus',
        uid: '${datasource}',
      });
      expect(panel.targets?.length).toBeGreaterThan(0);
    }
  });
});
