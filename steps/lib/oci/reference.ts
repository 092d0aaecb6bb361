import { UsageError } from '../errors.js';

/**
 * Image references by the distribution reference grammar (github.com/distribution/reference):
 * [domain[:port]/]component(/component)*[:tag][@algorithm:hex], with Docker Hub defaults.
 */
export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6 = /^\[[a-fA-F0-9:]+\]$/;
export const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*):([0-9a-fA-F]{32,})$/;
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha512: 128 };
const MAX_NAME_LENGTH = 255;
/** A DNS name (253) and a port. */
const MAX_HOST_LENGTH = 259;

export class Reference {
  constructor(
    readonly registry: string,
    readonly repository: string,
    readonly tag?: string,
    readonly digest?: string,
  ) {}

  /** registry/repository, without tag or digest. */
  context(): string {
    return `${this.registry}/${this.repository}`;
  }

  /** The tag or digest a manifest request names: digest wins, as it does for the registry. */
  identifier(): string {
    return this.digest ?? this.tag ?? 'latest';
  }

  withTag(tag: string): Reference {
    validateTag(tag, 'tag');
    return new Reference(this.registry, this.repository, tag, undefined);
  }

  withDigest(digest: string): Reference {
    validateDigest(digest, 'digest');
    return new Reference(this.registry, this.repository, undefined, digest);
  }

  withRepository(repository: string): Reference {
    return parseReference(`${this.registry}/${repository}`);
  }

  toString(): string {
    return this.context() + (this.tag ? `:${this.tag}` : '') + (this.digest ? `@${this.digest}` : '');
  }
}

export function validateTag(tag: string, what = 'tag'): void {
  if (!TAG_PATTERN.test(tag)) {
    const shown = shorten(tag.length > 40 ? `${tag.slice(0, 40)}…(${tag.length} chars)` : tag);
    throw new UsageError(
      `invalid ${what} "${shown}": tags are 1-128 of [A-Za-z0-9_.-] and do not start with . or -`,
    );
  }
}

export function validateDigest(digest: string, what = 'digest'): void {
  const match = DIGEST.exec(digest);
  const expected = match ? DIGEST_HEX_LENGTH[match[1] ?? ''] : undefined;
  if (!match || (expected !== undefined && !new RegExp(`^[a-f0-9]{${expected}}$`).test(match[2] ?? ''))) {
    throw new UsageError(
      `invalid ${what} "${shorten(digest)}": expected algorithm:hex such as sha256:<64 hex digits>`,
    );
  }
}

function isDomain(first: string): boolean {
  return (
    first === 'localhost' ||
    first.includes('.') ||
    first.includes(':') ||
    IPV6.test(first) ||
    /[A-Z]/.test(first)
  );
}

function validHost(domain: string): boolean {
  const [host, port, ...extra] = IPV6.test(domain.split(/:(?=\d+$)/)[0] ?? '')
    ? splitIpv6(domain)
    : domain.split(':');
  const hostOk =
    host !== undefined && (IPV6.test(host) || host.split('.').every((c) => DOMAIN_COMPONENT.test(c)));
  const portOk = port === undefined || (/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535);
  return hostOk && portOk && extra.length === 0;
}

function validateDomain(domain: string, input: string): void {
  if (!validHost(domain))
    throw new UsageError(
      `invalid image reference "${shorten(input)}": bad registry host "${shorten(domain)}"`,
    );
}

/** A registry as flags name it: host[:port] (`quay.io`, `127.0.0.1:5000`, `[::1]:5000`), nothing more. */
export function validateRegistryHost(host: string, what = 'the registry'): void {
  if (!validHost(host) || host.length > MAX_HOST_LENGTH) {
    throw new UsageError(
      `${what} must be a registry host[:port] such as quay.example.com, got "${shorten(host)}"`,
    );
  }
}

function splitIpv6(domain: string): string[] {
  const end = domain.indexOf(']');
  const host = domain.slice(0, end + 1);
  const rest = domain.slice(end + 1);
  return rest ? [host, rest.replace(/^:/, '')] : [host];
}

/**
 * Parses and normalizes a reference. `defaultRegistry` lets callers resolve short names against their
 * own registry; without it Docker Hub is assumed, with `library/` for single-component names.
 */
export function parseReference(input: string, options: { defaultRegistry?: string } = {}): Reference {
  const text = input.trim();
  if (text === '') throw new UsageError('invalid image reference "": it is empty');
  if (/[\s\0]/.test(text))
    throw new UsageError(`invalid image reference "${shorten(text)}": it contains white space`);

  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    try {
      validateDigest(digest);
    } catch {
      throw new UsageError(
        `invalid image reference "${shorten(text)}": bad digest "${shorten(digest)}" (expected sha256:<64 hex>)`,
      );
    }
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > lastSlash) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (rest.lastIndexOf(':') > rest.lastIndexOf('/')) {
      throw new UsageError(`invalid image reference "${shorten(text)}": more than one tag`);
    }
    if (!TAG_PATTERN.test(tag)) {
      throw new UsageError(
        `invalid image reference "${shorten(text)}": bad tag "${shorten(tag)}" (1-128 of [A-Za-z0-9_.-], not starting with . or -)`,
      );
    }
  }

  const parts = rest.split('/');
  let registry: string;
  if (parts.length > 1 && isDomain(parts[0] ?? '')) {
    registry = parts.shift() as string;
    validateDomain(registry, text);
  } else {
    registry = options.defaultRegistry ?? DOCKER_HUB;
  }
  if (DOCKER_HUB_ALIASES.has(registry)) registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');

  for (const component of parts) {
    if (!COMPONENT.test(component)) {
      const why = /[A-Z]/.test(component)
        ? 'repository names must be lowercase'
        : 'bad repository name component';
      throw new UsageError(`invalid image reference "${shorten(text)}": ${why} "${shorten(component)}"`);
    }
  }
  const repository = parts.join('/');
  if (repository.length > MAX_NAME_LENGTH) {
    throw new UsageError(
      `invalid image reference "${shorten(text)}": repository name longer than ${MAX_NAME_LENGTH} characters`,
    );
  }
  return new Reference(registry, repository, tag, digest);
}

/** A repository without tag or digest, e.g. for tag listing. */
export function parseRepository(input: string, options: { defaultRegistry?: string } = {}): Reference {
  const ref = parseReference(input, options);
  if (ref.tag || ref.digest) {
    throw new UsageError(`invalid repository "${shorten(input)}": give a repository without tag or digest`);
  }
  return ref;
}

/** Input as an error message shows it: control characters escaped (one line), long input cut. */
function shorten(text: string): string {
  const cut = text.length > 80 ? `${text.slice(0, 80)}…(${text.length} chars)` : text;
  return cut.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
