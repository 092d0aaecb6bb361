import { UsageError } from '../errors.js';
import type { ParamSpec, ParamType, ParamValue } from './model.js';
import { parseJson as parseJsonText } from '../config/load.js';

/** A param that is missing or of the wrong type; `reason` is Tekton's for the same problem. */
export class ParamError extends UsageError {
  constructor(
    message: string,
    readonly reason: 'ParameterMissing' | 'ParameterTypeMismatch',
  ) {
    super(message);
  }
}

export function paramType(value: ParamValue): ParamType {
  if (typeof value === 'string') return 'string';
  return Array.isArray(value) ? 'array' : 'object';
}

/**
 * Reads `--param` values the way tkn does: `name=value` for a string, `name=a,b,c` (or a JSON list) for an array,
 * `name.key=value` (repeatable) or a JSON mapping for an object. The declared types decide how a value is read.
 */
export function parseParamFlags(
  entries: readonly string[],
  specs: readonly ParamSpec[],
): Map<string, ParamValue> {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const values = new Map<string, ParamValue>();
  const declared = () => (specs.length ? specs.map((s) => s.name).join(', ') : 'none');
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param "${entry}" must have the form NAME=VALUE`);
    const key = entry.slice(0, eq);
    const text = entry.slice(eq + 1);
    const spec = byName.get(key);
    if (spec) {
      values.set(key, readValue(spec, text));
      continue;
    }
    // Param names may contain dots, so `obj.key` is an object key only when `obj.key` itself is not a param.
    const dot = key.indexOf('.');
    const objectSpec = dot > 0 ? byName.get(key.slice(0, dot)) : undefined;
    if (!objectSpec)
      throw new UsageError(`--param ${key}: the pipeline has no such param (params: ${declared()})`);
    if (objectSpec.type !== 'object')
      throw new UsageError(
        `--param ${key}: ${objectSpec.name} is ${objectSpec.type === 'array' ? 'an array' : 'a string'}, not an object`,
      );
    const current = values.get(objectSpec.name);
    values.set(objectSpec.name, {
      ...(typeof current === 'object' && !Array.isArray(current) ? current : {}),
      [key.slice(dot + 1)]: text,
    });
  }
  return values;
}

function readValue(spec: ParamSpec, text: string): ParamValue {
  if (spec.type === 'string') return text;
  const trimmed = text.trim();
  if (spec.type === 'array') {
    if (trimmed.startsWith('[')) return parseJson(spec, text, 'array');
    return trimmed === '' ? [] : text.split(',');
  }
  if (!trimmed.startsWith('{'))
    throw new UsageError(
      `--param ${spec.name} is an object: give ${spec.name}.KEY=VALUE per key, or a JSON mapping`,
    );
  return parseJson(spec, text, 'object');
}

function parseJson(spec: ParamSpec, text: string, type: 'array' | 'object'): ParamValue {
  let value: unknown;
  try {
    value = parseJsonText(text);
  } catch {
    throw new UsageError(`--param ${spec.name} is not valid JSON`);
  }
  const ok =
    type === 'array'
      ? Array.isArray(value) && value.every((v) => typeof v === 'string')
      : typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value) &&
        Object.values(value).every((v) => typeof v === 'string');
  if (!ok)
    throw new UsageError(
      `--param ${spec.name} must be a JSON ${type === 'array' ? 'list' : 'mapping'} of strings`,
    );
  return value as ParamValue;
}

/**
 * Values for every declared param: the given value, else the default. A missing param without default, a value of
 * the wrong type and an object missing one of its declared keys are errors naming `owner` and the param.
 * Given values that are not declared are ignored, as Tekton ignores them.
 */
export function resolveParams(
  specs: readonly ParamSpec[],
  given: ReadonlyMap<string, ParamValue>,
  owner: string,
): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const spec of specs) {
    const provided = given.get(spec.name);
    if (provided === undefined && spec.default === undefined) {
      throw new ParamError(`${owner}: param ${spec.name} is required and has no default`, 'ParameterMissing');
    }
    let value = (provided ?? spec.default) as ParamValue;
    if (paramType(value) !== spec.type) {
      throw new ParamError(
        `${owner}: param ${spec.name} must be ${spec.type === 'array' ? 'an array' : `a ${spec.type}`}, got ${paramType(value) === 'array' ? 'an array' : `a ${paramType(value)}`}`,
        'ParameterTypeMismatch',
      );
    }
    if (spec.type === 'object') {
      // Keys left out of the given value keep their defaults.
      value = {
        ...(spec.default as Record<string, string> | undefined),
        ...(value as Record<string, string>),
      };
      const missing = (spec.properties ?? []).filter(
        (key) => (value as Record<string, string>)[key] === undefined,
      );
      if (missing.length)
        throw new ParamError(
          `${owner}: object param ${spec.name} lacks key ${missing.join(', ')}`,
          'ParameterMissing',
        );
    }
    out[spec.name] = value;
  }
  return out;
}
