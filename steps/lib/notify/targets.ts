import { cloudEventMessage, type CloudEventsMode } from './cloudevents.js';
import type { Message, MessageContext } from './message.js';
import type { RunReport } from './report.js';
import { slackMessage } from './slack.js';
import { teamsMessage } from './teams.js';
import { webhookMessage } from './webhook.js';

export const TARGETS = ['slack', 'teams', 'webhook', 'cloudevents'] as const;
export type Target = (typeof TARGETS)[number];

export const TARGET_LABELS: Record<Target, string> = {
  slack: 'Slack webhook',
  teams: 'Teams Workflows webhook',
  webhook: 'webhook',
  cloudevents: 'CloudEvents sink',
};

export function buildMessage(
  target: Target,
  report: RunReport,
  context: MessageContext,
  mode: CloudEventsMode,
): Message {
  switch (target) {
    case 'slack':
      return slackMessage(report, context);
    case 'teams':
      return teamsMessage(report, context);
    case 'webhook':
      return webhookMessage(report, context);
    case 'cloudevents':
      return cloudEventMessage(report, context, mode);
  }
}
