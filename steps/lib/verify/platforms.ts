import { shown } from '../deploy/flags.js';
import { UsageError } from '../errors.js';
import { platformString, type Descriptor, type Platform } from '../oci/types.js';

const PART = /^[a-z0-9][a-z0-9._-]*$/;

/** `linux/amd64`, `linux/arm64/v8`: what --platform takes, checked so a typo is not reported as "missing". */
export function parsePlatform(text: string): Platform {
  const parts = text.trim().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !PART.test(p))) {
    throw new UsageError(
      `--platform ${shown(text)} is not os/architecture[/variant], e.g. linux/amd64 or linux/arm64/v8`,
    );
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/** arm64 images usually omit their variant, which is v8 (containerd's normalization). */
function variantOf(p: Platform): string | undefined {
  return p.variant ?? (p.architecture === 'arm64' ? 'v8' : undefined);
}

/** Whether an image for `candidate` serves a node asking for `wanted`; a variant is compared only when asked for. */
export function platformMatches(wanted: Platform, candidate: Platform | undefined): boolean {
  if (!candidate || candidate.os !== wanted.os || candidate.architecture !== wanted.architecture)
    return false;
  return wanted.variant === undefined || variantOf(wanted) === variantOf(candidate);
}

/**
 * The runnable images of an index: entries with a real platform. Attestation manifests (BuildKit marks
 * them `unknown/unknown` with vnd.docker.reference.type) describe images, they are not images.
 */
export function runnableEntries(manifests: readonly Descriptor[]): Descriptor[] {
  return manifests.filter(
    (m) =>
      m.platform &&
      m.platform.os !== 'unknown' &&
      m.platform.architecture !== 'unknown' &&
      m.annotations?.['vnd.docker.reference.type'] === undefined,
  );
}

export interface PlatformSelection {
  /** The entries to check: those matching a wanted platform, or all runnable ones when none is wanted. */
  selected: Descriptor[];
  missing: Platform[];
  available: string[];
}

export function selectPlatforms(
  manifests: readonly Descriptor[],
  wanted: readonly Platform[],
): PlatformSelection {
  const runnable = runnableEntries(manifests);
  const available = runnable.map((m) => platformString(m.platform));
  if (wanted.length === 0) return { selected: runnable, missing: [], available };
  const selected: Descriptor[] = [];
  const missing: Platform[] = [];
  for (const w of wanted) {
    const match = runnable.find((m) => platformMatches(w, m.platform));
    if (!match) missing.push(w);
    else if (!selected.includes(match)) selected.push(match);
  }
  return { selected, missing, available };
}
