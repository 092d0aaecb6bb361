import type { Message, MessageContext } from './message.js';
import { jsonMessage } from './message.js';
import type { RunReport } from './report.js';
import { facts, headline, plainText, truncate } from './wording.js';

/**
 * Teams Workflows ("Post to a channel when a webhook request is received") takes an Adaptive Card in a
 * message envelope. The retired Office 365 connector MessageCard format is not used.
 */
export const TEAMS_LIMITS = {
  /** Teams refuses messages over about 28 KB. */
  messageBytes: 28 * 1024,
  factValue: 1000,
  headline: 300,
} as const;

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

const COLOR: Record<RunReport['outcome'], string> = {
  success: 'Good',
  failure: 'Attention',
  unknown: 'Warning',
};

export function teamsMessage(report: RunReport, context: MessageContext): Message {
  const card = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    // Without it Teams renders the card at a narrow fixed width.
    msteams: { width: 'Full' },
    // Shown where the card cannot be (notifications, older clients).
    fallbackText: truncate(plainText(report), TEAMS_LIMITS.factValue),
    body: [
      {
        type: 'TextBlock',
        text: truncate(headline(report), TEAMS_LIMITS.headline),
        weight: 'Bolder',
        size: 'Medium',
        color: COLOR[report.outcome],
        wrap: true,
      },
      {
        type: 'FactSet',
        facts: facts(report).map((f) => ({
          title: f.title,
          value: truncate(f.value, TEAMS_LIMITS.factValue),
        })),
      },
    ],
    ...(report.url ? { actions: [{ type: 'Action.OpenUrl', title: 'View run', url: report.url }] } : {}),
  };
  const envelope = {
    type: 'message',
    attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content: card }],
  };
  return jsonMessage(envelope, context);
}
