import {
  newestReferrer,
  promotionAnnotations,
  PromotionAnnotation,
  type PromotionRecord,
} from '../../../steps/lib/promote/record.js';
import { parseVerdict } from '../../../steps/lib/promote/verdict.js';

const d = (digest: string, created?: string) => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest,
  size: 1,
  ...(created ? { annotations: { 'org.opencontainers.image.created': created } } : {}),
});

describe('newestReferrer', () => {
  test('the latest created annotation wins, wherever it is listed', () => {
    expect(newestReferrer([d('b', '2025-02-01T00:00:00Z'), d('a', '2025-01-01T00:00:00Z')])?.digest).toBe(
      'b',
    );
  });
  test('without dates, the last listed (the fallback index appends)', () => {
    expect(newestReferrer([d('a'), d('b')])?.digest).toBe('b');
  });
  test('none', () => expect(newestReferrer([])).toBeUndefined());
});

describe('parseVerdict', () => {
  test.each([
    ['{"verdict":"pass","counts":{}}', 'pass'],
    ['{"verdict":"fail"}', 'fail'],
    ['{"verdict":"PASS"}', undefined],
    ['{"result":"pass"}', undefined],
    ['not json', undefined],
  ])('%s → %s', (text, verdict) => expect(parseVerdict(Buffer.from(text))).toBe(verdict));
});

test('promotion annotations carry what a rollback needs, "" for a first promotion', () => {
  const record: PromotionRecord = {
    kind: 'image-lifecycle/promotion',
    schemaVersion: 1,
    repository: 'quay.io/org/app',
    environment: 'prod',
    digest: 'sha256:b',
    previousDigest: null,
    version: '1.2.3',
    actor: 'alice',
    time: '2025-01-01T00:00:00.000Z',
  };
  expect(promotionAnnotations(record)).toEqual({
    [PromotionAnnotation.environment]: 'prod',
    [PromotionAnnotation.previousDigest]: '',
    [PromotionAnnotation.actor]: 'alice',
    [PromotionAnnotation.version]: '1.2.3',
    [PromotionAnnotation.created]: '2025-01-01T00:00:00.000Z',
  });
});
