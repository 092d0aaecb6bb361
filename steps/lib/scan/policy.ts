import { UsageError } from '../errors.js';
import { normalizeCvssSource } from './cvss.js';
import { parseDay } from './dates.js';
import { isObject, type JsonObject } from './json-input.js';
import { RANKED_SEVERITIES, SEVERITIES_DESC, type RankedSeverity, type Severity } from './severity.js';
import { describeFound, loadPolicyDocument } from '../config/policy-document.js';

/** A blocking threshold: the lowest severity that blocks, or NONE to never block. */
export type Threshold = RankedSeverity | 'NONE';

export interface AllowEntry {
  /** Position in `allowlist.entries`, so messages can point at the entry. */
  index: number;
  id: string;
  purl?: string;
  image?: string;
  path?: string;
  /** Last day (UTC) the entry waives anything, YYYY-MM-DD. */
  expires: string;
  /** Day the exception was granted; its lifetime is counted from here, or from the evaluation day. */
  created?: string;
  reason: string;
  owner?: string;
  ticket?: string;
}

export interface Policy {
  blockOn: { fixable: Threshold; unfixable: Threshold };
  cvss?: { minimumScore: number; preferredSource?: string; ifMissing: 'severity' | 'pass' };
  gracePeriodDays: Partial<Record<Severity, number>>;
  failClosedOnUnknown: boolean;
  allowlist: {
    warnWithinDays: number;
    maxLifetimeDays: Partial<Record<Severity, number>>;
    entries: AllowEntry[];
  };
}

/** The policy used when none is given: block fixable HIGH and CRITICAL, unfixable CRITICAL. */
export const DEFAULT_POLICY: Policy = {
  blockOn: { fixable: 'HIGH', unfixable: 'CRITICAL' },
  gracePeriodDays: {},
  failClosedOnUnknown: false,
  allowlist: { warnWithinDays: 14, maxLifetimeDays: {}, entries: [] },
};

/**
 * Reads a policy from YAML. The core schema keeps dates as the strings people wrote (the default schema
 * would turn `2025-03-01` into a Date at local midnight) and builds no objects beyond maps, lists and scalars.
 * Every mistake is one line naming the file and the key path.
 */
export function parsePolicy(text: string, source: string): Policy {
  const doc = loadPolicyDocument(text, source);
  if (doc === undefined || doc === null) return DEFAULT_POLICY;
  return new PolicyReader(source).policy(doc);
}

const THRESHOLDS: readonly string[] = [...RANKED_SEVERITIES, 'NONE'];
const ALL_SEVERITIES: readonly string[] = SEVERITIES_DESC;

class PolicyReader {
  constructor(private readonly source: string) {}

  private fail(path: string, message: string): never {
    throw new UsageError(`${this.source}: ${path} ${message}`);
  }

  private map(value: unknown, path: string, known: readonly string[]): JsonObject {
    if (!isObject(value)) this.fail(path || 'the document', `must be a map, got ${describeFound(value)}`);
    for (const key of Object.keys(value)) {
      if (!known.includes(key))
        this.fail(path ? `${path}.${key}` : key, `is not a policy key (known here: ${known.join(', ')})`);
    }
    return value;
  }

  private string(value: unknown, path: string): string {
    if (typeof value !== 'string' || value.trim() === '')
      this.fail(path, `must be a non-empty string, got ${describeFound(value)}`);
    return value.trim();
  }

  private optionalString(value: unknown, path: string): string | undefined {
    return value === undefined ? undefined : this.string(value, path);
  }

  private boolean(value: unknown, path: string): boolean {
    if (typeof value !== 'boolean') this.fail(path, `must be true or false, got ${describeFound(value)}`);
    return value;
  }

  private number(value: unknown, path: string, min: number, max = Infinity, integer = false): number {
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      (integer && !Number.isInteger(value)) ||
      value < min ||
      value > max
    ) {
      const kind = integer ? 'a whole number' : 'a number';
      this.fail(
        path,
        `must be ${kind} ${max === Infinity ? `of at least ${min}` : `from ${min} to ${max}`}, got ${describeFound(value)}`,
      );
    }
    return value;
  }

  private level(value: unknown, path: string, allowed: readonly string[]): string {
    const text = typeof value === 'string' ? value.trim().toUpperCase() : undefined;
    if (!text || !allowed.includes(text))
      this.fail(path, `must be one of ${allowed.join(', ')}, got ${describeFound(value)}`);
    return text;
  }

  private day(value: unknown, path: string): string {
    if (typeof value !== 'string' || parseDay(value) === undefined)
      this.fail(path, `must be a date YYYY-MM-DD, got ${describeFound(value)}`);
    return value;
  }

  private perSeverityDays(value: unknown, path: string): Partial<Record<Severity, number>> {
    const out: Partial<Record<Severity, number>> = {};
    if (!isObject(value)) this.fail(path, `must be a map of severity to days, got ${describeFound(value)}`);
    for (const [key, days] of Object.entries(value)) {
      const severity = this.level(key, `${path}.${key}`, ALL_SEVERITIES) as Severity;
      out[severity] = this.number(days, `${path}.${key}`, 0, Infinity, true);
    }
    return out;
  }

  policy(doc: unknown): Policy {
    const top = this.map(doc, '', [
      'version',
      'blockOn',
      'cvss',
      'gracePeriodDays',
      'failClosedOnUnknown',
      'allowlist',
    ]);
    if (top.version !== undefined && top.version !== 1)
      this.fail('version', `must be 1, got ${describeFound(top.version)}`);
    const blockOn =
      top.blockOn === undefined ? {} : this.map(top.blockOn, 'blockOn', ['fixable', 'unfixable']);
    return {
      blockOn: {
        fixable:
          blockOn.fixable === undefined
            ? DEFAULT_POLICY.blockOn.fixable
            : (this.level(blockOn.fixable, 'blockOn.fixable', THRESHOLDS) as Threshold),
        unfixable:
          blockOn.unfixable === undefined
            ? DEFAULT_POLICY.blockOn.unfixable
            : (this.level(blockOn.unfixable, 'blockOn.unfixable', THRESHOLDS) as Threshold),
      },
      cvss: top.cvss === undefined ? undefined : this.cvss(top.cvss),
      gracePeriodDays:
        top.gracePeriodDays === undefined ? {} : this.perSeverityDays(top.gracePeriodDays, 'gracePeriodDays'),
      failClosedOnUnknown:
        top.failClosedOnUnknown === undefined
          ? false
          : this.boolean(top.failClosedOnUnknown, 'failClosedOnUnknown'),
      allowlist: top.allowlist === undefined ? DEFAULT_POLICY.allowlist : this.allowlist(top.allowlist),
    };
  }

  private cvss(value: unknown): NonNullable<Policy['cvss']> {
    const c = this.map(value, 'cvss', ['minimumScore', 'preferredSource', 'ifMissing']);
    if (c.minimumScore === undefined) this.fail('cvss.minimumScore', 'is required when cvss is given');
    const preferred = this.optionalString(c.preferredSource, 'cvss.preferredSource');
    let ifMissing: 'severity' | 'pass' = 'severity';
    if (c.ifMissing !== undefined) {
      if (c.ifMissing !== 'severity' && c.ifMissing !== 'pass')
        this.fail('cvss.ifMissing', `must be severity or pass, got ${describeFound(c.ifMissing)}`);
      ifMissing = c.ifMissing;
    }
    return {
      minimumScore: this.number(c.minimumScore, 'cvss.minimumScore', 0, 10),
      preferredSource: preferred === undefined ? undefined : normalizeCvssSource(preferred),
      ifMissing,
    };
  }

  private allowlist(value: unknown): Policy['allowlist'] {
    const a = this.map(value, 'allowlist', ['warnWithinDays', 'maxLifetimeDays', 'entries']);
    const entries = a.entries === undefined ? [] : a.entries;
    if (!Array.isArray(entries))
      this.fail('allowlist.entries', `must be a list, got ${describeFound(entries)}`);
    return {
      warnWithinDays:
        a.warnWithinDays === undefined
          ? DEFAULT_POLICY.allowlist.warnWithinDays
          : this.number(a.warnWithinDays, 'allowlist.warnWithinDays', 0, Infinity, true),
      maxLifetimeDays:
        a.maxLifetimeDays === undefined
          ? {}
          : this.perSeverityDays(a.maxLifetimeDays, 'allowlist.maxLifetimeDays'),
      entries: entries.map((e, i) => this.entry(e, i)),
    };
  }

  private entry(value: unknown, index: number): AllowEntry {
    const path = `allowlist.entries[${index}]`;
    const e = this.map(value, path, [
      'id',
      'purl',
      'image',
      'path',
      'expires',
      'created',
      'reason',
      'owner',
      'ticket',
    ]);
    for (const required of ['id', 'expires', 'reason'])
      if (e[required] === undefined) this.fail(`${path}.${required}`, 'is required');
    const expires = this.day(e.expires, `${path}.expires`);
    const created = e.created === undefined ? undefined : this.day(e.created, `${path}.created`);
    if (created !== undefined && created > expires)
      this.fail(`${path}.created`, `(${created}) is after expires (${expires})`);
    return {
      index,
      id: this.string(e.id, `${path}.id`),
      purl: this.optionalString(e.purl, `${path}.purl`),
      image: this.optionalString(e.image, `${path}.image`),
      path: this.optionalString(e.path, `${path}.path`),
      expires,
      created,
      reason: this.string(e.reason, `${path}.reason`),
      owner: this.optionalString(e.owner, `${path}.owner`),
      ticket: this.optionalString(e.ticket, `${path}.ticket`),
    };
  }
}
