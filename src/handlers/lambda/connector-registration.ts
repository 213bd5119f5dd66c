/**
 * Replaced at build time (scripts/build-lambdas.ts) by an import of `connectors/<crm>/register.ts`
 * for the function's CRM, so the bundle carries exactly one connector. Run from source (tests), it is
 * empty: the connector registry then loads `connectors/<crm>/register.ts` itself, or a test has
 * registered a factory.
 */
export {};
