import { writeFileSync } from 'node:fs';
import { ExitCode, UsageError } from '../lib/errors.js';
import { bestEffort } from '../lib/http/best-effort.js';
import { deliveryFlags, integerFlag, policyFromFlags } from '../lib/http/flags.js';
import { renderExposition } from '../lib/metrics/exposition.js';
import { METRICS } from '../lib/metrics/catalog.js';
import type { GroupingKey } from '../lib/metrics/grouping.js';
import {
  bearerTokenFlag,
  pushgatewayBaseUrl,
  readBearerToken,
  readGroup,
  replaceGroup,
  type PushgatewayOptions,
} from '../lib/metrics/pushgateway.js';
import { clientFromFlags, registryFlags } from '../lib/oci/flags.js';
import { parseReference, validateRegistryHost, type Reference } from '../lib/oci/reference.js';
import { runHealthChecks, type HealthMeasurements } from '../lib/registry-health/checks.js';
import { evaluate, formatGrowth, growth } from '../lib/registry-health/evaluate.js';
import { formatBytes } from '../lib/units.js';
import { registryHealthMetrics } from '../lib/registry-health/metrics.js';
import type { Logger } from '../lib/tekton/log.js';
import { defineStep } from '../lib/tekton/step.js';
import { checkOutputFile } from '../lib/config/paths.js';

const NAME = 'registry-health';

export const step = defineStep({
  name: NAME,
  summary:
    'Check a registry: reachability and auth, latency, tag listing, manifest and blob pulls, a push/delete round trip, storage.',
  flags: {
    registry: { type: 'string', description: 'Registry host[:port]', required: true, valueName: 'HOST' },
    samples: {
      type: 'string',
      description: 'Timed /v2/ round trips for the latency figures',
      default: '5',
      valueName: 'N',
    },
    'max-latency-ms': {
      type: 'string',
      description: 'Highest healthy p95 of /v2/ round trips',
      default: '1000',
      valueName: 'MS',
    },
    'canary-image': {
      type: 'string',
      description: 'A known image on the registry: list its tags, fetch its manifest, pull its config blob',
      valueName: 'REF',
    },
    'scratch-repository': {
      type: 'string',
      description: 'A repository to push a tiny artifact to and delete it from',
      valueName: 'REPO',
    },
    'storage-repository': {
      type: 'string',
      multiple: true,
      description: 'Repositories whose storage is measured (space or comma separated; * for the catalog)',
      valueName: 'REPO',
    },
    'pushgateway-url': {
      type: 'string',
      description:
        'Push the results to this Pushgateway (group job/registry); also the previous storage figure',
      valueName: 'URL',
    },
    ...bearerTokenFlag,
    job: {
      type: 'string',
      description: 'job label of the pushed group',
      default: 'image-lifecycle',
      valueName: 'NAME',
    },
    'report-file': {
      type: 'string',
      description: 'Write the full report as JSON here (its operations feed push-metrics)',
      valueName: 'PATH',
    },
    ...registryFlags,
    ...deliveryFlags,
  },
  results: [
    'HEALTHY',
    'HEALTH_SUMMARY',
    'LATENCY_P50_MS',
    'LATENCY_P95_MS',
    'STORAGE_BYTES',
    'STORAGE_GROWTH',
  ],
  details: [
    'Exit 1 when the registry is unhealthy: a check failed or the /v2/ p95 is over --max-latency-ms. Results, the',
    'report file and the metrics are written either way. Storage counts what tags keep alive: manifests, configs',
    'and layers, each digest once; growth compares with the figure last pushed to the Pushgateway.',
  ].join('\n'),
  async run(ctx) {
    const { flags, log, results } = ctx;
    checkOutputFile(flags['report-file']?.trim(), '--report-file');
    const registry = flags.registry.trim();
    validateRegistryHost(registry, `${NAME}: --registry`);
    const inRegistry = (flag: string, text: string): Reference => {
      let ref: Reference;
      try {
        // A first component that looks like a host names the registry (the distribution grammar's rule).
        const first = text.split('/')[0] ?? '';
        const named =
          text.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
        ref = parseReference(named ? text : `${registry}/${text}`);
      } catch (err) {
        throw new UsageError(`${NAME}: --${flag}: ${(err as Error).message}`);
      }
      if (ref.registry !== registry) throw new UsageError(`${NAME}: --${flag} ${text} is not on ${registry}`);
      return ref;
    };
    const given = (v: string | undefined) => (v?.trim() ? v.trim() : undefined);
    const canaryText = given(flags['canary-image']);
    const scratchText = given(flags['scratch-repository']);
    const storageNames = flags['storage-repository'].flatMap((v) => v.split(/[\s,]+/)).filter(Boolean);
    const samples = integerFlag(NAME, 'samples', flags.samples, 1, 100);
    const maxP95Ms = integerFlag(NAME, 'max-latency-ms', flags['max-latency-ms'], 1, 600_000);
    const gatewayUrl = given(flags['pushgateway-url']);
    const baseUrl = gatewayUrl ? pushgatewayBaseUrl(NAME, gatewayUrl) : undefined;
    const canary = canaryText ? inRegistry('canary-image', canaryText) : undefined;
    const scratch = scratchText ? inRegistry('scratch-repository', scratchText) : undefined;

    const client = clientFromFlags(flags, log);
    let measured: HealthMeasurements;
    try {
      const storage = storageNames.includes('*')
        ? (await client.catalog(registry)).map((name) => inRegistry('storage-repository', name))
        : storageNames.map((name) => inRegistry('storage-repository', name));
      measured = await runHealthChecks(
        client,
        { registry, samples, storage, ...(canary ? { canary } : {}), ...(scratch ? { scratch } : {}) },
        log,
      );
    } finally {
      await client.close();
    }
    const verdict = evaluate(measured.checks, measured.operations, maxP95Ms);
    const checkedAt = new Date();

    const key: GroupingKey = [
      ['job', flags.job],
      ['registry', registry],
    ];
    const tokenFile = given(flags['bearer-token-file']);
    const token = baseUrl && tokenFile ? readBearerToken(NAME, tokenFile, log) : undefined;
    const gateway: PushgatewayOptions | undefined = baseUrl
      ? { baseUrl, policy: policyFromFlags(NAME, flags), log, ...(token ? { bearerToken: token } : {}) }
      : undefined;
    const failOnError = flags['fail-on-error'] === 'true';
    const previousTotal = gateway ? await previousStorage(gateway, key, failOnError, log) : undefined;
    const storageGrowth =
      measured.storageTotal !== undefined ? growth(measured.storageTotal, previousTotal) : undefined;

    const summary = [
      verdict.healthy ? 'healthy' : `unhealthy: ${verdict.failures.join('; ')}`,
      verdict.pingP95Ms !== undefined ? `/v2/ p50 ${verdict.pingP50Ms} ms, p95 ${verdict.pingP95Ms} ms` : '',
      measured.storageTotal !== undefined
        ? `storage ${formatBytes(measured.storageTotal)} (${formatGrowth(storageGrowth)})`
        : '',
    ]
      .filter(Boolean)
      .join('; ');
    results.set('HEALTHY', String(verdict.healthy));
    results.set('HEALTH_SUMMARY', summary.length > 1000 ? summary.slice(0, 999) + '…' : summary);
    results.set('LATENCY_P50_MS', verdict.pingP50Ms !== undefined ? String(verdict.pingP50Ms) : '');
    results.set('LATENCY_P95_MS', verdict.pingP95Ms !== undefined ? String(verdict.pingP95Ms) : '');
    results.set('STORAGE_BYTES', measured.storageTotal !== undefined ? String(measured.storageTotal) : '');
    results.set('STORAGE_GROWTH', formatGrowth(storageGrowth));

    const report = {
      registry,
      healthy: verdict.healthy,
      checkedAt: checkedAt.toISOString(),
      failures: verdict.failures,
      checks: measured.checks,
      latencyMs: { p50: verdict.pingP50Ms, p95: verdict.pingP95Ms, max: maxP95Ms },
      operations: measured.operations,
      storage: {
        repositories: measured.storage.map((s) => ({
          repository: s.repository,
          bytes: s.bytes,
          objects: s.objects.size,
        })),
        totalBytes: measured.storageTotal,
        previousTotalBytes: previousTotal,
        growth: storageGrowth,
      },
    };
    const reportFile = given(flags['report-file']);
    if (reportFile) {
      try {
        writeFileSync(reportFile, JSON.stringify(report, null, 2) + '\n');
      } catch (err) {
        throw new UsageError(
          `${NAME}: --report-file ${reportFile} cannot be written (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        );
      }
    }

    if (gateway) {
      await bestEffort('metrics push to the Pushgateway', failOnError, log, () =>
        replaceGroup(
          gateway,
          key,
          renderExposition(registryHealthMetrics(measured, verdict.healthy, checkedAt)),
        ),
      );
    }

    ctx.emit(report, () =>
      [
        `${registry}: ${summary}`,
        ...measured.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`),
        ...measured.storage.map((s) => `  storage ${s.repository}: ${formatBytes(s.bytes)}`),
      ].join('\n'),
    );
    return verdict.healthy ? ExitCode.ok : ExitCode.gate;
  },
});

/** The total the previous run pushed, for growth; a gateway that cannot be read leaves growth unknown. */
async function previousStorage(
  gateway: PushgatewayOptions,
  key: GroupingKey,
  failOnError: boolean,
  log: Logger,
): Promise<number | undefined> {
  const read = await bestEffort(
    'reading the previous storage figure from the Pushgateway',
    failOnError,
    log,
    () => readGroup(gateway, key),
  );
  return read.ok ? read.value.get(METRICS.registryStorageTotal.name)?.[0]?.value : undefined;
}
