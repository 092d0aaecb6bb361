import { describeScan } from '../pipelinerun/scan-summary.js';
import type { RunReport } from './report.js';

/** The words every target shows, so Slack, Teams and the fallback text say the same thing. */
export interface Fact {
  title: string;
  value: string;
  /** Rendered as code: image references, digests, tags. */
  code?: boolean;
}

const VERB: Record<RunReport['status'], string> = {
  Succeeded: 'succeeded',
  Completed: 'completed (some tasks skipped)',
  Failed: 'failed',
  None: 'ended without a status',
};

export function headline(report: RunReport): string {
  const what = report.pipeline ?? report.pipelineRun;
  const where = [report.application, report.environment].filter(Boolean).join(' → ');
  const failedAt = report.failedTasks.length ? ` at ${report.failedTasks.join(', ')}` : '';
  return `${what} ${VERB[report.status]}${failedAt}${where ? `: ${where}` : ''}`;
}

export function facts(report: RunReport): Fact[] {
  const list: Fact[] = [
    {
      title: 'PipelineRun',
      value: report.namespace ? `${report.namespace}/${report.pipelineRun}` : report.pipelineRun,
    },
    { title: 'Status', value: report.status },
  ];
  if (report.failedTasks.length) list.push({ title: 'Failed task', value: report.failedTasks.join(', ') });
  if (report.image) list.push({ title: 'Image', value: report.image, code: true });
  if (report.digest) list.push({ title: 'Digest', value: report.digest, code: true });
  if (report.tags.length) list.push({ title: 'Tags', value: report.tags.join(', '), code: true });
  if (report.scan) list.push({ title: 'Scan', value: describeScan(report.scan) });
  if (report.canary) list.push({ title: 'Canary', value: report.canary.text });
  return list;
}

/** Plain text for clients that cannot show rich messages (and for Slack's notification preview). */
export function plainText(report: RunReport): string {
  const lines = [headline(report), ...facts(report).map((f) => `${f.title}: ${f.value}`)];
  if (report.url) lines.push(`Run: ${report.url}`);
  return lines.join('\n');
}

/** Cuts text to `max` characters, marking the cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max - 1) + '…';
}
