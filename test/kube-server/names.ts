import { randomBytes, randomInt } from 'node:crypto';
import { canonicalJson } from './json.js';

/** The alphabet Kubernetes uses for generated names and hashes: no vowels, no look-alike characters. */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** `generateName` suffix: five random characters, as the API server appends them. */
export function randomSuffix(length = 5): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

/** 32-bit FNV-1a, the hash the deployment controller applies to a pod template. */
function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** `pod-template-hash`: a stable short name for a pod template (plus the collision count, as the controller does). */
export function podTemplateHash(template: unknown, collisionCount = 0): string {
  const value = fnv1a32(canonicalJson(template) + (collisionCount ? String(collisionCount) : ''));
  // rand.SafeEncodeString over the decimal digits, hence names like web-7b9c5f8d4.
  return [...String(value)].map((ch) => ALPHABET[ch.charCodeAt(0) % ALPHABET.length]).join('');
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** Hands out addresses from a private range, the way a cluster's IPAM would. */
export class AddressPool {
  private next = 2;
  constructor(private readonly prefix: string) {}

  allocate(): string {
    const n = this.next++;
    return `${this.prefix}.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
  }
}
