import { setFlagsFromString } from 'node:v8';
import type { Agent, Dispatcher } from 'undici';

/** The part of undici the steps use: connection pools and `request` through one of them. */
export interface HttpClient {
  Agent: typeof Agent;
  request(
    url: string | URL,
    options: Omit<Dispatcher.RequestOptions, 'origin' | 'path'> & { dispatcher: Dispatcher },
  ): Promise<Dispatcher.ResponseData>;
}

type RequestFunction = (
  this: Dispatcher,
  options: Dispatcher.RequestOptions,
) => Promise<Dispatcher.ResponseData>;

let loading: Promise<HttpClient> | undefined;

/**
 * undici, loaded when a step first talks HTTP rather than when its module is, and only its pool and request
 * modules: its index also evaluates fetch, WebSocket, EventSource and the cache stores (about 65 ms of CPU
 * here, a third of a promotion), which no step uses.
 */
export function loadUndici(): Promise<HttpClient> {
  return (loading ??= load());
}

async function load(): Promise<HttpClient> {
  // undici parses HTTP with llhttp compiled to WebAssembly, and V8 re-compiles hot WebAssembly with TurboFan in
  // the background; a process that is done waits for that compile at exit (about 120 ms here, longer than a
  // whole promotion's requests). The baseline compiler's code is fast enough to parse registry responses.
  setFlagsFromString('--liftoff-only');
  // CommonJS modules: their exports are the namespace's `default` under Node's ESM and esbuild's bundles alike.
  const [agent, request] = await Promise.all([
    import('undici/lib/dispatcher/agent.js'),
    import('undici/lib/api/api-request.js'),
  ]);
  const requestThrough = request.default as RequestFunction;
  return {
    Agent: agent.default as typeof Agent,
    request(url, { dispatcher, ...options }) {
      const target = typeof url === 'string' ? new URL(url) : url;
      return requestThrough.call(dispatcher, {
        ...options,
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
      });
    },
  };
}
