/** A notification ready to send: the sender adds nothing but the URL. */
export interface Message {
  headers: Record<string, string>;
  body: string;
}

export interface MessageContext {
  idempotencyKey: string;
  /** When the notification was made; CloudEvents and the generic webhook carry it. */
  time: Date;
}

export function jsonMessage(
  body: unknown,
  context: MessageContext,
  contentType = 'application/json',
): Message {
  return {
    headers: { 'content-type': contentType, 'idempotency-key': context.idempotencyKey },
    body: JSON.stringify(body),
  };
}
