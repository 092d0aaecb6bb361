import { prometheusBaseUrl, queryPrometheus } from '../../../steps/lib/canary/prometheus.js';
import { freePort } from '../../helpers/ports.js';
import {
  startExporter,
  startPrometheus,
  type TestExporter,
  type TestPrometheus,
} from '../../helpers/prometheus.js';

let exporter: TestExporter;
let prometheus: TestPrometheus;
const RATIO = (track: string) =>
  `sum(rate(test_http_requests_total{track="${track}",code="500"}[2s])) / sum(rate(test_http_requests_total{track="${track}"}[2s]))`;

beforeAll(async () => {
  exporter = await startExporter();
  exporter.setErrorRate('canary', 0.2);
  prometheus = await startPrometheus({ targets: [exporter.target] });
  await prometheus.waitForData(RATIO('canary'));
}, 60_000);
afterAll(async () => {
  await prometheus?.stop();
  await exporter?.stop();
});

describe('the Prometheus query client against a real Prometheus', () => {
  test('a vector: one value per series; the error ratio the exporter was told', async () => {
    expect(await queryPrometheus(prometheus.url, RATIO('canary'))).toEqual([expect.closeTo(0.2, 5)]);
    expect(await queryPrometheus(prometheus.url, RATIO('stable'))).toEqual([0]);
    const perTrack = await queryPrometheus(prometheus.url, 'sum by (track) (test_http_requests_total)');
    expect(perTrack).toHaveLength(2);
  });

  test('a scalar, and no data', async () => {
    expect(await queryPrometheus(prometheus.url, 'scalar(vector(0.5))')).toEqual([0.5]);
    expect(await queryPrometheus(prometheus.url, 'test_http_requests_total{track="nobody"}')).toEqual([]);
  });

  test('a bad query and an unreachable server are errors with the reason', async () => {
    await expect(queryPrometheus(prometheus.url, 'sum(')).rejects.toThrow(
      /^prometheus query failed \(HTTP 400\): bad_data: /,
    );
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    await expect(queryPrometheus(nowhere, 'up', { timeoutMs: 2000 })).rejects.toThrow(
      `prometheus at ${nowhere} did not answer: ECONNREFUSED`,
    );
  });

  test('the base URL is checked', () => {
    expect(prometheusBaseUrl('http://prometheus:9090/')).toBe('http://prometheus:9090');
    expect(() => prometheusBaseUrl('prometheus:9090')).toThrow(
      '--prometheus-url "prometheus:9090" must be http:// or https://',
    );
    expect(() => prometheusBaseUrl('not a url')).toThrow(
      '--prometheus-url "not a url" is not a URL such as http://prometheus:9090',
    );
  });
});
