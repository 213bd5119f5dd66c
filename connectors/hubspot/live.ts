/**
 * The SDK side of the HubSpot module (@hubspot/api-client and what uses it), loaded by load-live.ts
 * when the module first connects. Only what module.ts calls, so a bundle keeps just what these reach.
 */
export { createHubspotAdmin, createHubspotConnector } from './index.ts';
export { formatSchemaCheck } from './schema-check.ts';
export { formatSetup } from './setup.ts';
