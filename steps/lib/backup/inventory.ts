import { UsageError } from '../errors.js';
import { TAG_PATTERN } from '../oci/reference.js';
import { parseJson } from '../config/load.js';

/** Media type of the inventory document, and artifactType of the artifact that carries it. */
export const INVENTORY_MEDIA_TYPE = 'application/vnd.image-lifecycle.backup.inventory.v1+json';
export const DEFAULT_INVENTORY_REPOSITORY = 'image-lifecycle-backup/inventory';
export const LATEST = 'latest';

export interface InventoryEntry {
  /** Repository on the primary registry. */
  repository: string;
  /** Where the backup keeps it (the repository, or it under --prefix). */
  backupRepository: string;
  tag: string;
  digest: string;
  mediaType: string;
  /** Bytes of what the tag holds: manifests (index children too), configs and layers, each once. */
  size: number;
  /** When the backup first held this tag at this digest. */
  time: string;
}

export interface InventoryFailure {
  repository: string;
  error: string;
}

export interface Inventory {
  schemaVersion: 1;
  mediaType: typeof INVENTORY_MEDIA_TYPE;
  /** The primary registry the backup was taken from. */
  source: string;
  /** The backup registry. */
  backup: string;
  createdAt: string;
  /** False when some repository failed; such an inventory is never tagged latest. */
  complete: boolean;
  failures: InventoryFailure[];
  entries: InventoryEntry[];
}

/** A tag naming one backup run, e.g. 20261128T013744Z (tags cannot hold colons). */
export function inventoryTag(at: Date): string {
  return at
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Reads an inventory, refusing anything that is not one: `origin` names where it came from. */
export function parseInventory(text: string, origin: string): Inventory {
  let doc: unknown;
  try {
    doc = parseJson(text);
  } catch (err) {
    throw new UsageError(`inventory ${origin} is not JSON: ${(err as Error).message}`);
  }
  const fail = (what: string): never => {
    throw new UsageError(`inventory ${origin} ${what}`);
  };
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) fail('is not a JSON object');
  const inv = doc as Partial<Inventory>;
  if (inv.mediaType !== INVENTORY_MEDIA_TYPE)
    fail(`has mediaType ${JSON.stringify(inv.mediaType)}, not ${INVENTORY_MEDIA_TYPE}`);
  if (inv.schemaVersion !== 1)
    fail(`has schemaVersion ${JSON.stringify(inv.schemaVersion)}; this version reads 1`);
  for (const field of ['source', 'backup', 'createdAt'] as const) {
    if (typeof inv[field] !== 'string' || inv[field] === '') fail(`lacks "${field}"`);
  }
  if (!Array.isArray(inv.entries)) fail('lacks the "entries" list');
  (inv.entries as unknown[]).forEach((raw, i) => {
    const e = raw as Partial<InventoryEntry>;
    const at = `entry ${i + 1}`;
    if (typeof e !== 'object' || e === null) fail(`${at} is not an object`);
    for (const field of ['repository', 'backupRepository', 'tag', 'digest', 'mediaType', 'time'] as const) {
      if (typeof e[field] !== 'string' || e[field] === '') fail(`${at} lacks "${field}"`);
    }
    if (!TAG_PATTERN.test(e.tag as string)) fail(`${at} has an invalid tag "${e.tag}"`);
    if (!DIGEST.test(e.digest as string)) fail(`${at} has an invalid digest "${e.digest}"`);
    if (typeof e.size !== 'number' || !Number.isFinite(e.size) || e.size < 0)
      fail(`${at} has an invalid size`);
  });
  return {
    schemaVersion: 1,
    mediaType: INVENTORY_MEDIA_TYPE,
    source: inv.source as string,
    backup: inv.backup as string,
    createdAt: inv.createdAt as string,
    complete: inv.complete !== false,
    failures: Array.isArray(inv.failures) ? inv.failures : [],
    entries: inv.entries as InventoryEntry[],
  };
}

export function serializeInventory(inventory: Inventory): string {
  return JSON.stringify(inventory, null, 2) + '\n';
}

/** What an earlier inventory knew about a tag at a digest: its size and when it was first backed up. */
export function previousEntries(
  previous: Inventory | undefined,
): (backupRepository: string, tag: string, digest: string) => InventoryEntry | undefined {
  const known = new Map<string, InventoryEntry>();
  for (const e of previous?.entries ?? []) known.set(`${e.backupRepository}:${e.tag}@${e.digest}`, e);
  return (repository, tag, digest) => known.get(`${repository}:${tag}@${digest}`);
}

/** Bytes the entries hold, each backup repository's digest once. */
export function totalSize(entries: readonly InventoryEntry[]): number {
  const seen = new Map<string, number>();
  for (const e of entries) seen.set(`${e.backupRepository}@${e.digest}`, e.size);
  return [...seen.values()].reduce((a, b) => a + b, 0);
}
