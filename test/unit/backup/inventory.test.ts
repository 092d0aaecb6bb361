import {
  INVENTORY_MEDIA_TYPE,
  inventoryTag,
  parseInventory,
  previousEntries,
  serializeInventory,
  type Inventory,
} from '../../../steps/lib/backup/inventory.js';
import { UsageError } from '../../../steps/lib/errors.js';

const entry = {
  repository: 'app/web',
  backupRepository: 'dr/app/web',
  tag: '1.0.0',
  digest: `sha256:${'a'.repeat(64)}`,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  size: 1234,
  time: '2026-01-01T00:00:00.000Z',
};
const inventory: Inventory = {
  schemaVersion: 1,
  mediaType: INVENTORY_MEDIA_TYPE,
  source: 'primary:5000',
  backup: 'backup:5000',
  createdAt: '2026-01-02T00:00:00.000Z',
  complete: true,
  failures: [],
  entries: [entry],
};

test('an inventory reads back as written', () => {
  expect(parseInventory(serializeInventory(inventory), 'x')).toEqual(inventory);
});

test('a run is named by a valid tag from its time', () => {
  expect(inventoryTag(new Date('2026-11-28T01:37:44.123Z'))).toBe('20261128T013744Z');
});

test.each([
  ['not json', /inventory f is not JSON/],
  ['[]', /is not a JSON object/],
  [JSON.stringify({ ...inventory, mediaType: 'x' }), /has mediaType "x"/],
  [JSON.stringify({ ...inventory, schemaVersion: 2 }), /schemaVersion 2/],
  [JSON.stringify({ ...inventory, entries: undefined }), /lacks the "entries" list/],
  [
    JSON.stringify({ ...inventory, entries: [{ ...entry, digest: 'sha256:12' }] }),
    /entry 1 has an invalid digest/,
  ],
  [JSON.stringify({ ...inventory, entries: [{ ...entry, tag: '-x' }] }), /entry 1 has an invalid tag/],
  [JSON.stringify({ ...inventory, entries: [{ ...entry, size: -1 }] }), /entry 1 has an invalid size/],
  [
    JSON.stringify({ ...inventory, entries: [{ ...entry, backupRepository: undefined }] }),
    /entry 1 lacks "backupRepository"/,
  ],
])('refuses %s', (text, message) => {
  expect(() => parseInventory(text, 'f')).toThrow(UsageError);
  expect(() => parseInventory(text, 'f')).toThrow(message);
});

test('the previous inventory is looked up by backup repository, tag and digest together', () => {
  const known = previousEntries(inventory);
  expect(known('dr/app/web', '1.0.0', entry.digest)).toEqual(entry);
  expect(known('dr/app/web', '1.0.0', `sha256:${'b'.repeat(64)}`)).toBeUndefined();
  expect(previousEntries(undefined)('dr/app/web', '1.0.0', entry.digest)).toBeUndefined();
});
