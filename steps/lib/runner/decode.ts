import { UsageError } from '../errors.js';
import type { ParamValue } from './model.js';

/**
 * Reads untrusted YAML into typed values. Every problem is one line naming the file and the field's path
 * (e.g. `pipeline.yaml: spec.tasks[2].runAfter must be a list of strings`), the way Tekton's webhook names them.
 */
export class Decoder {
  constructor(readonly source: string) {}

  fail(path: string, problem: string): never {
    throw new UsageError(`${this.source}: ${path} ${problem}`);
  }

  isPresent(value: unknown): boolean {
    return value !== undefined && value !== null;
  }

  object(value: unknown, path: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      this.fail(path, 'must be a mapping');
    return value as Record<string, unknown>;
  }

  optionalObject(value: unknown, path: string): Record<string, unknown> | undefined {
    return this.isPresent(value) ? this.object(value, path) : undefined;
  }

  list(value: unknown, path: string): unknown[] {
    if (!this.isPresent(value)) return [];
    if (!Array.isArray(value)) this.fail(path, 'must be a list');
    return value;
  }

  /** Lists of mappings, each handed to `read` with its own path. */
  objects<T>(
    value: unknown,
    path: string,
    read: (item: Record<string, unknown>, itemPath: string) => T,
  ): T[] {
    return this.list(value, path).map((item, i) => read(this.object(item, `${path}[${i}]`), `${path}[${i}]`));
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string' || value === '') this.fail(path, 'must be a non-empty string');
    return value;
  }

  optionalString(value: unknown, path: string): string | undefined {
    if (!this.isPresent(value)) return undefined;
    if (typeof value !== 'string') this.fail(path, 'must be a string');
    return value;
  }

  /** Scalars YAML may type as numbers or booleans (`value: 3`) are read as their text, as Tekton does. */
  scalar(value: unknown, path: string): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    this.fail(path, 'must be a string');
  }

  stringList(value: unknown, path: string): string[] {
    return this.list(value, path).map((item, i) => this.scalar(item, `${path}[${i}]`));
  }

  optionalStringList(value: unknown, path: string): string[] | undefined {
    return this.isPresent(value) ? this.stringList(value, path) : undefined;
  }

  boolean(value: unknown, path: string, fallback: boolean): boolean {
    if (!this.isPresent(value)) return fallback;
    if (typeof value !== 'boolean') this.fail(path, 'must be true or false');
    return value;
  }

  nonNegativeInteger(value: unknown, path: string): number {
    if (!this.isPresent(value)) return 0;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
      this.fail(path, 'must be a whole number ≥ 0');
    return value;
  }

  oneOf<T extends string>(value: unknown, path: string, choices: readonly T[], fallback: T): T {
    if (!this.isPresent(value)) return fallback;
    if (typeof value !== 'string' || !choices.includes(value as T))
      this.fail(path, `must be one of ${choices.join(', ')}`);
    return value as T;
  }

  /** A param value or default: a string, a list of strings, or a mapping of strings. */
  paramValue(value: unknown, path: string): ParamValue {
    if (Array.isArray(value)) return this.stringList(value, path);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.scalar(v, `${path}.${k}`)]));
    }
    return this.scalar(value, path);
  }
}
