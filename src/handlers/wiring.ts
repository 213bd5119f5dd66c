/**
 * The composition roots of the Lambda entries (src/handlers/lambda/*.ts): environment → SDK clients
 * → adapters → handler, once per container, with no network I/O (secrets and the CRM connection are
 * fetched on the first invocation). One module per function, so each entry's bundle carries only
 * what its function runs (the webhook has no admin files, rules engine or connector).
 */
export type { WiringOverrides } from './crm-wiring.ts';
export { reportFromEnv } from './report-wiring.ts';
export { sweepFromEnv } from './sweep-wiring.ts';
export { syncFromEnv } from './sync-wiring.ts';
export { webhookFromEnv } from './webhook-wiring.ts';
export { workerFromEnv } from './worker-wiring.ts';
