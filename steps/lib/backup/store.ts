import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { GateError, UsageError } from '../errors.js';
import {
  pushArtifact,
  readArtifactLayer,
  RegistryError,
  type Descriptor,
  type Reference,
  type RegistryClient,
} from '../oci/index.js';
import { INVENTORY_MEDIA_TYPE, parseInventory, serializeInventory, type Inventory } from './inventory.js';

/** Pushes the inventory as an OCI artifact under each of `tags` (a run's timestamp, and latest when complete); the same manifest each time. */
export async function pushInventory(
  client: RegistryClient,
  repository: Reference,
  inventory: Inventory,
  tags: readonly string[],
): Promise<Descriptor> {
  if (tags.length === 0) throw new Error('pushInventory needs at least one tag');
  return pushArtifact(client, repository, {
    artifactType: INVENTORY_MEDIA_TYPE,
    layers: [
      {
        mediaType: INVENTORY_MEDIA_TYPE,
        data: Buffer.from(serializeInventory(inventory)),
        annotations: { 'org.opencontainers.image.title': 'inventory.json' },
      },
    ],
    annotations: {
      'org.opencontainers.image.created': inventory.createdAt,
      'io.image-lifecycle.backup.source': inventory.source,
    },
    tags,
  });
}

/** Reads the inventory tagged `name` (e.g. latest, or a run's timestamp) from the backup registry. */
export async function pullInventory(
  client: RegistryClient,
  repository: Reference,
  name: string,
): Promise<Inventory> {
  const ref = repository.withTag(name);
  let found;
  try {
    found = await client.getManifest(ref);
  } catch (err) {
    if (err instanceof RegistryError && err.notFound)
      throw new GateError(`no backup inventory ${ref}: ${err.message}`);
    throw err;
  }
  if (found.manifest.artifactType !== INVENTORY_MEDIA_TYPE) {
    throw new UsageError(
      `${ref} is not a backup inventory (artifactType ${found.manifest.artifactType ?? 'none'})`,
    );
  }
  const layer = await readArtifactLayer(client, repository, found.descriptor, INVENTORY_MEDIA_TYPE);
  return parseInventory(layer.toString('utf8'), ref.toString());
}

/** The last complete inventory, or undefined when the backup registry has none yet. */
export async function latestInventory(
  client: RegistryClient,
  repository: Reference,
  name: string,
): Promise<Inventory | undefined> {
  try {
    return await pullInventory(client, repository, name);
  } catch (err) {
    if (err instanceof GateError) return undefined;
    throw err;
  }
}

export function readInventoryFile(path: string, flag: string): Inventory {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `${flag} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  return parseInventory(text, path);
}

export function writeInventoryFile(path: string, flag: string, inventory: Inventory): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, serializeInventory(inventory));
  } catch (err) {
    throw new UsageError(
      `${flag} ${path}: cannot write it (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}
