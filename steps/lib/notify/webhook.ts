import { describeScan } from '../pipelinerun/scan-summary.js';
import type { Message, MessageContext } from './message.js';
import { jsonMessage } from './message.js';
import type { RunReport } from './report.js';
import { headline } from './wording.js';

/**
 * The JSON document about a run, for machines: the generic webhook's body and the CloudEvents `data`.
 * Absent facts are left out rather than sent as null, so receivers can test for presence.
 */
export function runDocument(report: RunReport) {
  return {
    summary: headline(report),
    status: report.status,
    outcome: report.outcome,
    pipelineRun: {
      name: report.pipelineRun,
      ...(report.namespace ? { namespace: report.namespace } : {}),
      ...(report.uid ? { uid: report.uid } : {}),
      ...(report.pipeline ? { pipeline: report.pipeline } : {}),
      ...(report.url ? { url: report.url } : {}),
    },
    ...(report.application ? { application: report.application } : {}),
    ...(report.environment ? { environment: report.environment } : {}),
    ...(report.image || report.digest || report.tags.length
      ? {
          image: {
            ...(report.image ? { reference: report.image } : {}),
            ...(report.digest ? { digest: report.digest } : {}),
            tags: report.tags,
          },
        }
      : {}),
    ...(report.scan ? { scan: { ...report.scan, text: report.scan.text ?? describeScan(report.scan) } } : {}),
    ...(report.canary ? { canary: report.canary } : {}),
    tasks: report.tasks,
    failedTasks: report.failedTasks,
  };
}

export const WEBHOOK_SCHEMA = 'image-lifecycle.pipelinerun/v1';

export function webhookMessage(report: RunReport, context: MessageContext): Message {
  return jsonMessage(
    {
      schema: WEBHOOK_SCHEMA,
      id: context.idempotencyKey,
      time: context.time.toISOString(),
      ...runDocument(report),
    },
    context,
  );
}
