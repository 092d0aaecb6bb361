import { createHash } from 'node:crypto';

export function sha256Digest(data: Uint8Array | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

/** Computes the digest of `data` with the algorithm `expected` names; undefined for algorithms we cannot check. */
export function digestWithAlgorithmOf(expected: string, data: Uint8Array): string | undefined {
  const algorithm = expected.split(':')[0];
  if (algorithm !== 'sha256' && algorithm !== 'sha512') return undefined;
  return `${algorithm}:` + createHash(algorithm).update(data).digest('hex');
}
