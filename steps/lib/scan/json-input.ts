import { UsageError } from '../errors.js';
import { parseJson } from '../config/load.js';

export type JsonObject = Record<string, unknown>;

/**
 * Parses a report or document as JSON. A truncated upload or an HTML error page saved as the report is the
 * usual cause of failure, so the message names the file and where parsing stopped, on one line.
 */
export function parseJsonText(text: string, source: string): unknown {
  if (text.trim() === '') throw new UsageError(`${source}: file is empty, expected a JSON scanner report`);
  try {
    return parseJson(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new UsageError(`${source}: not valid JSON (${detail}); is the report truncated?`);
  }
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Field readers for scanner output. Optional fields may be absent or null (scanners omit empty fields);
 * a field of the wrong type means the document is not what its format says, which is a usage error
 * naming the file and the field's path.
 */
export class FieldReader {
  constructor(readonly source: string) {}

  fail(path: string, expected: string, value: unknown): never {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw new UsageError(`${this.source}: ${path} must be ${expected}, got ${got}`);
  }

  object(value: unknown, path: string): JsonObject {
    if (!isObject(value)) this.fail(path, 'an object', value);
    return value;
  }

  /** An array, or [] when absent. */
  array(value: unknown, path: string): unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) this.fail(path, 'an array', value);
    return value;
  }

  /** An object used as a map, or {} when absent. */
  map(value: unknown, path: string): JsonObject {
    if (value === undefined || value === null) return {};
    return this.object(value, path);
  }

  string(value: unknown, path: string): string | undefined {
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') this.fail(path, 'a string', value);
    return value;
  }

  requiredString(value: unknown, path: string): string {
    const s = this.string(value, path);
    if (s === undefined) throw new UsageError(`${this.source}: ${path} is missing`);
    return s;
  }

  number(value: unknown, path: string): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(path, 'a number', value);
    return value;
  }

  strings(value: unknown, path: string): string[] {
    return this.array(value, path).map((v, i) => this.requiredString(v, `${path}[${i}]`));
  }
}

/** A timestamp as ISO 8601, or undefined for absent, unparseable, and Go's zero time (0001-01-01). */
export function isoDate(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time) || new Date(time).getUTCFullYear() <= 1) return undefined;
  return new Date(time).toISOString();
}
