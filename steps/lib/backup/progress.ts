import { formatBytes } from '../units.js';
import type { Logger } from '../tekton/log.js';
import type { CopyCounters } from './copy.js';

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
