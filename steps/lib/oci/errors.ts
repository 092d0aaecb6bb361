import { ExitCode, StepError } from '../errors.js';

/** A distribution error body entry: {"errors":[{"code":"MANIFEST_UNKNOWN","message":"..."}]}. */
export interface DistributionError {
  code: string;
  message?: string;
  detail?: unknown;
}

/**
 * A registry's final answer to one operation. Permanent answers (not found, denied, unsupported) end a
 * step with exit 1; transient ones that outlasted retries end it with exit 3.
 */
export class RegistryError extends StepError {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly code: string,
    readonly transient: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, transient ? ExitCode.infra : ExitCode.gate, options);
  }

  get notFound(): boolean {
    return this.status === 404 || /_UNKNOWN$/.test(this.code);
  }
}

/** HTTP statuses worth another try: the registry or something in front of it is overloaded or restarting. */
export function isTransientStatus(status: number): boolean {
  return (
    status === 408 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504
  );
}

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  // A name that does not resolve may be DNS catching up in a cluster; it ends as "unreachable" (exit 3).
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

export function networkErrorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/** The TLS failure code of an error chain: a certificate we do not trust, or a server that is not TLS. */
export function tlsErrorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && TLS_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function parseDistributionErrors(body: string): DistributionError[] {
  try {
    const parsed = JSON.parse(body) as { errors?: unknown };
    if (Array.isArray(parsed.errors)) {
      return parsed.errors.filter(
        (e): e is DistributionError => typeof e === 'object' && e !== null && 'code' in e,
      );
    }
  } catch {
    // Not JSON: a proxy's or load balancer's page; the status says enough.
  }
  return [];
}

const STATUS_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'DENIED',
  404: 'NOT_FOUND',
  405: 'UNSUPPORTED',
  429: 'TOOMANYREQUESTS',
};

export function errorFromResponse(operation: string, status: number, body: string): RegistryError {
  const errors = parseDistributionErrors(body);
  const first = errors[0];
  const code = first?.code ?? STATUS_CODES[status] ?? `HTTP_${status}`;
  const detail = first?.message ? `: ${first.message}` : '';
  return new RegistryError(
    `${operation}: ${code.toLowerCase()} (HTTP ${status})${detail}`,
    status,
    code,
    isTransientStatus(status),
  );
}
