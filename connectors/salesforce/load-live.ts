/**
 * Loads live.ts (the CRM SDK) on first use, so commands that never connect never load it. A Lambda
 * bundle carries its CRM's SDK anyway: scripts/build-lambdas.ts swaps this file for a static import
 * there (a dynamic import would keep every export of zod in the bundle).
 */
export const loadLive = () => import('./live.ts');
