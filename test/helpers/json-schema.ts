/**
 * A small JSON Schema (draft-07) validator for tests: enough keywords for the schemas kept in the test tree
 * (SARIF 2.1.0). It refuses schemas using keywords it does not implement rather than ignoring them, so a
 * passing validation never means "not checked".
 */
type Schema = boolean | { [key: string]: unknown };

const ANNOTATIONS = new Set(['description', 'default', 'title', '$schema', '$id', 'definitions']);
const IMPLEMENTED = new Set([
  '$ref',
  'type',
  'properties',
  'additionalProperties',
  'required',
  'items',
  'enum',
  'minimum',
  'maximum',
  'minItems',
  'uniqueItems',
  'pattern',
  'anyOf',
  'oneOf',
  'format',
]);

const formats: Record<string, (value: string) => boolean> = {
  uri: (v) => /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/.test(v) && validPercentEncoding(v),
  'uri-reference': (v) => !/\s/.test(v) && validPercentEncoding(v),
  'date-time': (v) =>
    /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(v) &&
    !Number.isNaN(Date.parse(v)),
};

function validPercentEncoding(v: string): boolean {
  return !/%(?![0-9A-Fa-f]{2})/.test(v);
}

export function validate(root: Schema, value: unknown): string[] {
  const errors: string[] = [];
  check(root, root, value, '$', errors);
  return errors;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

function resolve(root: Schema, ref: string): Schema {
  if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown>)[part];
  if (node === undefined) throw new Error(`unresolved $ref ${ref}`);
  return node as Schema;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function check(root: Schema, schema: Schema, value: unknown, path: string, errors: string[]): void {
  if (schema === true) return;
  if (schema === false) {
    errors.push(`${path}: not allowed`);
    return;
  }
  for (const key of Object.keys(schema)) {
    if (!ANNOTATIONS.has(key) && !IMPLEMENTED.has(key))
      throw new Error(`schema keyword ${key} is not implemented (at ${path})`);
  }
  const s = schema as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  if (s.$ref !== undefined) check(root, resolve(root, s.$ref), value, path, errors);
  if (s.type !== undefined) {
    const types: string[] = Array.isArray(s.type) ? s.type : [s.type];
    if (!types.some((t) => matchesType(value, t))) {
      errors.push(`${path}: expected ${types.join(' or ')}, got ${typeOf(value)}`);
      return;
    }
  }
  if (s.enum !== undefined && !s.enum.some((e: unknown) => deepEqual(e, value)))
    errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
  if (typeof value === 'number') {
    if (s.minimum !== undefined && value < s.minimum) errors.push(`${path}: ${value} is below ${s.minimum}`);
    if (s.maximum !== undefined && value > s.maximum) errors.push(`${path}: ${value} is above ${s.maximum}`);
  }
  if (typeof value === 'string') {
    if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(value))
      errors.push(`${path}: ${JSON.stringify(value)} does not match ${s.pattern}`);
    if (s.format !== undefined) {
      const test = formats[s.format];
      if (!test) throw new Error(`format ${s.format} is not implemented`);
      if (!test(value)) errors.push(`${path}: ${JSON.stringify(value)} is not a valid ${s.format}`);
    }
  }
  if (Array.isArray(value)) {
    if (s.minItems !== undefined && value.length < s.minItems)
      errors.push(`${path}: needs at least ${s.minItems} items`);
    if (s.uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length)
      errors.push(`${path}: items are not unique`);
    if (s.items !== undefined)
      value.forEach((item, i) => check(root, s.items, item, `${path}[${i}]`, errors));
  }
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    for (const key of s.required ?? [])
      if (!(key in obj)) errors.push(`${path}: missing required property ${key}`);
    const props: Record<string, Schema> = s.properties ?? {};
    for (const [key, v] of Object.entries(obj)) {
      if (key in props) check(root, props[key]!, v, `${path}.${key}`, errors);
      else if (s.additionalProperties !== undefined)
        check(root, s.additionalProperties, v, `${path}.${key}`, errors);
    }
  }
  if (s.anyOf !== undefined && !s.anyOf.some((sub: Schema) => validateSub(root, sub, value)))
    errors.push(`${path}: matches none of anyOf`);
  if (s.oneOf !== undefined && s.oneOf.filter((sub: Schema) => validateSub(root, sub, value)).length !== 1)
    errors.push(`${path}: does not match exactly one of oneOf`);
}

function validateSub(root: Schema, schema: Schema, value: unknown): boolean {
  const errors: string[] = [];
  check(root, schema, value, '$', errors);
  return errors.length === 0;
}
