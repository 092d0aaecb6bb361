import { UsageError } from '../errors.js';
import { integerFlag } from '../http/flags.js';
import { parseRepository, validateRegistryHost, validateTag } from '../oci/reference.js';
import type { FlagSpecs } from '../tekton/args.js';
import { DEFAULT_INVENTORY_REPOSITORY } from './inventory.js';

const REPOSITORY_GLOB = /^[a-z0-9._/*-]+$/;
const TAG_GLOB = /^[A-Za-z0-9_.*-]{1,128}$/;

/** Flags backup and restore share. */
export const copyFlags = {
  'inventory-repository': {
    type: 'string',
    description: 'Repository of the backup registry that keeps the inventories',
    default: DEFAULT_INVENTORY_REPOSITORY,
    valueName: 'REPO',
  },
  concurrency: {
    type: 'string',
    description: 'Registry requests in flight at once',
    default: '8',
    valueName: 'N',
  },
} as const satisfies FlagSpecs;

export function registryHost(command: string, flag: string, value: string): string {
  const host = value.trim();
  validateRegistryHost(host, `${command}: --${flag}`);
  return host;
}

/** Repeatable flags that also take space- or comma-separated lists (a Tekton param is one string). */
export function listFlag(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(/[\s,]+/)).filter(Boolean);
}

/** Repository names and globs (`*` any run of characters), as names in a registry. */
export function repositoryPatterns(command: string, flag: string, values: readonly string[]): string[] {
  const patterns = listFlag(values);
  for (const p of patterns) {
    if (p.includes('*')) {
      if (!REPOSITORY_GLOB.test(p))
        throw new UsageError(
          `${command}: --${flag} "${p}" is not a repository glob (lowercase names, / and *)`,
        );
    } else {
      repositoryName(command, flag, p);
    }
  }
  return patterns;
}

/** A repository path inside a registry, e.g. team/app; not a full reference. */
export function repositoryName(command: string, flag: string, value: string): string {
  let parsed;
  try {
    parsed = parseRepository(`registry.invalid/${value}`);
  } catch (err) {
    throw new UsageError(
      `${command}: --${flag} "${value}" is not a repository name: ${(err as Error).message}`,
    );
  }
  if (parsed.repository !== value)
    throw new UsageError(`${command}: --${flag} "${value}" is not a repository name`);
  return value;
}

export function tagGlobs(
  command: string,
  flag: string,
  values: readonly string[],
  fallback: readonly string[],
): string[] {
  const globs = listFlag(values);
  for (const g of globs) {
    if (!TAG_GLOB.test(g) || /^[.-]/.test(g))
      throw new UsageError(`${command}: --${flag} "${g}" is not a tag or tag glob ([A-Za-z0-9_.-] and *)`);
  }
  return globs.length ? globs : [...fallback];
}

export function concurrencyFlag(command: string, value: string): number {
  return integerFlag(command, 'concurrency', value, 1, 64);
}

/** A tag naming an inventory, e.g. latest or 20261128T013744Z. */
export function inventoryName(command: string, value: string): string {
  try {
    validateTag(value, 'inventory name');
  } catch (err) {
    throw new UsageError(`${command}: --inventory: ${(err as Error).message}`);
  }
  return value;
}

/** A prefix for repository names in the backup registry: empty, or path components ending in /. */
export function repositoryPrefix(command: string, value: string | undefined): string {
  const trimmed = (value ?? '').trim().replace(/^\/+|\/+$/g, '');
  if (!trimmed) return '';
  repositoryName(command, 'prefix', trimmed);
  return `${trimmed}/`;
}
