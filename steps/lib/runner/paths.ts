/** A directory the TaskRun mounts into its step containers: results, workspaces, volumes. */
export interface Mount {
  containerPath: string;
  hostPath: string;
  readOnly: boolean;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * In host mode there are no containers, so the paths a step was given for its container (`/tekton/results/X`,
 * `/workspace/source`, a volume's mountPath) are rewritten to the host directories behind them. A path is only
 * rewritten where it starts (not inside `/var/tmp` for `/tmp`), longest mount first, in one pass so a host path
 * produced by the rewrite is never rewritten again.
 */
export function hostPathRewriter(mounts: readonly Mount[]): (text: string) => string {
  const byPath = new Map(mounts.map((m) => [m.containerPath.replace(/\/+$/, '') || '/', m.hostPath]));
  const paths = [...byPath.keys()].filter((p) => p !== '/').sort((a, b) => b.length - a.length);
  if (paths.length === 0) return (text) => text;
  const pattern = new RegExp(`(?<![\\w.~/-])(${paths.map(escape).join('|')})(?![\\w.~-])`, 'g');
  return (text) => text.replace(pattern, (path: string) => byPath.get(path) as string);
}
