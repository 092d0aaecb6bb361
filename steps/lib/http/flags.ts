import { UsageError } from '../errors.js';
import type { FlagSpecs } from '../tekton/args.js';
import { defaultDeliveryPolicy, type DeliveryPolicy } from './deliver.js';

/** Flags of every step that delivers to an HTTP endpoint from a Pipeline's `finally`. */
export const deliveryFlags = {
  'fail-on-error': {
    type: 'string',
    description: 'Fail the step (and so the PipelineRun) when the delivery fails; otherwise warn and exit 0',
    choices: ['true', 'false'],
    default: 'false',
    valueName: 'BOOL',
  },
  retries: {
    type: 'string',
    description: 'Further attempts after a 429, a 5xx or a network failure',
    default: String(defaultDeliveryPolicy.retries),
    valueName: 'N',
  },
  'timeout-seconds': {
    type: 'string',
    description: 'Time allowed for each attempt',
    default: String(defaultDeliveryPolicy.timeoutMs / 1000),
    valueName: 'SECONDS',
  },
  'max-retry-after-seconds': {
    type: 'string',
    description: 'Longest Retry-After the step waits for; a longer one ends the delivery',
    default: String(defaultDeliveryPolicy.maxRetryAfterMs / 1000),
    valueName: 'SECONDS',
  },
} as const satisfies FlagSpecs;

export interface DeliveryFlagValues {
  retries: string;
  'timeout-seconds': string;
  'max-retry-after-seconds': string;
}

export function policyFromFlags(command: string, flags: DeliveryFlagValues): DeliveryPolicy {
  return {
    ...defaultDeliveryPolicy,
    retries: integerFlag(command, 'retries', flags.retries, 0, 10),
    timeoutMs: integerFlag(command, 'timeout-seconds', flags['timeout-seconds'], 1, 300) * 1000,
    maxRetryAfterMs:
      integerFlag(command, 'max-retry-after-seconds', flags['max-retry-after-seconds'], 0, 600) * 1000,
  };
}

export function integerFlag(command: string, name: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < min || Number(value) > max) {
    throw new UsageError(
      `${command}: --${name} must be a whole number from ${min} to ${max}, got "${value}"`,
    );
  }
  return Number(value);
}
