import { ExitCode, StepError, type ExitCodeValue } from '../errors.js';

/** What a call to the API server was trying to do, for messages that name it. */
export interface KubeAction {
  verb: 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';
  /** Plural resource name, e.g. deployments. */
  resource: string;
  /** API group; '' for the core group. */
  group: string;
  namespace?: string;
  name?: string;
}

/** `deployments.apps`, or `pods` for the core group: how Kubernetes and RBAC name a resource. */
export function qualifiedResource(action: Pick<KubeAction, 'resource' | 'group'>): string {
  return action.group ? `${action.resource}.${action.group}` : action.resource;
}

export function describeAction(action: KubeAction): string {
  const target = action.name ? `${qualifiedResource(action)} "${action.name}"` : qualifiedResource(action);
  return `${action.verb} ${target}${action.namespace ? ` in namespace "${action.namespace}"` : ''}`;
}

/** The parts of a Kubernetes `Status` body the error mapping reads. */
export interface KubeStatus {
  code?: number;
  reason?: string;
  message?: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: Array<{ field?: string; message?: string }>;
  };
}

/** An answer from the API server that ends the step unless a caller handles it. */
export class KubeApiError extends StepError {
  constructor(
    message: string,
    exitCode: ExitCodeValue,
    readonly action: KubeAction,
    readonly status: number | undefined,
    readonly reason: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, exitCode, options);
  }
}

/** 404: the object (or its namespace) does not exist. Callers that expect absence catch this one. */
export class KubeNotFoundError extends KubeApiError {}

/** 403: the identity may not do this; fix the Role, not the step. */
export class KubeForbiddenError extends KubeApiError {}

/** 401: the credentials were rejected (expired token, wrong kubeconfig). */
export class KubeUnauthorizedError extends KubeApiError {}

/** 409 AlreadyExists on create. */
export class KubeAlreadyExistsError extends KubeApiError {}

/** 409 Conflict: the object changed under us, still after re-reading as many times as allowed. */
export class KubeConflictError extends KubeApiError {}

/** 400/422: the server refused the object or patch as invalid. */
export class KubeInvalidError extends KubeApiError {}

/**
 * Maps an API server answer to the step contract. Configuration problems the user must fix (403, 401, 404,
 * 400/422) exit 2; contention and server trouble that outlasted retries (409 Conflict, 429, 5xx) exit 3.
 */
export function errorFromStatus(
  action: KubeAction,
  code: number,
  status: KubeStatus | undefined,
  server: string,
): KubeApiError {
  const said = status?.message ? `: ${status.message}` : '';
  const reason = status?.reason;
  const what = describeAction(action);
  const where = action.namespace ? ` in namespace "${action.namespace}"` : '';
  switch (code) {
    case 401:
      return new KubeUnauthorizedError(
        `unauthorized: the API server at ${server} rejected the credentials while trying to ${what} (expired token or wrong kubeconfig/context)`,
        ExitCode.usage,
        action,
        code,
        reason,
      );
    case 403: {
      const user = /User "([^"]+)"/.exec(status?.message ?? '')?.[1];
      const who = user ? ` as ${user}` : '';
      return new KubeForbiddenError(
        `forbidden: cannot ${action.verb} ${qualifiedResource(action)}${where}${who} (check the Role and RoleBinding for this identity)${said}`,
        ExitCode.usage,
        action,
        code,
        reason,
      );
    }
    case 404:
      return new KubeNotFoundError(`${what}: not found${said}`, ExitCode.usage, action, code, reason);
    case 409:
      return reason === 'AlreadyExists'
        ? new KubeAlreadyExistsError(`${what}: already exists${said}`, ExitCode.usage, action, code, reason)
        : new KubeConflictError(`${what}: conflict${said}`, ExitCode.infra, action, code, reason);
    case 400:
    case 422:
      return new KubeInvalidError(
        `${what}: rejected as invalid${said}`,
        ExitCode.usage,
        action,
        code,
        reason,
      );
    default:
      return new KubeApiError(
        `${what}: the API server answered HTTP ${code}${said}`,
        ExitCode.infra,
        action,
        code,
        reason,
      );
  }
}

/** Statuses worth another attempt: the server is overloaded, restarting, or behind a struggling proxy. */
export function isTransientStatus(code: number): boolean {
  return code === 429 || code === 500 || code === 502 || code === 503 || code === 504;
}
