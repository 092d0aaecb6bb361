import {
  describeReference,
  findReferences,
  replaceReferences,
  wholeReference,
  type Reference,
  type Selector,
} from './expressions.js';
import type { ParamValue } from './model.js';

export type ResultReference = Extract<Reference, { kind: 'result' }>;

/** Why a reference could not be resolved: callers map these to Tekton's outcomes (validation error, skip, failure). */
export class SubstitutionError extends Error {
  constructor(
    message: string,
    readonly reason: 'unknown' | 'missingResult' | 'type',
  ) {
    super(message);
  }
}

/** What the variables of one substitution context resolve to. */
export interface Scope {
  /** A param's whole value; undefined when the param is not declared here. */
  param(name: string): ParamValue | undefined;
  /** A task result with its selector applied; throws SubstitutionError('missingResult') when it is not there. */
  result(ref: ResultReference): ParamValue;
  taskStatus(task: string): string | undefined;
  tasksStatus(): string | undefined;
  /** Plain string variables: `results.R.path`, `workspaces.W.path`, `context.taskRun.name`... */
  variable(key: string): string | undefined;
}

function typeName(value: ParamValue): string {
  if (typeof value === 'string') return 'a string';
  return Array.isArray(value) ? 'an array' : 'an object';
}

/** Applies `[*]`, `[i]` or `.key` to a value, as Tekton does for params and results. */
export function select(value: ParamValue, selector: Selector | undefined, what: string): ParamValue {
  if (!selector) return value;
  if (selector.kind === 'all') {
    if (typeof value === 'string') throw new SubstitutionError(`$(${what}) uses [*] on a string`, 'type');
    return value;
  }
  if (selector.kind === 'index') {
    if (!Array.isArray(value)) throw new SubstitutionError(`$(${what}) indexes ${typeName(value)}`, 'type');
    const element = value[selector.index];
    if (element === undefined)
      throw new SubstitutionError(
        `$(${what}) is out of range: the array has ${value.length} elements`,
        'type',
      );
    return element;
  }
  if (typeof value !== 'object' || Array.isArray(value))
    throw new SubstitutionError(`$(${what}) reads key "${selector.key}" of ${typeName(value)}`, 'type');
  const element = value[selector.key];
  if (element === undefined)
    throw new SubstitutionError(`$(${what}): the object has no key "${selector.key}"`, 'type');
  return element;
}

export function resolveReference(ref: Reference, scope: Scope): ParamValue {
  const what = describeReference(ref);
  const unknown = (): never => {
    throw new SubstitutionError(`$(${what}) does not name anything available here`, 'unknown');
  };
  switch (ref.kind) {
    case 'param': {
      const value = scope.param(ref.name);
      return value === undefined ? unknown() : select(value, ref.selector, what);
    }
    case 'result':
      return scope.result(ref);
    case 'taskStatus':
      return scope.taskStatus(ref.task) ?? unknown();
    case 'tasksStatus':
      return scope.tasksStatus() ?? unknown();
    case 'variable':
      return scope.variable(ref.key) ?? unknown();
  }
}

function asString(value: ParamValue, ref: Reference): string {
  if (typeof value === 'string') return value;
  const what = describeReference(ref);
  throw new SubstitutionError(
    `$(${what}) is ${typeName(value)}: it can only stand alone as a whole element of args, command, when values or a param value`,
    'type',
  );
}

/** Substitutes into a string field (image, script, env value, workingDir, when input...). */
export function substituteString(text: string, scope: Scope): string {
  return replaceReferences(text, (ref) => asString(resolveReference(ref, scope), ref));
}

/** Substitutes into a list (args, command, when values): an element that is exactly an array reference expands in place. */
export function substituteList(items: readonly string[], scope: Scope): string[] {
  return items.flatMap((item) => {
    const ref = wholeReference(item);
    if (ref) {
      const value = resolveReference(ref, scope);
      if (Array.isArray(value)) return value;
      return [asString(value, ref)];
    }
    return [substituteString(item, scope)];
  });
}

/** Substitutes into a param value or pipeline result: a lone `$(x[*])` string becomes the whole array or object. */
export function substituteValue(value: ParamValue, scope: Scope): ParamValue {
  if (typeof value === 'string') {
    const ref = wholeReference(value);
    return ref ? resolveReference(ref, scope) : substituteString(value, scope);
  }
  if (Array.isArray(value)) return substituteList(value, scope);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteString(v, scope)]));
}

/** Every reference in a param value, when list or object. */
export function referencesIn(value: ParamValue): Reference[] {
  const texts = typeof value === 'string' ? [value] : Array.isArray(value) ? value : Object.values(value);
  return texts.flatMap((text) => findReferences(text).map((o) => o.ref));
}
