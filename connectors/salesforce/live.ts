/**
 * The SDK side of the Salesforce module (jsforce and what uses it), loaded by load-live.ts when the
 * module first connects. Only what module.ts calls, so a bundle keeps just what these reach.
 */
export { createSalesforceConnector } from './index.ts';
export { loadSalesforceMapping } from './mapping.ts';
export { RealtimeSetupError, setupSalesforceRealtime } from './realtime-setup.ts';
export { formatSchemaReport } from './schema-check.ts';
export { setupSalesforce } from './setup.ts';
