import { clone, deepEqual, isObject, type Json, type JsonObject } from '../json.js';
import { PatchApplyError, PatchDecodeError } from './errors.js';
import type { MergeSchema } from './schema.js';

const PATCH = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder/';
const DELETE_FROM_SCALARS = '$deleteFromPrimitiveList/';

/**
 * Strategic merge patch (k8s.io/apimachinery strategicpatch) for the directives clients send:
 * maps merge like RFC 7386; lists with a merge key merge element by element (`$patch: delete` removes
 * one, `$patch: replace` replaces the list); scalar sets union; `$retainKeys`, `$setElementOrder/<f>`
 * and `$deleteFromPrimitiveList/<f>` as kubectl uses them.
 */
export function applyStrategicMergePatch(original: Json, patch: Json, schema: MergeSchema): Json {
  if (!isObject(patch)) throw new PatchDecodeError('strategic merge patch must be a JSON object');
  const merged = mergeMap(isObject(original) ? original : {}, patch, schema);
  return merged === undefined ? {} : merged;
}

function mergeMap(
  original: JsonObject,
  patch: JsonObject,
  schema: MergeSchema | undefined,
): JsonObject | undefined {
  const directive = patch[PATCH];
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return stripDirectives(patch) as JsonObject;
  if (directive !== undefined && directive !== 'merge')
    throw new PatchDecodeError(`unknown patch type: ${JSON.stringify(directive)} in $patch`);

  const result = clone(original);
  for (const [key, value] of Object.entries(patch)) {
    if (
      key === PATCH ||
      key === RETAIN_KEYS ||
      key.startsWith(SET_ORDER) ||
      key.startsWith(DELETE_FROM_SCALARS)
    )
      continue;
    const field = schema?.fields?.[key];
    if (value === null) {
      delete result[key];
    } else if (Array.isArray(value)) {
      result[key] = mergeList(asArray(result[key]), value, field);
    } else if (isObject(value)) {
      const merged = mergeMap(isObject(result[key]) ? result[key] : {}, value, field);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
    } else {
      result[key] = value;
    }
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(DELETE_FROM_SCALARS)) {
      const field = key.slice(DELETE_FROM_SCALARS.length);
      const drop = asArray(value);
      if (Array.isArray(result[field]))
        result[field] = (result[field] as Json[]).filter((v) => !drop.some((d) => deepEqual(d, v)));
    } else if (key.startsWith(SET_ORDER)) {
      const field = key.slice(SET_ORDER.length);
      const list = result[field];
      if (Array.isArray(list))
        result[field] = reorder(list, asArray(value), schema?.fields?.[field]?.mergeKey);
    }
  }
  const retain = patch[RETAIN_KEYS];
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw new PatchDecodeError('$retainKeys must be a list of field names');
    for (const key of Object.keys(result)) if (!retain.includes(key)) delete result[key];
  }
  return result;
}

function mergeList(original: Json[], patch: Json[], schema: MergeSchema | undefined): Json[] {
  if (schema?.mergeScalars) {
    const result = [...original];
    for (const item of patch) if (!result.some((v) => deepEqual(v, item))) result.push(item);
    return result;
  }
  const key = schema?.mergeKey;
  if (!key) return patch.map(stripDirectives);
  if (patch.some((item) => isObject(item) && item[PATCH] === 'replace')) {
    return patch.filter((item) => !(isObject(item) && item[PATCH] === 'replace')).map(stripDirectives);
  }
  const result = original.map((item) => clone(item));
  for (const item of patch) {
    if (!isObject(item)) throw new PatchApplyError(`list with merge key "${key}" holds a non-object element`);
    const id = item[key];
    if (id === undefined)
      throw new PatchApplyError(`map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`);
    const index = result.findIndex((existing) => isObject(existing) && deepEqual(existing[key], id));
    if (item[PATCH] === 'delete') {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    if (index >= 0) {
      const merged = mergeMap(result[index] as JsonObject, item, schema.items);
      if (merged === undefined) result.splice(index, 1);
      else result[index] = merged;
    } else {
      result.push(stripDirectives(item));
    }
  }
  return result;
}

/**
 * `$setElementOrder`: elements named in the order list take that order; elements the patch did not
 * name keep their place after the element they followed before.
 */
function reorder(list: Json[], order: Json[], key: string | undefined): Json[] {
  const identity = (item: Json): Json => (key && isObject(item) ? (item[key] as Json) : item);
  const wanted = order.map(identity);
  const rank = (item: Json) => wanted.findIndex((w) => deepEqual(w, identity(item)));
  const named = list.filter((item) => rank(item) >= 0).sort((a, b) => rank(a) - rank(b));
  const result = [...named];
  list.forEach((item, i) => {
    if (rank(item) >= 0) return;
    result.splice(i === 0 ? 0 : result.indexOf(list[i - 1] as Json) + 1, 0, item);
  });
  return result;
}

function asArray(value: Json | undefined): Json[] {
  return Array.isArray(value) ? value : [];
}

function stripDirectives(value: Json): Json {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === PATCH || k === RETAIN_KEYS || k.startsWith(SET_ORDER) || k.startsWith(DELETE_FROM_SCALARS))
      continue;
    if (v !== null) out[k] = stripDirectives(v);
  }
  return out;
}
