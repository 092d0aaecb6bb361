import { evaluate, formatGrowth, growth } from '../../../steps/lib/registry-health/evaluate.js';
import { formatBytes } from '../../../steps/lib/units.js';
import { registryHealthMetrics } from '../../../steps/lib/registry-health/metrics.js';
import { uniqueBytes } from '../../../steps/lib/registry-health/storage.js';
import { renderExposition } from '../../../steps/lib/metrics/exposition.js';

const pings = (...ms: number[]) => ms.map((m) => ({ operation: 'ping', seconds: m / 1000 }));

describe('evaluate', () => {
  test('healthy: every check passed and /v2/ p95 within the limit', () => {
    expect(evaluate([{ name: 'ping', ok: true, detail: '' }], pings(10, 12, 30, 11, 9), 100)).toEqual({
      healthy: true,
      failures: [],
      pingP50Ms: 11,
      pingP95Ms: 30,
    });
  });

  test('a slow p95 is a failure of its own, next to failed checks', () => {
    const verdict = evaluate(
      [
        { name: 'ping', ok: true, detail: '' },
        { name: 'blob', ok: false, detail: 'get blob: not found' },
      ],
      pings(10, 500),
      100,
    );
    expect(verdict.healthy).toBe(false);
    expect(verdict.failures).toEqual([
      'blob: get blob: not found',
      'latency: /v2/ p95 500 ms is over 100 ms',
    ]);
  });

  test('no ping answered: unhealthy without latency figures', () => {
    expect(evaluate([{ name: 'ping', ok: false, detail: 'ECONNREFUSED' }], [], 100)).toEqual({
      healthy: false,
      failures: ['ping: ECONNREFUSED'],
    });
  });
});

describe('storage figures', () => {
  test('uniqueBytes counts each digest once across sets', () => {
    expect(
      uniqueBytes(
        new Map([
          ['a', 10],
          ['b', 5],
        ]),
        new Map([
          ['b', 5],
          ['c', 1],
        ]),
      ),
    ).toBe(16);
  });

  test('growth needs a previous positive figure', () => {
    expect(growth(110, 100)).toBeCloseTo(0.1);
    expect(growth(110, undefined)).toBeUndefined();
    expect(growth(110, 0)).toBeUndefined();
    expect(formatGrowth(0.1234)).toBe('+12.3%');
    expect(formatGrowth(-0.05)).toBe('-5.0%');
    expect(formatGrowth(undefined)).toBe('unknown');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(5 * 1024 * 1024 + 100)).toBe('5.0 MiB');
  });
});

test('registryHealthMetrics: gauges for up, check time, latencies by operation and storage', () => {
  const text = renderExposition(
    registryHealthMetrics(
      {
        checks: [],
        operations: [...pings(10, 20, 30), { operation: 'manifest-get', seconds: 0.05 }],
        storage: [{ repository: 'shop/cart', bytes: 1000, objects: new Map() }],
        storageTotal: 900,
      },
      false,
      new Date(1736000000_000),
    ),
  );
  expect(text.split('\n').filter((l) => !l.startsWith('#'))).toEqual([
    'image_lifecycle_registry_up 0',
    'image_lifecycle_registry_last_check_timestamp_seconds 1736000000',
    'image_lifecycle_registry_operation_p50_seconds{operation="ping"} 0.02',
    'image_lifecycle_registry_operation_p50_seconds{operation="manifest-get"} 0.05',
    'image_lifecycle_registry_operation_p95_seconds{operation="ping"} 0.03',
    'image_lifecycle_registry_operation_p95_seconds{operation="manifest-get"} 0.05',
    'image_lifecycle_registry_storage_bytes{repository="shop/cart"} 1000',
    'image_lifecycle_registry_storage_total_bytes 900',
    '',
  ]);
});
