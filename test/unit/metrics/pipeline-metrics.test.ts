import { UsageError } from '../../../steps/lib/errors.js';
import { renderExposition } from '../../../steps/lib/metrics/exposition.js';
import { parsePullDurations, parseRegistryLatencies, parseTime } from '../../../steps/lib/metrics/inputs.js';
import {
  pipelineMetrics,
  previousValues,
  type PipelineMetricsInput,
} from '../../../steps/lib/metrics/pipeline-metrics.js';

const finishedAt = new Date('2025-01-04T10:00:00Z');
const T = finishedAt.getTime() / 1000;
const none = { taskLastSuccess: new Map<string, number>() };

function values(input: Partial<PipelineMetricsInput>): Record<string, number> {
  const families = pipelineMetrics({ outcome: 'success', finishedAt, tasks: [], previous: none, ...input });
  const out: Record<string, number> = {};
  for (const f of families) {
    for (const s of f.samples) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(',');
      out[labels ? `${f.name}{${labels}}` : f.name] = s.value;
    }
  }
  return out;
}

describe('pipelineMetrics', () => {
  test('a successful run with everything', () => {
    expect(
      values({
        startedAt: new Date('2025-01-04T09:52:30Z'),
        tasks: [
          { name: 'build', status: 'Succeeded' },
          { name: 'scan', status: 'None' },
        ],
        scan: { counts: { CRITICAL: 0, HIGH: 3 } },
        canary: { outcome: 'success', text: 'promoted' },
        imageSizeBytes: 123456789,
        pullDurations: [4, 31, 2, 8],
        registryLatencies: new Map([['manifest-get', [0.1, 0.3, 0.2]]]),
      }),
    ).toEqual({
      image_lifecycle_pipeline_last_run_success: 1,
      image_lifecycle_pipeline_last_run_timestamp_seconds: T,
      image_lifecycle_pipeline_last_run_duration_seconds: 450,
      image_lifecycle_pipeline_last_success_timestamp_seconds: T,
      'image_lifecycle_task_last_success_timestamp_seconds{task="build"}': T,
      'image_lifecycle_scan_vulnerabilities{severity="critical"}': 0,
      'image_lifecycle_scan_vulnerabilities{severity="high"}': 3,
      image_lifecycle_canary_last_success: 1,
      image_lifecycle_image_size_bytes: 123456789,
      image_lifecycle_image_pulls: 4,
      image_lifecycle_image_pull_p50_seconds: 4,
      image_lifecycle_image_pull_p95_seconds: 31,
      image_lifecycle_image_pull_max_seconds: 31,
      'image_lifecycle_registry_operation_p50_seconds{operation="manifest-get"}': 0.2,
      'image_lifecycle_registry_operation_p95_seconds{operation="manifest-get"}': 0.3,
    });
  });

  test('a failed run carries the last success times over, so replacing the group loses nothing', () => {
    const previous = {
      lastSuccess: T - 86400,
      taskLastSuccess: new Map([
        ['backup', T - 3600],
        ['retention', T - 7200],
      ]),
    };
    expect(values({ outcome: 'failure', tasks: [{ name: 'backup', status: 'Failed' }], previous })).toEqual({
      image_lifecycle_pipeline_last_run_success: 0,
      image_lifecycle_pipeline_last_run_timestamp_seconds: T,
      image_lifecycle_pipeline_last_success_timestamp_seconds: T - 86400,
      'image_lifecycle_task_last_success_timestamp_seconds{task="backup"}': T - 3600,
      'image_lifecycle_task_last_success_timestamp_seconds{task="retention"}': T - 7200,
    });
  });

  test('a failure that never succeeded before is 0 ("never"); a skipped task gets no series', () => {
    expect(
      values({
        outcome: 'failure',
        tasks: [
          { name: 'backup', status: 'Failed' },
          { name: 'retention', status: 'None' },
        ],
      }),
    ).toEqual({
      image_lifecycle_pipeline_last_run_success: 0,
      image_lifecycle_pipeline_last_run_timestamp_seconds: T,
      image_lifecycle_pipeline_last_success_timestamp_seconds: 0,
      'image_lifecycle_task_last_success_timestamp_seconds{task="backup"}': 0,
    });
  });

  test('an unknown outcome (None) is a run but neither success nor failure', () => {
    expect(values({ outcome: 'unknown' })).toEqual({
      image_lifecycle_pipeline_last_run_timestamp_seconds: T,
    });
  });

  test('every family is a gauge with HELP', () => {
    const text = renderExposition(
      pipelineMetrics({ outcome: 'success', finishedAt, tasks: [], previous: none, imageSizeBytes: 1 }),
    );
    expect(text).toMatch(
      /^# HELP image_lifecycle_pipeline_last_run_success .+\n# TYPE image_lifecycle_pipeline_last_run_success gauge\n/,
    );
    expect(text.match(/# TYPE \S+ (\w+)/g)?.every((line) => line.endsWith(' gauge'))).toBe(true);
  });

  test('previousValues reads what the Pushgateway stored', () => {
    const stored = new Map([
      ['image_lifecycle_pipeline_last_success_timestamp_seconds', [{ labels: { job: 'j' }, value: 100 }]],
      ['image_lifecycle_task_last_success_timestamp_seconds', [{ labels: { task: 'backup' }, value: 90 }]],
    ]);
    expect(previousValues(stored)).toEqual({ lastSuccess: 100, taskLastSuccess: new Map([['backup', 90]]) });
    expect(previousValues(new Map())).toEqual({ taskLastSuccess: new Map() });
  });
});

describe('inputs', () => {
  const fails = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      return (err as Error).message;
    }
    throw new Error('expected a UsageError');
  };

  test('pull durations in the shapes diagnose-pull may write', () => {
    expect(
      parsePullDurations('metrics', 'f', { pulls: [{ image: 'a', seconds: 1.5 }, { seconds: 2 }] }),
    ).toEqual([1.5, 2]);
    expect(parsePullDurations('metrics', 'f', [3, 4])).toEqual([3, 4]);
    expect(
      fails(() => parsePullDurations('metrics', 'pull-durations-file', { pulls: [{ seconds: '1m0.8s' }] })),
    ).toBe('metrics: --pull-durations-file: pull 0 must be a number of seconds >= 0, got "1m0.8s"');
    expect(fails(() => parsePullDurations('metrics', 'pull-durations-file', { items: [] }))).toBe(
      'metrics: --pull-durations-file: expected {"pulls":[...]} or an array of pulls',
    );
  });

  test('registry latencies by operation', () => {
    expect(
      parseRegistryLatencies('metrics', 'f', {
        operations: [
          { operation: 'ping', seconds: 0.01 },
          { operation: 'ping', seconds: 0.03 },
          { operation: 'tags-list', seconds: 0.2 },
        ],
      }),
    ).toEqual(
      new Map([
        ['ping', [0.01, 0.03]],
        ['tags-list', [0.2]],
      ]),
    );
    expect(
      fails(() =>
        parseRegistryLatencies('metrics', 'registry-latencies-file', [{ operation: 'Ping!', seconds: 1 }]),
      ),
    ).toBe(
      'metrics: --registry-latencies-file: call 0 needs an "operation" such as "manifest-get" (lowercase, digits, - and _)',
    );
  });

  test('times as RFC 3339 or Unix seconds', () => {
    expect(parseTime('metrics', 'started-at', '2025-01-04T09:00:00Z').toISOString()).toBe(
      '2025-01-04T09:00:00.000Z',
    );
    expect(parseTime('metrics', 'started-at', '1735981200').toISOString()).toBe('2025-01-04T09:00:00.000Z');
    expect(fails(() => parseTime('metrics', 'started-at', 'yesterday'))).toBe(
      'metrics: --started-at must be an RFC 3339 time (2025-01-04T10:00:00Z) or Unix seconds, got "yesterday"',
    );
  });
});
