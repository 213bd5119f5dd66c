/**
 * Ledger columns that no query of the review (`buildReview`) reads: `tossup review` opens the DuckDB
 * reader in memory without them (DuckDbLedgerReader `inMemory.omit`; they read as NULL), so the month
 * it loads is smaller and loads faster. `facts_json` and `reasons_json` are most of a decision row's
 * bytes; the others are small but loaded for a million rows all the same. A review query that starts
 * reading one of them must take it off this list: test/review/review-unread-columns.test.ts fails
 * otherwise.
 */
export const REVIEW_UNREAD_COLUMNS: readonly string[] = [
  'facts_json',
  'reasons_json',
  'reason_codes',
  'rules_version',
  'priority',
  'supersedes',
  'override_source',
  'override_by',
  'cause',
  'opportunity_id',
  'activity',
  'sla_status',
  'response_unit',
  'allowed_hours',
  'kind',
  'round',
];
