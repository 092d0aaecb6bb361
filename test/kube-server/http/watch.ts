import type { ServerResponse } from 'node:http';
import { objectFilter, type Api } from '../api.js';
import type { KubeObject } from '../model.js';
import type { ResourceType } from '../resources.js';
import type { StoreEvent } from '../store.js';
import { ApiError, badRequest } from './status.js';

/** Open watch streams, so the server can end them all when it stops. */
export class WatchRegistry {
  private readonly open = new Set<() => void>();

  add(close: () => void): () => void {
    this.open.add(close);
    return () => this.open.delete(close);
  }

  closeAll(): void {
    for (const close of [...this.open]) close();
  }
}

type WireEvent =
  { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: KubeObject } | { type: 'ERROR'; object: unknown };

/**
 * A watch: newline-delimited JSON events. From resourceVersion "" or "0" it starts with an ADDED event per
 * existing object; from a later one it replays history (or reports 410 Expired when that is gone). With a
 * selector, an object that starts or stops matching arrives as ADDED or DELETED, as the real server does.
 */
export function streamWatch(
  api: Api,
  registry: WatchRegistry,
  r: ResourceType,
  namespace: string | undefined,
  query: URLSearchParams,
  res: ServerResponse,
): void {
  const matches = objectFilter(r, namespace, {
    labelSelector: query.get('labelSelector') ?? undefined,
    fieldSelector: query.get('fieldSelector') ?? undefined,
  });
  const from = query.get('resourceVersion') ?? '';
  if (from !== '' && !/^\d+$/.test(from))
    throw badRequest(`resourceVersion: Invalid value: "${from}": must be a number`);

  const translate = (e: StoreEvent): WireEvent | undefined => {
    if (e.resource !== r) return undefined;
    const now = matches(e.object);
    if (e.type !== 'MODIFIED') return now ? { type: e.type, object: e.object } : undefined;
    const before = e.previous ? matches(e.previous) : now;
    if (now) return { type: before ? 'MODIFIED' : 'ADDED', object: e.object };
    return before ? { type: 'DELETED', object: e.object } : undefined;
  };

  let backlog: WireEvent[];
  let expiredError: unknown;
  if (from === '' || from === '0') {
    backlog = api
      .list(r, namespace)
      .items.filter(matches)
      .map((object) => ({ type: 'ADDED', object }));
  } else {
    try {
      backlog = api.store.eventsSince(r, Number(from)).flatMap((e) => translate(e) ?? []);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      backlog = [];
      expiredError = err.status;
    }
  }

  res.writeHead(200, {
    'content-type': 'application/json',
    'transfer-encoding': 'chunked',
    'cache-control': 'no-cache, private',
  });
  // The client learns the watch is established from the headers, before any event exists.
  res.flushHeaders();
  const send = (event: WireEvent) => res.write(JSON.stringify(event) + '\n');
  if (expiredError) {
    send({ type: 'ERROR', object: expiredError });
    res.end();
    return;
  }
  // Subscribing in the same synchronous turn as reading the backlog: no event can fall between them.
  const unsubscribe = api.store.subscribe((e) => {
    const wire = translate(e);
    if (wire) send(wire);
  });
  backlog.forEach(send);

  let timer: NodeJS.Timeout | undefined;
  const close = () => {
    unsubscribe();
    unregister();
    if (timer) clearTimeout(timer);
    if (!res.writableEnded) res.end();
  };
  const unregister = registry.add(close);
  const timeout = Number(query.get('timeoutSeconds') ?? 0);
  if (timeout > 0) timer = setTimeout(close, timeout * 1000);
  res.on('close', close);
}
