import { PatchStrategy } from '@kubernetes/client-node';

/** The three patch formats every built-in resource accepts (server-side apply is not used by the steps). */
export type PatchType = 'json' | 'merge' | 'strategic';

export const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  json: PatchStrategy.JsonPatch,
  merge: PatchStrategy.MergePatch,
  strategic: PatchStrategy.StrategicMergePatch,
};

/** An RFC 6902 operation, for `json` patches. */
export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

/** A patch document: operations for `json`, a partial object for `merge` and `strategic`. */
export type PatchBody<T extends PatchType> = T extends 'json'
  ? JsonPatchOperation[]
  : Record<string, unknown>;
