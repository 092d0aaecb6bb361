/**
 * Every metric the steps push. All are gauges: the Pushgateway keeps the last value pushed for a group,
 * so each holds the state after the latest run, never a total across runs. Totals and rates over time
 * (runs per week, success ratio, storage growth) are computed by the recording rules in monitoring/.
 * The names are the contract with those rules and the Grafana dashboard; a test holds them together.
 */
export const METRICS = {
  pipelineLastRunSuccess: {
    name: 'image_lifecycle_pipeline_last_run_success',
    help: '1 when the latest PipelineRun succeeded (Succeeded or Completed), 0 when it failed.',
  },
  pipelineLastRunTimestamp: {
    name: 'image_lifecycle_pipeline_last_run_timestamp_seconds',
    help: 'Unix time the latest PipelineRun finished; each change is one run.',
  },
  pipelineLastRunDuration: {
    name: 'image_lifecycle_pipeline_last_run_duration_seconds',
    help: 'Duration of the latest PipelineRun.',
  },
  pipelineLastSuccessTimestamp: {
    name: 'image_lifecycle_pipeline_last_success_timestamp_seconds',
    help: 'Unix time the latest successful PipelineRun finished; 0 when none has succeeded yet.',
  },
  taskLastSuccessTimestamp: {
    name: 'image_lifecycle_task_last_success_timestamp_seconds',
    help: 'Unix time a Pipeline task last succeeded, by task; 0 when it has failed and never succeeded.',
  },
  scanVulnerabilities: {
    name: 'image_lifecycle_scan_vulnerabilities',
    help: 'Vulnerabilities found by the latest scan, by severity.',
  },
  canaryLastSuccess: {
    name: 'image_lifecycle_canary_last_success',
    help: '1 when the latest canary was promoted, 0 when it was aborted or rolled back.',
  },
  imageSize: {
    name: 'image_lifecycle_image_size_bytes',
    help: 'Size of the latest image: config and layers as stored in the registry (compressed).',
  },
  imagePulls: {
    name: 'image_lifecycle_image_pulls',
    help: 'Image pulls observed during the latest run.',
  },
  imagePullP50: {
    name: 'image_lifecycle_image_pull_p50_seconds',
    help: 'Median image pull duration during the latest run.',
  },
  imagePullP95: {
    name: 'image_lifecycle_image_pull_p95_seconds',
    help: '95th percentile (nearest rank) of image pull durations during the latest run.',
  },
  imagePullMax: {
    name: 'image_lifecycle_image_pull_max_seconds',
    help: 'Slowest image pull during the latest run.',
  },
  registryOperationP50: {
    name: 'image_lifecycle_registry_operation_p50_seconds',
    help: 'Median latency of a registry operation during the latest run, by operation.',
  },
  registryOperationP95: {
    name: 'image_lifecycle_registry_operation_p95_seconds',
    help: '95th percentile (nearest rank) latency of a registry operation during the latest run, by operation.',
  },
  // Pushed by registry-health, in its own group (job, registry).
  registryUp: {
    name: 'image_lifecycle_registry_up',
    help: '1 when the latest registry health check passed, 0 when it failed.',
  },
  registryLastCheckTimestamp: {
    name: 'image_lifecycle_registry_last_check_timestamp_seconds',
    help: 'Unix time of the latest registry health check.',
  },
  registryStorage: {
    name: 'image_lifecycle_registry_storage_bytes',
    help: 'Bytes a repository keeps through its tags: manifests, configs and layers, each digest counted once.',
  },
  registryStorageTotal: {
    name: 'image_lifecycle_registry_storage_total_bytes',
    help: 'Bytes the measured repositories keep together: a blob shared between repositories counted once.',
  },
} as const;

export type MetricKey = keyof typeof METRICS;
