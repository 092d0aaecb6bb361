import type { Logger } from '../tekton/log.js';
import type { CopyCounters } from './copy.js';

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function describeCounters(c: Readonly<CopyCounters>, dryRun: boolean): string {
  const verb = dryRun ? 'would copy' : 'copied';
  return (
    `${verb} ${c.manifestsCopied} manifests and ${c.blobsCopied} blobs (${formatBytes(c.bytesCopied)}), ` +
    `${c.blobsMounted} blobs mounted; already there: ${c.manifestsPresent} manifests, ${c.blobsPresent} blobs`
  );
}

/** Progress lines while copying; the logger throttles them where the output is not a terminal. */
export function progressReporter(log: Logger, dryRun: boolean): (c: Readonly<CopyCounters>) => void {
  return (c) => log.progress(describeCounters(c, dryRun));
}
