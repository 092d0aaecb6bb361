import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { eventually } from './eventually.js';
import { freePort } from './ports.js';
import { startProcess, waitForHttp, type ManagedProcess } from './processes.js';
import { makeTempDir, removeTempDir } from './temp-dirs.js';

/**
 * A tiny application exporter whose error rate the test sets: each scrape counts 100 more requests per
 * track (stable, canary), of which `rate` are 5xx, as `test_http_requests_total{track, code}` counters.
 */
export interface TestExporter {
  /** host:port, for a scrape target. */
  readonly target: string;
  setErrorRate(track: string, rate: number): void;
  stop(): Promise<void>;
}

const REQUESTS_PER_SCRAPE = 100;

export async function startExporter(tracks: readonly string[] = ['stable', 'canary']): Promise<TestExporter> {
  const rates = new Map(tracks.map((t) => [t, 0]));
  const counts = new Map(tracks.map((t) => [t, { ok: 0, errors: 0 }]));
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    const lines = [
      '# HELP test_http_requests_total Requests served, by track and status code.',
      '# TYPE test_http_requests_total counter',
    ];
    for (const [track, count] of counts) {
      const errors = Math.round(REQUESTS_PER_SCRAPE * (rates.get(track) ?? 0));
      count.errors += errors;
      count.ok += REQUESTS_PER_SCRAPE - errors;
      lines.push(
        `test_http_requests_total{track="${track}",code="200"} ${count.ok}`,
        `test_http_requests_total{track="${track}",code="500"} ${count.errors}`,
      );
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(lines.join('\n') + '\n');
  });
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    target: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    setErrorRate(track, rate) {
      if (!counts.has(track)) counts.set(track, { ok: 0, errors: 0 });
      rates.set(track, rate);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface TestPrometheus {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly process: ManagedProcess;
  /** The values of an instant query, through the HTTP API. */
  query(promql: string): Promise<number[]>;
  /** Waits until the query returns at least one value that is a number. */
  waitForData(promql: string, timeoutMs?: number): Promise<number[]>;
  stop(): Promise<void>;
}

export interface StartPrometheusOptions {
  /** host:port targets to scrape. */
  targets: string[];
  /** Short, so rates over a few seconds have enough samples. */
  scrapeIntervalMs?: number;
}

/**
 * Starts the Debian `prometheus` on 127.0.0.1 and a free port with its TSDB in a temporary directory,
 * scraping the given targets. It dies with the test process (startProcess), and stop() ends it and
 * removes its data.
 */
export async function startPrometheus(options: StartPrometheusOptions): Promise<TestPrometheus> {
  const dir = makeTempDir('prometheus');
  const configPath = join(dir, 'prometheus.yml');
  const interval = `${options.scrapeIntervalMs ?? 200}ms`;
  writeFileSync(
    configPath,
    dump({
      global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: '1s' },
      scrape_configs: [{ job_name: 'test-exporter', static_configs: [{ targets: options.targets }] }],
    }),
  );
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = startProcess(
      'prometheus',
      [
        `--config.file=${configPath}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
        '--storage.tsdb.retention.time=1h',
      ],
      { name: `prometheus on 127.0.0.1:${port}` },
    );
    try {
      await waitForHttp(`${url}/-/ready`, { process: child, timeoutMs: 30_000, intervalMs: 100 });
    } catch (err) {
      // Another process may have taken the port between freePort and the bind: try another.
      lastError = err;
      await child.stop();
      continue;
    }
    const query = async (promql: string): Promise<number[]> => {
      const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql }).toString()}`);
      const body = (await res.json()) as {
        status: string;
        error?: string;
        data?: { resultType: string; result: Array<{ value: [number, string] }> };
      };
      if (body.status !== 'success') throw new Error(`prometheus query ${promql}: ${body.error}`);
      return (body.data?.result ?? []).map((r) => Number(r.value[1]));
    };
    return {
      url,
      process: child,
      query,
      waitForData: (promql, timeoutMs = 20_000) =>
        eventually(
          `prometheus data for ${promql}`,
          async () => {
            const values = await query(promql);
            return values.length > 0 && values.every((v) => !Number.isNaN(v)) ? values : undefined;
          },
          { timeoutMs, intervalMs: 100 },
        ),
      async stop() {
        await child.stop();
        removeTempDir(dir);
      },
    };
  }
  removeTempDir(dir);
  throw lastError;
}
