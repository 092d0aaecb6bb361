import { METRICS, type MetricKey } from '../metrics/catalog.js';
import type { MetricFamily, Sample } from '../metrics/exposition.js';
import { quantile } from '../metrics/stats.js';
import type { HealthMeasurements } from './checks.js';

/** The group registry-health pushes (job, registry): all gauges of this check. */
export function registryHealthMetrics(
  measured: HealthMeasurements,
  healthy: boolean,
  checkedAt: Date,
): MetricFamily[] {
  const families = new Map<MetricKey, Sample[]>();
  const add = (key: MetricKey, value: number, labels: Record<string, string> = {}) => {
    families.set(key, [...(families.get(key) ?? []), { labels, value }]);
  };
  add('registryUp', healthy ? 1 : 0);
  add('registryLastCheckTimestamp', checkedAt.getTime() / 1000);
  const byOperation = new Map<string, number[]>();
  for (const { operation, seconds } of measured.operations)
    byOperation.set(operation, [...(byOperation.get(operation) ?? []), seconds]);
  for (const [operation, values] of byOperation) {
    add('registryOperationP50', quantile(values, 0.5), { operation });
    add('registryOperationP95', quantile(values, 0.95), { operation });
  }
  for (const repo of measured.storage) add('registryStorage', repo.bytes, { repository: repo.repository });
  if (measured.storageTotal !== undefined) add('registryStorageTotal', measured.storageTotal);
  return [...families].map(([key, samples]) => ({ ...METRICS[key], type: 'gauge' as const, samples }));
}
