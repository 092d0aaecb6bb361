export type ScanVerdict = 'pass' | 'fail';

/** The verdict of a scan report layer: a JSON object with a top-level "verdict" of "pass" or "fail". */
export function parseVerdict(layer: Buffer): ScanVerdict | undefined {
  try {
    const doc = JSON.parse(layer.toString('utf8')) as { verdict?: unknown };
    return doc.verdict === 'pass' || doc.verdict === 'fail' ? doc.verdict : undefined;
  } catch {
    return undefined;
  }
}
