import { clone, deepEqual, isObject, type Json, type JsonObject } from '../json.js';
import { PatchApplyError, PatchDecodeError } from './errors.js';

/** RFC 6902 operations. */
export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: Json }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

export function decodeJsonPatch(doc: unknown): JsonPatchOperation[] {
  if (!Array.isArray(doc)) throw new PatchDecodeError('json patch must be an array of operations');
  return doc.map((op, i) => {
    if (!isObject(op) || typeof op.op !== 'string' || !OPS.has(op.op)) {
      throw new PatchDecodeError(`json patch operation ${i}: unknown or missing "op"`);
    }
    if (typeof op.path !== 'string')
      throw new PatchDecodeError(`json patch operation ${i} (${op.op}): missing "path"`);
    parsePointer(op.path);
    if ((op.op === 'move' || op.op === 'copy') && typeof op.from !== 'string') {
      throw new PatchDecodeError(`json patch operation ${i} (${op.op}): missing "from"`);
    }
    if ((op.op === 'add' || op.op === 'replace' || op.op === 'test') && !('value' in op)) {
      throw new PatchDecodeError(`json patch operation ${i} (${op.op}): missing "value"`);
    }
    return op as unknown as JsonPatchOperation;
  });
}

/** RFC 6901: "" is the whole document; "/a~1b/0" is key "a/b", then index 0. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchDecodeError(`json pointer "${pointer}" must start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(token: string, length: number, forInsert: boolean, path: string): number {
  if (forInsert && token === '-') return length;
  if (!/^(0|[1-9][0-9]*)$/.test(token))
    throw new PatchApplyError(`${path}: "${token}" is not an array index`);
  const index = Number(token);
  if (index > length || (!forInsert && index === length))
    throw new PatchApplyError(`${path}: index ${index} is out of bounds`);
  return index;
}

function parentOf(doc: Json, tokens: string[], path: string): Json {
  let node = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[arrayIndex(token, node.length, false, path)] as Json;
    else if (isObject(node) && token in node) node = node[token] as Json;
    else throw new PatchApplyError(`doc is missing path: "${path}"`);
  }
  return node;
}

function get(doc: Json, pointer: string): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return doc;
  const parent = parentOf(doc, tokens, pointer);
  const last = tokens[tokens.length - 1] as string;
  if (Array.isArray(parent)) return parent[arrayIndex(last, parent.length, false, pointer)] as Json;
  if (isObject(parent) && last in parent) return parent[last] as Json;
  throw new PatchApplyError(`doc is missing path: "${pointer}"`);
}

function add(doc: Json, pointer: string, value: Json): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens, pointer);
  const last = tokens[tokens.length - 1] as string;
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, true, pointer), 0, value);
  else if (isObject(parent)) parent[last] = value;
  else throw new PatchApplyError(`doc is missing path: "${pointer}"`);
  return doc;
}

function remove(doc: Json, pointer: string): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw new PatchApplyError('cannot remove the whole document');
  const parent = parentOf(doc, tokens, pointer);
  const last = tokens[tokens.length - 1] as string;
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, false, pointer), 1);
  else if (isObject(parent) && last in parent) delete (parent as JsonObject)[last];
  else throw new PatchApplyError(`doc is missing path: "${pointer}"`);
  return doc;
}

/** Applies RFC 6902 operations in order; any failing operation (including `test`) fails the whole patch. */
export function applyJsonPatch(target: Json, operations: JsonPatchOperation[]): Json {
  let doc = clone(target);
  for (const op of operations) {
    switch (op.op) {
      case 'add':
        doc = add(doc, op.path, clone(op.value));
        break;
      case 'remove':
        doc = remove(doc, op.path);
        break;
      case 'replace':
        get(doc, op.path);
        doc = op.path === '' ? clone(op.value) : add(remove(doc, op.path), op.path, clone(op.value));
        break;
      case 'move': {
        if (op.path.startsWith(op.from + '/'))
          throw new PatchApplyError(`cannot move "${op.from}" into its own child "${op.path}"`);
        const value = get(doc, op.from);
        doc = add(remove(doc, op.from), op.path, value);
        break;
      }
      case 'copy':
        doc = add(doc, op.path, clone(get(doc, op.from)));
        break;
      case 'test':
        if (!deepEqual(get(doc, op.path), op.value))
          throw new PatchApplyError(`testing value ${op.path} failed: test failed`);
        break;
    }
  }
  return doc;
}
