import type { IncomingMessage, ServerResponse } from 'node:http';
import { PATCH_TYPES, type Api, type DeleteOptions, type ListOptions, type Subresource } from '../api.js';
import { allows, denialReason, type Users } from '../auth.js';
import { isObject } from '../json.js';
import type { KubeObject } from '../model.js';
import { apiVersionOf, type ResourceType } from '../resources.js';
import { discovery, SERVER_VERSION } from './discovery.js';
import { routeResource, type ResourceRequest } from './router.js';
import {
  ApiError,
  badRequest,
  forbidden,
  methodNotAllowed,
  pathNotFound,
  unauthorized,
  unsupportedMediaType,
} from './status.js';
import { streamWatch, type WatchRegistry } from './watch.js';

const MAX_BODY_BYTES = 3 * 1024 * 1024;
const PUBLIC_PATHS = new Set(['/version', '/healthz', '/livez', '/readyz']);

export interface HandlerContext {
  api: Api;
  users: Users;
  watches: WatchRegistry;
  serverAddress: () => string;
  log?: (line: string) => void;
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-cache, private',
  });
  res.end(text);
}

function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof ApiError) {
    sendJson(res, err.status.code, err.status);
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  sendJson(res, 500, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${message}`,
    reason: 'InternalError',
    code: 500,
  });
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw badRequest('the request body is too large');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
}

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

function verbOf(method: string, target: ResourceRequest, watch: boolean): string {
  switch (method) {
    case 'GET':
      return target.name ? 'get' : watch ? 'watch' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return target.name ? 'delete' : 'deletecollection';
    default:
      return '';
  }
}

function listOptions(query: URLSearchParams): ListOptions {
  const options: ListOptions = {};
  const label = query.get('labelSelector');
  const field = query.get('fieldSelector');
  const limit = query.get('limit');
  const cont = query.get('continue');
  if (label) options.labelSelector = label;
  if (field) options.fieldSelector = field;
  if (limit) options.limit = Number(limit);
  if (cont) options.continue = cont;
  return options;
}

/** List items carry no apiVersion/kind of their own; the list says what they are. */
function listBody(r: ResourceType, result: ReturnType<Api['list']>): unknown {
  const metadata: Record<string, unknown> = { resourceVersion: result.resourceVersion };
  if (result.continue) metadata.continue = result.continue;
  if (result.remainingItemCount !== undefined) metadata.remainingItemCount = result.remainingItemCount;
  const items = result.items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest);
  return { kind: `${r.kind}List`, apiVersion: apiVersionOf(r), metadata, items };
}

function deleteOptions(query: URLSearchParams, body: unknown): DeleteOptions {
  const options: DeleteOptions = {};
  const sent = isObject(body) ? body : {};
  const policy = query.get('propagationPolicy') ?? sent.propagationPolicy;
  if (policy === 'Orphan' || policy === 'Background' || policy === 'Foreground')
    options.propagationPolicy = policy;
  else if (policy !== undefined && policy !== null)
    throw badRequest(`propagationPolicy: Unsupported value: "${String(policy)}"`);
  if (query.get('dryRun') === 'All' || (Array.isArray(sent.dryRun) && sent.dryRun.includes('All')))
    options.dryRun = true;
  if (isObject(sent.preconditions))
    options.preconditions = sent.preconditions as DeleteOptions['preconditions'];
  return options;
}

/** One HTTP request of the Kubernetes API: discovery, or a verb on a resource, authenticated and authorized. */
export async function handle(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const method = req.method ?? 'GET';
  try {
    if (PUBLIC_PATHS.has(path)) {
      if (path === '/version') sendJson(res, 200, SERVER_VERSION);
      else {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('ok');
      }
      return;
    }
    const user = ctx.users.authenticate(req.headers.authorization);
    if (!user) throw unauthorized();
    const target = routeResource(path);
    if (!target) {
      const doc = method === 'GET' ? discovery(path, ctx.serverAddress()) : undefined;
      if (!doc) throw pathNotFound();
      sendJson(res, 200, doc);
      return;
    }
    const r = target.resource;
    const watch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
    const verb = verbOf(method, target, watch);
    if (!verb) throw methodNotAllowed();
    const subresource = target.subresource;
    if (subresource !== undefined) {
      if (!(r.subresources as string[]).includes(subresource)) throw pathNotFound();
      if (!['get', 'update', 'patch'].includes(verb)) throw methodNotAllowed();
    }
    if (!subresource && !r.verbs.includes(verb)) throw methodNotAllowed();
    if (r.namespaced && target.namespace === undefined && !['list', 'watch'].includes(verb))
      throw methodNotAllowed();
    if (verb === 'create' && target.name) throw methodNotAllowed();
    if ((verb === 'update' || verb === 'patch') && !target.name) throw methodNotAllowed();

    const access = {
      verb,
      group: r.group,
      resource: subresource ? `${r.plural}/${subresource}` : r.plural,
      namespace: target.namespace,
      name: target.name,
    };
    if (!allows(user.rules, access)) throw forbidden(r, target.name, denialReason(user, access));
    ctx.log?.(
      `${user.name} ${verb} ${access.resource}${target.namespace ? ` -n ${target.namespace}` : ''}${target.name ? ` ${target.name}` : ''}`,
    );

    const query = url.searchParams;
    const dryRun = query.get('dryRun') === 'All';
    const sub = subresource as Subresource | undefined;
    const name = target.name as string;
    switch (verb) {
      case 'get':
        sendJson(res, 200, ctx.api.get(r, target.namespace, name, sub));
        return;
      case 'list':
        sendJson(res, 200, listBody(r, ctx.api.list(r, target.namespace, listOptions(query))));
        return;
      case 'watch':
        streamWatch(ctx.api, ctx.watches, r, target.namespace, query, res);
        return;
      case 'create': {
        requireJson(req);
        sendJson(res, 201, ctx.api.create(r, target.namespace, await readBody(req), { dryRun }));
        return;
      }
      case 'update':
        requireJson(req);
        sendJson(
          res,
          200,
          ctx.api.update(r, target.namespace, name, await readBody(req), { subresource: sub, dryRun }),
        );
        return;
      case 'patch': {
        const type = mediaType(req);
        if (!(Object.values(PATCH_TYPES) as string[]).includes(type))
          throw unsupportedMediaType(Object.values(PATCH_TYPES));
        sendJson(
          res,
          200,
          ctx.api.patch(r, target.namespace, name, type, await readBody(req), { subresource: sub, dryRun }),
        );
        return;
      }
      case 'delete':
        sendJson(
          res,
          200,
          ctx.api.delete(r, target.namespace, name, deleteOptions(query, await readBody(req))),
        );
        return;
      case 'deletecollection': {
        const deleted = ctx.api.deleteCollection(
          r,
          target.namespace,
          listOptions(query),
          deleteOptions(query, await readBody(req)),
        );
        sendJson(
          res,
          200,
          listBody(r, { items: deleted as KubeObject[], resourceVersion: ctx.api.store.resourceVersion() }),
        );
        return;
      }
    }
  } catch (err) {
    if (!res.headersSent) sendError(res, err);
    else res.destroy();
  }
}

function requireJson(req: IncomingMessage): void {
  const type = mediaType(req);
  if (type !== '' && type !== 'application/json') throw unsupportedMediaType(['application/json']);
}
