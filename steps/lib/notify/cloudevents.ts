import type { Message, MessageContext } from './message.js';
import type { RunReport } from './report.js';
import { runDocument } from './webhook.js';

/** CloudEvents 1.0 over HTTP (github.com/cloudevents/spec, http-protocol-binding.md). */
export type CloudEventsMode = 'binary' | 'structured';

export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json; charset=utf-8';

const TYPE_WORD: Record<RunReport['outcome'], string> = {
  success: 'succeeded',
  failure: 'failed',
  unknown: 'unknown',
};

export interface CloudEventAttributes {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject?: string;
  time: string;
  datacontenttype: 'application/json';
}

/**
 * The outcome is part of `type` so brokers (Knative Triggers, Event Grid) can route failures by type alone.
 * `source` names the PipelineRun the way the Kubernetes API does; `id` is the idempotency key, which is
 * what consumers deduplicate on (source + id).
 */
export function cloudEventAttributes(report: RunReport, context: MessageContext): CloudEventAttributes {
  const source = report.namespace
    ? `/apis/tekton.dev/v1/namespaces/${report.namespace}/pipelineruns/${report.pipelineRun}`
    : `/apis/tekton.dev/v1/pipelineruns/${report.pipelineRun}`;
  const subject =
    report.image && report.digest && !report.image.includes('@')
      ? `${report.image}@${report.digest}`
      : report.image;
  return {
    specversion: '1.0',
    id: context.idempotencyKey,
    source,
    type: `dev.image-lifecycle.pipelinerun.${TYPE_WORD[report.outcome]}.v1`,
    ...(subject ? { subject } : {}),
    time: context.time.toISOString(),
    datacontenttype: 'application/json',
  };
}

export function cloudEventMessage(
  report: RunReport,
  context: MessageContext,
  mode: CloudEventsMode,
): Message {
  const attributes = cloudEventAttributes(report, context);
  const data = runDocument(report);
  if (mode === 'structured') {
    return {
      headers: { 'content-type': STRUCTURED_CONTENT_TYPE, 'idempotency-key': context.idempotencyKey },
      body: JSON.stringify({ ...attributes, data }),
    };
  }
  const { datacontenttype, ...rest } = attributes;
  const headers: Record<string, string> = {
    'content-type': datacontenttype,
    'idempotency-key': context.idempotencyKey,
  };
  for (const [name, value] of Object.entries(rest)) headers[`ce-${name}`] = encodeHeaderValue(value);
  return { headers, body: JSON.stringify(data) };
}

/**
 * Binary-mode header values: space, double quote, percent and anything outside printable ASCII are
 * percent-encoded as UTF-8 (http-protocol-binding.md 3.1.3.2).
 */
export function encodeHeaderValue(value: string): string {
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (code > 0x20 && code < 0x7f && char !== '"' && char !== '%') {
      out += char;
    } else {
      for (const byte of Buffer.from(char, 'utf8'))
        out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  return out;
}
