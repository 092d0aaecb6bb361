import {
  Agent,
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  FAULT_KINDS,
  faultChooser,
  type Fault,
  type FaultChooser,
  type FaultKind,
  type FaultPlan,
  type RequestInfo,
} from './faults.js';

export interface FaultProxyOptions {
  /** Base URL of the server behind the proxy, e.g. a test registry's url. Must be on 127.0.0.1. */
  target: string;
  plan?: FaultPlan;
  /** Used when a 'delay' fault names no ms. */
  defaultDelayMs?: number;
  /** Used when a '429' fault names no Retry-After. */
  defaultRetryAfterSeconds?: number;
}

export interface ProxyLogEntry {
  index: number;
  method: string;
  path: string;
  fault?: FaultKind;
  /** Status sent to the client; absent when the connection was cut first. */
  status?: number;
}

export interface FaultProxyCounts {
  requests: number;
  /** The most requests the proxy was answering at one time. */
  peakInFlight: number;
  /** Requests passed on to the target (delayed and truncated ones included). */
  forwarded: number;
  faults: Record<FaultKind, number>;
}

export interface FaultProxy {
  url: string;
  host: string;
  /** Replaces the plan and ends any outage; counters are kept. */
  setPlan(plan: FaultPlan | undefined): void;
  /** Ends a persistent503 outage. */
  recover(): void;
  counts(): FaultProxyCounts;
  log(): ProxyLogEntry[];
  resetCounts(): void;
  stop(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

function zeroCounts(): FaultProxyCounts {
  return {
    requests: 0,
    peakInFlight: 0,
    forwarded: 0,
    faults: Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>,
  };
}

function errorBody(code: string, message: string): string {
  return JSON.stringify({ errors: [{ code, message: `fault proxy: ${message}` }] });
}

/**
 * An HTTP proxy in front of one target that injects faults per request. The Host header goes through as the
 * client sent it, so absolute URLs the registry builds from it (upload Locations) point back at the proxy.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  if (target.hostname !== '127.0.0.1')
    throw new Error(`fault proxy target must be on 127.0.0.1, got ${target.host}`);
  const defaultDelayMs = options.defaultDelayMs ?? 500;
  const defaultRetryAfterSeconds = options.defaultRetryAfterSeconds ?? 1;
  const agent = new Agent({ keepAlive: true });
  const timers = new Set<NodeJS.Timeout>();
  let choose: FaultChooser = faultChooser(options.plan);
  let outage = false;
  let counts = zeroCounts();
  let entries: ProxyLogEntry[] = [];
  let inFlight = 0;

  const answerError = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    code: string,
    extra: Record<string, string> = {},
  ): void => {
    // Read the request body first so the client is not cut off mid-upload; this is an answer, not a reset.
    req.resume();
    req.once('end', () => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...extra });
      res.end(errorBody(code, `injected ${status}`));
    });
  };

  const cut = (res: ServerResponse): void => {
    res.socket?.destroy();
  };

  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    entry: ProxyLogEntry,
    truncate: boolean,
  ): void => {
    counts.forwarded += 1;
    const upstream = request(
      {
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: endToEnd(req.headers),
        agent,
      },
      (answer) => {
        const headers = endToEnd(answer.headers);
        if (!truncate) {
          res.writeHead(answer.statusCode ?? 502, headers);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          if (body.length === 0) {
            entry.fault = 'reset';
            counts.faults.truncate -= 1;
            counts.faults.reset += 1;
            cut(res);
            return;
          }
          res.writeHead(answer.statusCode ?? 502, { ...headers, 'content-length': String(body.length) });
          res.write(body.subarray(0, Math.floor(body.length / 2)), () => cut(res));
        });
      },
    );
    upstream.on('error', (error) => {
      if (res.headersSent) cut(res);
      else {
        res.writeHead(502, { 'Content-Type': 'application/json' });
        res.end(errorBody('UNAVAILABLE', `target unreachable: ${error.message}`));
      }
    });
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };

  const apply = (
    req: IncomingMessage,
    res: ServerResponse,
    entry: ProxyLogEntry,
    fault: Fault | undefined,
  ): void => {
    if (fault) {
      entry.fault = fault.kind;
      counts.faults[fault.kind] += 1;
    }
    switch (fault?.kind) {
      case undefined:
        forward(req, res, entry, false);
        return;
      case '429':
        answerError(req, res, 429, 'TOOMANYREQUESTS', {
          'Retry-After': String(fault.retryAfterSeconds ?? defaultRetryAfterSeconds),
        });
        return;
      case '503':
        answerError(req, res, 503, 'UNAVAILABLE');
        return;
      case 'persistent503':
        outage = true;
        answerError(req, res, 503, 'UNAVAILABLE');
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'truncate':
        forward(req, res, entry, true);
        return;
      case 'delay': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!req.destroyed) forward(req, res, entry, false);
        }, fault.ms ?? defaultDelayMs);
        timers.add(timer);
        return;
      }
    }
  };

  const server = createServer((req, res) => {
    const info: RequestInfo = {
      index: counts.requests,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
    };
    counts.requests += 1;
    inFlight += 1;
    counts.peakInFlight = Math.max(counts.peakInFlight, inFlight);
    const entry: ProxyLogEntry = { index: info.index, method: info.method, path: info.path };
    entries.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
    });
    res.on('close', () => {
      inFlight -= 1;
    });
    apply(req, res, entry, outage ? { kind: 'persistent503' } : choose(info));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    setPlan(plan) {
      choose = faultChooser(plan);
      outage = false;
    },
    recover() {
      outage = false;
    },
    counts: () => ({ ...counts, faults: { ...counts.faults } }),
    log: () => entries.map((entry) => ({ ...entry })),
    resetCounts() {
      counts = zeroCounts();
      entries = [];
    },
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
    },
  };
}
