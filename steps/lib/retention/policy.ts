import { basename } from 'node:path';
import { UsageError } from '../errors.js';
import { globMatch } from '../scan/glob.js';
import { describeFound, loadPolicyDocument } from '../config/policy-document.js';

/** Where an image's creation date is read from, in the order the policy lists them. */
export type AgeSource = 'config' | 'annotation' | 'label';
export const AGE_SOURCES: readonly AgeSource[] = ['config', 'annotation', 'label'];

export interface RetentionPolicy {
  /** Shown in the plan as `policy`: the policy's `name`, or its file name. */
  name: string;
  repositories: { include: string[]; exclude: string[] };
  keep: {
    /** Per repository: the N highest versions (semver tags), and the N newest other tags by creation time. */
    newest?: number;
    /** Anything created less than this long ago (milliseconds). */
    youngerThanMs?: number;
    /** The duration as written, for reasons. */
    youngerThan?: string;
    tags: string[];
    tagPatterns: string[];
  };
  delete: {
    /** Delete manifests left without a tag that nothing kept reaches; false: only tags are removed. */
    untagged: boolean;
    /** Tags eligible for deletion; every other tag is kept. */
    tagPatterns: string[];
    /** Delete signatures and referrer indexes whose subject is not in the repository (off: they may belong to another repository). */
    orphanedAttachments: boolean;
  };
  age: {
    sources: AgeSource[];
    /** What a missing or epoch creation date means: keep the image, or treat it as older than any limit. */
    unknown: 'keep' | 'old';
  };
  protectInUse: boolean;
  inUse: { namespaces: string[]; registryAliases: string[] };
}

const DURATION = /^(\d+)(h|d|w)$/;
const UNIT_MS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
const NAMESPACE = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?|\*)$/;

/**
 * Reads a retention policy (YAML, the core schema: maps, lists and scalars only). Every mistake is one line
 * naming the file and the key path; unknown keys are mistakes too, so a typo cannot silently widen deletion.
 */
export function parseRetentionPolicy(text: string, source: string): RetentionPolicy {
  const doc = loadPolicyDocument(text, source);
  if (doc === undefined || doc === null)
    throw new UsageError(`${source}: the policy is empty; see examples/retention-policy.yaml`);
  return new Reader(source).policy(doc);
}

type Map = Record<string, unknown>;

class Reader {
  constructor(private readonly source: string) {}

  private fail(path: string, message: string): never {
    throw new UsageError(`${this.source}: ${path} ${message}`);
  }

  private map(value: unknown, path: string, known: readonly string[]): Map {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      this.fail(path || 'the document', `must be a map, got ${describeFound(value)}`);
    for (const key of Object.keys(value)) {
      if (!known.includes(key))
        this.fail(path ? `${path}.${key}` : key, `is not a policy key (known here: ${known.join(', ')})`);
    }
    return value as Map;
  }

  private boolean(value: unknown, path: string, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') this.fail(path, `must be true or false, got ${describeFound(value)}`);
    return value;
  }

  private strings(value: unknown, path: string, check?: (item: string, itemPath: string) => void): string[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) this.fail(path, `must be a list of strings, got ${describeFound(value)}`);
    return value.map((item, i) => {
      // YAML reads a bare 1.0 as the number 1: the tag meant cannot be recovered, so ask for quotes.
      if (typeof item === 'number')
        this.fail(`${path}[${i}]`, `is the number ${item}; quote tags that look like numbers, e.g. "1.0"`);
      if (typeof item !== 'string' || item.trim() === '')
        this.fail(`${path}[${i}]`, `must be a non-empty string, got ${describeFound(item)}`);
      check?.(item.trim(), `${path}[${i}]`);
      return item.trim();
    });
  }

  private globs(value: unknown, path: string): string[] {
    return this.strings(value, path, (item, itemPath) => {
      if (!/^[A-Za-z0-9._\-/*]+$/.test(item))
        this.fail(itemPath, `"${item}" is not a pattern: use name characters and * only`);
    });
  }

  policy(doc: unknown): RetentionPolicy {
    const top = this.map(doc, '', ['name', 'repositories', 'keep', 'delete', 'age', 'protectInUse', 'inUse']);
    let name = basename(this.source);
    if (top.name !== undefined) {
      if (typeof top.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._ -]{0,62}$/.test(top.name)) {
        this.fail(
          'name',
          `must be a short name (letters, digits, . _ - and spaces), got ${describeFound(top.name)}`,
        );
      }
      name = top.name;
    }
    const repos =
      top.repositories === undefined
        ? {}
        : this.map(top.repositories, 'repositories', ['include', 'exclude']);
    const include = repos.include === undefined ? ['*'] : this.globs(repos.include, 'repositories.include');
    if (include.length === 0)
      this.fail(
        'repositories.include',
        'is empty, so nothing would be selected; leave it out to select every repository',
      );
    const keep = this.keep(top.keep);
    const del =
      top.delete === undefined
        ? {}
        : this.map(top.delete, 'delete', ['untagged', 'tagPatterns', 'orphanedAttachments']);
    const tagPatterns =
      del.tagPatterns === undefined ? ['*'] : this.globs(del.tagPatterns, 'delete.tagPatterns');
    const age = this.age(top.age);
    const protectInUse = this.boolean(top.protectInUse, 'protectInUse', false);
    const inUse = this.inUse(top.inUse);
    if (protectInUse && inUse.namespaces.length === 0) {
      this.fail(
        'inUse.namespaces',
        'must list the namespaces to look for running images in when protectInUse is true ("*" for all)',
      );
    }
    if (
      keep.newest === undefined &&
      keep.youngerThanMs === undefined &&
      keep.tags.length === 0 &&
      keep.tagPatterns.length === 0 &&
      !protectInUse
    ) {
      this.fail(
        'keep',
        'has no rule, so every tag in scope would be deleted; give at least one of newest, youngerThan, tags, tagPatterns',
      );
    }
    return {
      name,
      repositories: { include, exclude: this.globs(repos.exclude, 'repositories.exclude') },
      keep,
      delete: {
        untagged: this.boolean(del.untagged, 'delete.untagged', true),
        tagPatterns,
        orphanedAttachments: this.boolean(del.orphanedAttachments, 'delete.orphanedAttachments', false),
      },
      age,
      protectInUse,
      inUse,
    };
  }

  private keep(value: unknown): RetentionPolicy['keep'] {
    const keep =
      value === undefined ? {} : this.map(value, 'keep', ['newest', 'youngerThan', 'tags', 'tagPatterns']);
    const out: RetentionPolicy['keep'] = {
      tags: this.strings(keep.tags, 'keep.tags'),
      tagPatterns: this.globs(keep.tagPatterns, 'keep.tagPatterns'),
    };
    if (keep.newest !== undefined) {
      if (
        typeof keep.newest !== 'number' ||
        !Number.isInteger(keep.newest) ||
        keep.newest < 1 ||
        keep.newest > 100_000
      ) {
        this.fail(
          'keep.newest',
          `must be a whole number from 1 to 100000, got ${describeFound(keep.newest)}`,
        );
      }
      out.newest = keep.newest;
    }
    if (keep.youngerThan !== undefined) {
      const match = typeof keep.youngerThan === 'string' ? DURATION.exec(keep.youngerThan.trim()) : null;
      if (!match || Number(match[1]) < 1)
        this.fail(
          'keep.youngerThan',
          `must be a duration such as 30d, 12h or 2w, got ${describeFound(keep.youngerThan)}`,
        );
      out.youngerThan = match[0];
      out.youngerThanMs = Number(match[1]) * (UNIT_MS[match[2] as string] as number);
    }
    return out;
  }

  private age(value: unknown): RetentionPolicy['age'] {
    const age = value === undefined ? {} : this.map(value, 'age', ['sources', 'unknown']);
    const sources =
      age.sources === undefined
        ? [...AGE_SOURCES]
        : (this.strings(age.sources, 'age.sources') as AgeSource[]);
    sources.forEach((s, i) => {
      if (!AGE_SOURCES.includes(s))
        this.fail(`age.sources[${i}]`, `must be one of ${AGE_SOURCES.join(', ')}, got "${s}"`);
    });
    if (sources.length === 0) this.fail('age.sources', `must name at least one of ${AGE_SOURCES.join(', ')}`);
    const unknown = age.unknown ?? 'keep';
    if (unknown !== 'keep' && unknown !== 'old')
      this.fail('age.unknown', `must be keep or old, got ${describeFound(unknown)}`);
    return { sources, unknown };
  }

  private inUse(value: unknown): RetentionPolicy['inUse'] {
    const inUse = value === undefined ? {} : this.map(value, 'inUse', ['namespaces', 'registryAliases']);
    return {
      namespaces: this.strings(inUse.namespaces, 'inUse.namespaces', (item, path) => {
        if (!NAMESPACE.test(item) || item.length > 63) this.fail(path, `"${item}" is not a namespace name`);
      }),
      registryAliases: this.strings(inUse.registryAliases, 'inUse.registryAliases', (item, path) => {
        if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(item))
          this.fail(path, `"${item}" is not a registry host[:port]`);
      }),
    };
  }
}

export function selectsRepository(policy: RetentionPolicy, repository: string): boolean {
  const { include, exclude } = policy.repositories;
  return include.some((g) => globMatch(g, repository)) && !exclude.some((g) => globMatch(g, repository));
}

/** Why the policy protects this tag by name, or undefined. */
export function protectedByName(policy: RetentionPolicy, tag: string): string | undefined {
  if (policy.keep.tags.includes(tag)) return `tag "${tag}" is listed in keep.tags`;
  const pattern = policy.keep.tagPatterns.find((p) => globMatch(p, tag));
  return pattern ? `tag matches keep.tagPatterns "${pattern}"` : undefined;
}

export function inDeleteScope(policy: RetentionPolicy, tag: string): boolean {
  return policy.delete.tagPatterns.some((p) => globMatch(p, tag));
}
