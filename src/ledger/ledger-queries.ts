/**
 * Every query over the ledger, in one place and in the SQL both DuckDB (local) and Athena/Trino accept:
 * `?` parameters, CAST, CASE, COALESCE, window functions, `CROSS JOIN UNNEST(…) AS t(x)`. Avoided:
 * engine-specific percentile functions (percentiles are nearest-rank through ROW_NUMBER), date
 * functions (instants are ISO 8601 UTC strings of one format, compared as text), `FILTER`, `QUALIFY`.
 * Tables: `ledger_decisions`, `ledger_events` (ledger-columns.ts). Each query is tested on DuckDB
 * against a hand-made fixture (test/ledger/ledger-queries.test.ts).
 */

export interface LedgerQuery {
  /** What the parameters are, in order. */
  params: readonly string[];
  sql: string;
}

/**
 * Episodes that became an opportunity: an opportunity linked to the toss-up (the opportunity phase),
 * closed as such, or the rep's verdict said so.
 */
const WON_EPISODES = `
  SELECT DISTINCT episode_key FROM ledger_events
  WHERE event_type = 'opportunity'
     OR (event_type = 'closed' AND close_reason = 'opportunity')
     OR (event_type = 'verdict' AND verdict_result = 'opportunity')`;

/**
 * Opportunity rate by the decisive reason of the toss-up (flag yes, a new episode) decided in
 * [from, to): toss-ups, how many became opportunities, the rate.
 */
export const OPPORTUNITY_RATE_BY_REASON: LedgerQuery = {
  params: ['from (ISO UTC)', 'to (ISO UTC, exclusive)'],
  sql: `
WITH tossups AS (
  SELECT DISTINCT episode_key, primary_reason FROM ledger_decisions
  WHERE flag = 'yes' AND new_episode AND episode_key IS NOT NULL
    AND decided_at >= ? AND decided_at < ?
), won AS (${WON_EPISODES}
)
SELECT t.primary_reason AS reason_code,
       CAST(COUNT(*) AS INTEGER) AS tossups,
       CAST(COUNT(w.episode_key) AS INTEGER) AS opportunities,
       CAST(COUNT(w.episode_key) AS DOUBLE) / COUNT(*) AS opportunity_rate
FROM tossups t LEFT JOIN won w ON w.episode_key = t.episode_key
GROUP BY t.primary_reason
ORDER BY tossups DESC, reason_code`,
};

/**
 * Opportunity rate by every reason code a toss-up carried (a toss-up with three reasons counts under
 * each), same period and definition as above.
 */
export const OPPORTUNITY_RATE_BY_ANY_REASON: LedgerQuery = {
  params: ['from (ISO UTC)', 'to (ISO UTC, exclusive)'],
  sql: `
WITH tossups AS (
  SELECT DISTINCT d.episode_key, r.code AS reason_code
  FROM ledger_decisions d CROSS JOIN UNNEST(d.reason_codes) AS r(code)
  WHERE d.flag = 'yes' AND d.new_episode AND d.episode_key IS NOT NULL
    AND d.decided_at >= ? AND d.decided_at < ?
), won AS (${WON_EPISODES}
)
SELECT t.reason_code,
       CAST(COUNT(*) AS INTEGER) AS tossups,
       CAST(COUNT(w.episode_key) AS INTEGER) AS opportunities,
       CAST(COUNT(w.episode_key) AS DOUBLE) / COUNT(*) AS opportunity_rate
FROM tossups t LEFT JOIN won w ON w.episode_key = t.episode_key
GROUP BY t.reason_code
ORDER BY tossups DESC, t.reason_code`,
};

/**
 * First responses in [from, to) grouped by `dimension`: how many, p50 and p90 of the time to respond on
 * the SLA's clock (nearest rank: the smallest value with at least p% of the group at or below it) and
 * the on-time rate (share of responses within the SLA).
 */
function responseBy(dimension: string, alias: string): LedgerQuery {
  return {
    params: ['from (ISO UTC)', 'to (ISO UTC, exclusive)'],
    sql: `
WITH r AS (
  SELECT ${dimension} AS ${alias}, response_hours, on_time,
         ROW_NUMBER() OVER (PARTITION BY ${dimension} ORDER BY response_hours) AS rn,
         COUNT(*) OVER (PARTITION BY ${dimension}) AS n
  FROM ledger_events
  WHERE response_hours IS NOT NULL AND event_at >= ? AND event_at < ?
)
SELECT ${alias},
       CAST(MAX(n) AS INTEGER) AS responses,
       MIN(CASE WHEN rn >= CEIL(0.5 * n) THEN response_hours END) AS p50_hours,
       MIN(CASE WHEN rn >= CEIL(0.9 * n) THEN response_hours END) AS p90_hours,
       CAST(SUM(CASE WHEN on_time THEN 1 ELSE 0 END) AS DOUBLE) / COUNT(*) AS on_time_rate
FROM r
GROUP BY ${alias}
ORDER BY ${alias}`,
  };
}

/** Per rep: the routing key, else the CRM user id. */
export const RESPONSE_BY_REP = responseBy('COALESCE(owner_key, owner_id)', 'rep');
export const RESPONSE_BY_NEXT_ACTION = responseBy('next_action', 'next_action');

/** The decision the CRM showed for a lead at an instant: the last one recorded at or before it. */
export const DECISION_AT: LedgerQuery = {
  params: ['lead id', 'at (ISO UTC)'],
  sql: `
SELECT * FROM ledger_decisions
WHERE lead_id = ? AND decided_at <= ?
ORDER BY decided_at DESC, record_id DESC
LIMIT 1`,
};

/** What happened to an episode up to an instant, in order. */
export const EPISODE_EVENTS_UNTIL: LedgerQuery = {
  params: ['episode key', 'at (ISO UTC)'],
  sql: `
SELECT event_type, step, event_at, cause, owner_key, owner_id, close_reason, verdict_result,
       sent_back_reason, opportunity_id, opportunity_won, lost_reason, activity, ladder_action, sla_status, response_hours, response_unit, on_time
FROM ledger_events
WHERE episode_key = ? AND event_at <= ?
ORDER BY event_at, step`,
};

/**
 * `tossup backtest` (src/backtest/): the decision rows of [from, to) with their facts, one per record
 * id (a delivery repeated by Firehose is one row), in time order. Copies of a record are identical, so
 * the window needs no order (and DuckDB 1.x fails an internal cast on `ROW_NUMBER() OVER (… ORDER BY …)
 * = 1` over list columns).
 */
export const BACKTEST_DECISIONS: LedgerQuery = {
  params: ['from (ISO UTC)', 'to (ISO UTC, exclusive)'],
  sql: `
SELECT * FROM (
  SELECT d.*, ROW_NUMBER() OVER (PARTITION BY d.record_id) AS copy_no
  FROM ledger_decisions d
  WHERE d.decided_at >= ? AND d.decided_at < ?
) x
WHERE copy_no = 1
ORDER BY decided_at, record_id`,
};

/**
 * `tossup backtest`: the episode events that say what became of a toss-up from `from` on — an
 * opportunity (linked, closed as such, or the verdict said so) or a verdict (sent back …).
 */
export const BACKTEST_OUTCOME_EVENTS: LedgerQuery = {
  params: ['from (ISO UTC)'],
  sql: `
SELECT DISTINCT crm, lead_id, event_type, event_at, close_reason, verdict_result
FROM ledger_events
WHERE event_at >= ?
  AND (event_type IN ('opportunity', 'verdict') OR (event_type = 'closed' AND close_reason = 'opportunity'))
ORDER BY event_at, lead_id`,
};
