import type { Message, MessageContext } from './message.js';
import { jsonMessage } from './message.js';
import type { RunReport } from './report.js';
import { facts, headline, plainText, truncate } from './wording.js';

/** Block Kit limits (api.slack.com/reference/block-kit): exceeding any makes Slack refuse the message. */
export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  buttonText: 75,
  buttonUrl: 3000,
  contextElements: 10,
  /** Slack truncates `text` at 40,000 characters and recommends staying under 4,000. */
  text: 4000,
} as const;

const EMOJI: Record<RunReport['outcome'], string> = {
  success: ':white_check_mark:',
  failure: ':x:',
  unknown: ':warning:',
};

/** mrkdwn needs &, < and > escaped; anything else is shown as typed. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes, then cuts without splitting an entity such as &amp;. */
function mrkdwn(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  return escaped.slice(0, max - 1).replace(/&[a-z]*$/, '') + '…';
}

export function slackMessage(report: RunReport, context: MessageContext): Message {
  const fields = facts(report)
    .slice(0, SLACK_LIMITS.sectionFields)
    .map((f) => {
      const title = `*${escapeMrkdwn(f.title)}*\n`;
      // Room for the backticks around code values.
      const budget = SLACK_LIMITS.fieldText - title.length - (f.code ? 2 : 0);
      const value = mrkdwn(f.value, budget);
      return { type: 'mrkdwn', text: title + (f.code ? `\`${value}\`` : value) };
    });
  const blocks: unknown[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: truncate(`${EMOJI[report.outcome]} ${headline(report)}`, SLACK_LIMITS.headerText),
        emoji: true,
      },
    },
    { type: 'section', fields },
  ];
  if (report.url && report.url.length <= SLACK_LIMITS.buttonUrl) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'View run' },
          url: report.url,
          action_id: 'view-run',
        },
      ],
    });
  }
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: mrkdwn(`image-lifecycle notify · ${context.idempotencyKey}`, SLACK_LIMITS.sectionText),
      },
    ],
  });
  return jsonMessage({ text: mrkdwn(plainText(report), SLACK_LIMITS.text), blocks }, context);
}
