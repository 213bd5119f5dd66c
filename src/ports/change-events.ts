import type { InterpretOptions } from '../changes/salesforce-change-event.ts';

/**
 * Optional connector capability: what a change event needs to be judged
 * (src/changes/salesforce-change-event.ts) — our integration user, whose events are our own writes,
 * and the fields the mapping reads, per object. The Salesforce connector offers it; the worker (Event
 * Relay on AWS) and the local listener interpret events with it, so both share every rule.
 */
export interface ChangeEventRules {
  interpretOptions(): InterpretOptions;
}
