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
  /**
   * The day partitions (`dt`, the UTC date of a row's own time) that can hold the rows the query
   * reads of each table, as parameters that are ISO instants (indexes into `params`): from the date
   * of `from` to the date of `to`, both included, an absent end unbounded. Athena reads only those
   * partitions (athena-ledger-reader.ts); the range must hold every row the answer depends on, so
   * the answer is the one over the whole table. Absent: the whole table.
   */
  partitions?: { decisions?: DayRange; events?: DayRange };
}

/** Parameter indexes of the instants whose UTC dates bound a table's partitions read. */
export interface DayRange {
  from?: number;
  to?: number;
}

/** A query's own rows in [p0, p1): decisions or events of the period. */
const PERIOD_ROWS: DayRange = { from: 0, to: 1 };
/**
 * The events that follow the toss-ups of a period starting at parameter 0: an episode's events come
 * at or after its hand-off, so none before the period's first day; until now (no end).
 */
const EVENTS_SINCE: DayRange = { from: 0 };

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
  partitions: { decisions: PERIOD_ROWS, events: EVENTS_SINCE },
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
  partitions: { decisions: PERIOD_ROWS, events: EVENTS_SINCE },
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
    partitions: { events: PERIOD_ROWS },
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
  partitions: { decisions: { to: 1 } },
  sql: `
SELECT * FROM ledger_decisions
WHERE lead_id = ? AND decided_at <= ?
ORDER BY decided_at DESC, record_id DESC
LIMIT 1`,
};

/**
 * The decisions of some leads recorded since one instant and at or before another: DECISION_AT for many leads in one
 * query (the review's opportunities without toss-up), the caller picking per lead the last one at or
 * before its own instant (greatest `decided_at`, then `record_id`, as DECISION_AT orders). One `?` per
 * lead id: callers cut long lists into chunks.
 */
export function decisionsOfLeads(leads: number): LedgerQuery {
  if (!Number.isInteger(leads) || leads < 1)
    throw new RangeError(`decisionsOfLeads takes 1 or more leads, not ${leads}`);
  const ids = Array.from({ length: leads }, (_, i) => `lead id ${i + 1}`);
  return {
    params: ['since (ISO UTC): how far back to look', 'until (ISO UTC, inclusive)', ...ids],
    partitions: { decisions: { from: 0, to: 1 } },
    sql: `
SELECT lead_id, record_id, decided_at, flag, primary_reason, attribute_score, behaviour_score
FROM ledger_decisions
WHERE decided_at >= ? AND decided_at <= ? AND lead_id IN (${ids.map(() => '?').join(', ')})`,
  };
}

/** What happened to an episode up to an instant, in order. */
export const EPISODE_EVENTS_UNTIL: LedgerQuery = {
  params: ['episode key', 'at (ISO UTC)'],
  partitions: { events: { to: 1 } },
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
  partitions: { decisions: PERIOD_ROWS },
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
  partitions: { events: EVENTS_SINCE },
  sql: `
SELECT DISTINCT crm, lead_id, event_type, event_at, close_reason, verdict_result
FROM ledger_events
WHERE event_at >= ?
  AND (event_type IN ('opportunity', 'verdict') OR (event_type = 'closed' AND close_reason = 'opportunity'))
ORDER BY event_at, lead_id`,
};

/*
 * The review (`tossup review`, src/review/): the weekly follow-up status and the monthly accuracy
 * review. A toss-up is a decision with flag yes that started an episode; its outcome is read from the
 * episode's events recorded so far. Periods are [from, to) in ISO UTC; `as of` bounds what is known.
 */

/**
 * Per episode, its last event at or before an instant (`?`): the greatest `event_at`, then the
 * greatest `step` — what `ROW_NUMBER() OVER (PARTITION BY episode_key ORDER BY event_at DESC, step
 * DESC) = 1` picks, found with one aggregation and a join instead, because sorting every episode's
 * rows by a text key was most of the review's time (DuckDB: ~4× faster). One aggregation: the
 * greatest `event_at || step` is the greatest `event_at`, then `step`, because every instant is an
 * ISO string of one format and length (top of this file), so the text order of the pair is the pair's order.
 * Exact because a record is one (crm, episode, step) and episode keys are per lead (episode-key.ts),
 * so (episode_key, step) is one row.
 * `columns`: what to keep of that row, from alias `e`.
 */
function lastEventAsOf(columns: string): string {
  return `
    SELECT e.episode_key, ${columns} FROM ledger_events e
    JOIN (
      SELECT episode_key, MAX(event_at || step) AS last_key FROM ledger_events WHERE event_at <= ? GROUP BY episode_key
    ) k ON k.episode_key = e.episode_key AND e.event_at || e.step = k.last_key`;
}

/**
 * Per toss-up episode of the CTE `t` (read only for those, through a join on its distinct keys — not
 * `IN (SELECT …)`, which DuckDB planned as a hash table of the events: a week's review need not group
 * the whole ledger): became an opportunity (1/0), the rep's latest verdict and its sent-back reason.
 */
const EPISODE_OUTCOMES = `
  SELECT w.episode_key, w.won, v.verdict_result AS verdict, v.sent_back_reason
  FROM (
    SELECT e.episode_key,
           MAX(CASE WHEN event_type = 'opportunity'
                      OR (event_type = 'closed' AND close_reason = 'opportunity')
                      OR (event_type = 'verdict' AND verdict_result = 'opportunity') THEN 1 ELSE 0 END) AS won
    FROM ledger_events e JOIN (SELECT DISTINCT episode_key FROM t) tk ON tk.episode_key = e.episode_key
    GROUP BY e.episode_key
  ) w
  LEFT JOIN (
    SELECT episode_key, verdict_result, sent_back_reason FROM (
      SELECT episode_key, verdict_result, sent_back_reason,
             ROW_NUMBER() OVER (PARTITION BY episode_key ORDER BY event_at DESC, step DESC) AS rn
      FROM ledger_events WHERE event_type = 'verdict' AND episode_key IN (SELECT episode_key FROM t)
    ) lv WHERE rn = 1
  ) v ON v.episode_key = w.episode_key`;

/** Rows a list query returns at most (the review shows fewer); `total` on each row says how many there are. */
export const REVIEW_LIST_LIMIT = 500;

/**
 * The toss-ups decided in [from, to), their outcomes worked out once for two sections of the review
 * (one scan of the period's decisions, one grouping of their episodes' events, instead of a query
 * each). Rows of `part` `rate`: the toss-ups under each key of five dimensions (`dimension`:
 * `reason` — the decisive reason code; `rule`; `campaign` — the lead's activity sources, a toss-up
 * counting under each, none → not listed; `source` — where the lead lives, CRM and object, e.g.
 * `salesforce Lead`; `rep` — the routing key, else CRM user id, the toss-up was handed to):
 * toss-ups, judged (a verdict, or an opportunity), accepted (accepted, opportunity or lost, or an
 * opportunity), sent back (latest verdict, no opportunity), opportunities. Rows of `part` `noise`:
 * the "noise" list — toss-ups with no opportunity so far that were sent back (`sent_back`, with the
 * reason), or were decided before the cutoff (as of minus N days) and still have none
 * (`no_opportunity`); the first REVIEW_LIST_LIMIT by decision time, `total` saying how many.
 */
export const TOSSUP_RATES_AND_NOISE: LedgerQuery = {
  params: ['from (ISO UTC)', 'to (ISO UTC, exclusive)', 'cutoff (ISO UTC): as of minus N days'],
  partitions: { decisions: PERIOD_ROWS, events: EVENTS_SINCE },
  sql: `
WITH t AS (
  SELECT crm, lead_id, episode_key, decided_at, rule_id, primary_reason, attribute_score, behaviour_score,
         crm || ' ' || object_type AS source, COALESCE(owner_key, owner_id) AS rep, sources
  FROM ledger_decisions
  WHERE flag = 'yes' AND new_episode AND episode_key IS NOT NULL AND decided_at >= ? AND decided_at < ?
), outcomes AS (${EPISODE_OUTCOMES}
), tw AS (
  -- Each toss-up's outcome once, before it fans out to its keys (an outcome is one row per episode).
  SELECT t.*, o.verdict, o.sent_back_reason,
         CASE WHEN o.won = 1 OR o.verdict IS NOT NULL THEN 1 ELSE 0 END AS judged,
         CASE WHEN o.won = 1 OR o.verdict IN ('accepted', 'opportunity', 'lost') THEN 1 ELSE 0 END AS accepted,
         CASE WHEN COALESCE(o.won, 0) = 0 AND o.verdict = 'sent_back' THEN 1 ELSE 0 END AS sent_back,
         CASE WHEN o.won = 1 THEN 1 ELSE 0 END AS won
  FROM t LEFT JOIN outcomes o ON o.episode_key = t.episode_key
), keyed AS (
  SELECT DISTINCT 'reason' AS dimension, episode_key, primary_reason AS k, judged, accepted, sent_back, won FROM tw
  UNION ALL SELECT DISTINCT 'rule', episode_key, rule_id, judged, accepted, sent_back, won FROM tw
  UNION ALL SELECT DISTINCT 'campaign', tw.episode_key, c.campaign, judged, accepted, sent_back, won FROM tw CROSS JOIN UNNEST(tw.sources) AS c(campaign)
  UNION ALL SELECT DISTINCT 'source', episode_key, source, judged, accepted, sent_back, won FROM tw
  UNION ALL SELECT DISTINCT 'rep', episode_key, rep, judged, accepted, sent_back, won FROM tw
), rates AS (
  SELECT x.dimension, x.k,
         CAST(COUNT(*) AS INTEGER) AS tossups,
         CAST(SUM(x.judged) AS INTEGER) AS judged,
         CAST(SUM(x.accepted) AS INTEGER) AS accepted,
         CAST(SUM(x.sent_back) AS INTEGER) AS sent_back,
         CAST(SUM(x.won) AS INTEGER) AS opportunities
  FROM keyed x
  GROUP BY x.dimension, x.k
), noise AS (
  SELECT DISTINCT crm, lead_id, episode_key, decided_at, rule_id, primary_reason, attribute_score, behaviour_score, rep,
         CASE WHEN verdict = 'sent_back' THEN 'sent_back' ELSE 'no_opportunity' END AS why,
         CASE WHEN verdict = 'sent_back' THEN sent_back_reason END AS sent_back_reason
  FROM tw
  WHERE won = 0 AND (verdict = 'sent_back' OR decided_at < ?)
), listed AS (
  SELECT n.*, CAST(COUNT(*) OVER () AS INTEGER) AS total,
         ROW_NUMBER() OVER (ORDER BY decided_at, lead_id, episode_key) AS rn
  FROM noise n
)
SELECT 'rate' AS part, dimension, k, tossups, judged, accepted, sent_back, opportunities,
       CAST(NULL AS VARCHAR) AS why, CAST(NULL AS VARCHAR) AS crm, CAST(NULL AS VARCHAR) AS lead_id,
       CAST(NULL AS VARCHAR) AS episode_key, CAST(NULL AS VARCHAR) AS decided_at, CAST(NULL AS VARCHAR) AS rule_id,
       CAST(NULL AS VARCHAR) AS primary_reason, CAST(NULL AS DOUBLE) AS attribute_score,
       CAST(NULL AS DOUBLE) AS behaviour_score, CAST(NULL AS VARCHAR) AS rep,
       CAST(NULL AS VARCHAR) AS sent_back_reason, CAST(NULL AS INTEGER) AS total
FROM rates
UNION ALL
SELECT 'noise', NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       why, crm, lead_id, episode_key, decided_at, rule_id, primary_reason, attribute_score, behaviour_score, rep,
       sent_back_reason, total
FROM listed
WHERE rn <= ${REVIEW_LIST_LIMIT}
ORDER BY part DESC, dimension, tossups DESC, k, decided_at, lead_id, episode_key`,
};

/**
 * The attribute × behaviour score grid of the leads decided in [from, to) (each lead's last decision
 * in the period, whatever the flag): bins of `width` points (the last bin takes everything from
 * `top`), how many leads, how many toss-ups, how many got an opportunity at or after that decision
 * (through any of its episodes). Unknown behaviour counts as 0.
 */
export const SCORE_GRID: LedgerQuery = {
  params: ['width', 'top', 'width', 'top', 'from (ISO UTC)', 'to (ISO UTC, exclusive)'],
  partitions: { decisions: { from: 4, to: 5 }, events: { from: 4 } },
  sql: `
WITH bins AS (
  SELECT CAST(? AS DOUBLE) AS w, CAST(? AS DOUBLE) AS attr_top, CAST(? AS DOUBLE) AS w2, CAST(? AS DOUBLE) AS beh_top
), last AS (
  SELECT crm, lead_id, decided_at, flag, attribute_score, COALESCE(behaviour_score, 0) AS behaviour_score FROM (
    SELECT crm, lead_id, decided_at, flag, attribute_score, behaviour_score,
           ROW_NUMBER() OVER (PARTITION BY crm, lead_id ORDER BY decided_at DESC, record_id DESC) AS rn
    FROM ledger_decisions WHERE decided_at >= ? AND decided_at < ?
  ) x WHERE rn = 1
), last_won AS (
  SELECT crm, lead_id, MAX(event_at) AS last_won_at FROM ledger_events
  WHERE event_type = 'opportunity'
     OR (event_type = 'closed' AND close_reason = 'opportunity')
     OR (event_type = 'verdict' AND verdict_result = 'opportunity')
  GROUP BY crm, lead_id
)
SELECT CAST(LEAST(FLOOR(l.attribute_score / b.w) * b.w, b.attr_top) AS INTEGER) AS attribute_bin,
       CAST(LEAST(FLOOR(l.behaviour_score / b.w2) * b.w2, b.beh_top) AS INTEGER) AS behaviour_bin,
       CAST(COUNT(*) AS INTEGER) AS leads,
       CAST(SUM(CASE WHEN l.flag = 'yes' THEN 1 ELSE 0 END) AS INTEGER) AS tossups,
       CAST(SUM(CASE WHEN lw.last_won_at >= l.decided_at THEN 1 ELSE 0 END) AS INTEGER) AS opportunities
FROM last l CROSS JOIN bins b
LEFT JOIN last_won lw ON lw.crm = l.crm AND lw.lead_id = l.lead_id
GROUP BY 1, 2
ORDER BY 1, 2`,
};

/** Sent-back verdicts recorded in [from, to), by the reason the rep chose (null: none chosen). */
export const SENT_BACK_REASONS: LedgerQuery = {
  params: ['from (ISO UTC)', 'to (ISO UTC, exclusive)'],
  partitions: { events: PERIOD_ROWS },
  sql: `
SELECT sent_back_reason AS reason, CAST(COUNT(DISTINCT episode_key) AS INTEGER) AS count
FROM ledger_events
WHERE event_type = 'verdict' AND verdict_result = 'sent_back' AND event_at >= ? AND event_at < ?
GROUP BY sent_back_reason
ORDER BY count DESC, reason`,
};

/**
 * Losses recorded in [from, to): opportunities closed lost (the CRM's lost reason) and toss-ups the
 * rep marked lost (no reason recorded: null).
 */
export const LOST_REASONS: LedgerQuery = {
  params: ['from (ISO UTC)', 'to (ISO UTC, exclusive)'],
  partitions: { events: PERIOD_ROWS },
  sql: `
SELECT lost_reason AS reason, CAST(COUNT(DISTINCT episode_key) AS INTEGER) AS count
FROM ledger_events
WHERE ((event_type = 'opportunity_closed' AND opportunity_won = false)
    OR (event_type = 'verdict' AND verdict_result = 'lost'))
  AND event_at >= ? AND event_at < ?
GROUP BY lost_reason
ORDER BY count DESC, reason`,
};

/**
 * Counted once per decision in [from, to): how many, per flag, toss-ups started. (How many leads:
 * SCORE_GRID has one row per lead decided in the period; the review adds its cells up rather than
 * counting distinct leads over the period's decisions a second time.)
 */
export const DECISION_SUMMARY: LedgerQuery = {
  params: ['from (ISO UTC)', 'to (ISO UTC, exclusive)'],
  partitions: { decisions: PERIOD_ROWS },
  sql: `
SELECT CAST(COUNT(*) AS INTEGER) AS decisions,
       CAST(SUM(CASE WHEN flag = 'yes' THEN 1 ELSE 0 END) AS INTEGER) AS yes,
       CAST(SUM(CASE WHEN flag = 'no' THEN 1 ELSE 0 END) AS INTEGER) AS no,
       CAST(SUM(CASE WHEN flag = 'hold' THEN 1 ELSE 0 END) AS INTEGER) AS hold,
       CAST(SUM(CASE WHEN flag = 'yes' AND new_episode AND episode_key IS NOT NULL THEN 1 ELSE 0 END) AS INTEGER) AS tossups
FROM ledger_decisions
WHERE decided_at >= ? AND decided_at < ?`,
};

/**
 * The "missed" list from the ledger (what happened since the history horizon: episodes, decisions and
 * their opportunities from then on): episodes that became an opportunity in [from, to) although the
 * rules had said no or hold — to this very episode (a person overrode the flag: kind `override`; or
 * the rules' hold handed it to a check, e.g. IS / sales planning, not to sales: kind `checked`), or
 * in the lead's decision before it (the rules said yes only later: kind `late`). The no/hold
 * decision's flag, time, reason and scores.
 */
export const MISSED_FROM_LEDGER: LedgerQuery = {
  params: [
    'history since (ISO UTC): the review looks this far back',
    'from (ISO UTC)',
    'to (ISO UTC, exclusive)',
    'history since',
    'history since',
  ],
  partitions: { decisions: { from: 0, to: 2 }, events: { from: 0, to: 2 } },
  sql: `
WITH won AS (
  SELECT episode_key, MIN(event_at) AS won_at FROM ledger_events
  WHERE (event_type = 'opportunity'
     OR (event_type = 'closed' AND close_reason = 'opportunity')
     OR (event_type = 'verdict' AND verdict_result = 'opportunity'))
    AND event_at >= ?
  GROUP BY episode_key
), ep AS (
  SELECT d.crm, d.lead_id, d.episode_key, d.decided_at, d.flag, d.override_flag, d.primary_reason, d.attribute_score, d.behaviour_score, w.won_at
  FROM ledger_decisions d JOIN won w ON w.episode_key = d.episode_key
  WHERE d.new_episode AND w.won_at >= ? AND w.won_at < ? AND d.decided_at >= ?
), prior AS (
  SELECT ep.episode_key, p.flag, p.decided_at, p.primary_reason, p.attribute_score, p.behaviour_score,
         ROW_NUMBER() OVER (PARTITION BY ep.episode_key ORDER BY p.decided_at DESC, p.record_id DESC) AS rn
  FROM ep JOIN ledger_decisions p
    ON p.crm = ep.crm AND p.lead_id = ep.lead_id AND p.decided_at < ep.decided_at AND p.decided_at >= ?
), missed AS (
  SELECT ep.crm, ep.lead_id, ep.episode_key, ep.won_at AS opportunity_at,
         CASE WHEN ep.flag IN ('no', 'hold') AND ep.override_flag IS NOT NULL THEN 'override'
              WHEN ep.flag IN ('no', 'hold') THEN 'checked' ELSE 'late' END AS kind,
         CASE WHEN ep.flag IN ('no', 'hold') THEN ep.flag ELSE pr.flag END AS flag,
         CASE WHEN ep.flag IN ('no', 'hold') THEN ep.decided_at ELSE pr.decided_at END AS decided_at,
         CASE WHEN ep.flag IN ('no', 'hold') THEN ep.primary_reason ELSE pr.primary_reason END AS primary_reason,
         CASE WHEN ep.flag IN ('no', 'hold') THEN ep.attribute_score ELSE pr.attribute_score END AS attribute_score,
         CASE WHEN ep.flag IN ('no', 'hold') THEN ep.behaviour_score ELSE pr.behaviour_score END AS behaviour_score
  FROM ep LEFT JOIN prior pr ON pr.episode_key = ep.episode_key AND pr.rn = 1
  WHERE ep.flag IN ('no', 'hold') OR pr.flag IN ('no', 'hold')
)
SELECT m.*, CAST(COUNT(*) OVER () AS INTEGER) AS total FROM missed m
ORDER BY opportunity_at, lead_id
LIMIT ${REVIEW_LIST_LIMIT}`,
};

/**
 * The follow-up status as of an instant, from one working-out of each episode's state by then (its
 * first response, its last event, its close — once for both sections instead of a query each).
 * Rows of `part` `status`: toss-ups handed off in [from, to), per rep they were handed to
 * (`dimension` `rep`: routing key, else CRM user id) and per next action (`next_action`): answered
 * (on time, late), unanswered with the SLA run out (`due_at` of the episode's last row by then, and
 * not closed before it — a close, an opportunity or a closing verdict: late as well), not due yet (or
 * no SLA, or closed unanswered); p50/p90 of the response time (nearest rank over the answered ones,
 * SLA clock). Rows of `part` `open`: toss-ups open as of the instant (handed off since a given
 * instant and by then, not closed: no row with a close reason), per current owner (`rep`): how many,
 * how many still unanswered, how many of those overdue (the SLA ran out: `due_at` of the episode's
 * last row), by how long overdue: under 1 day, 1–3, 3–7, 7 days or more (cutoffs given as instants).
 * The first parameter bounds the events read: the earlier of `from` and `handed off since` (an
 * episode's events come at or after its hand-off).
 */
export const FOLLOW_UP_STATUS: LedgerQuery = {
  params: [
    'events since (ISO UTC): the earlier of from and handed off since',
    'from (ISO UTC)',
    'to (ISO UTC, exclusive)',
    'handed off since (ISO UTC): the review looks this far back',
    'as of (ISO UTC)',
    'as of',
    'as of',
    'as of',
    'as of',
    'as of',
    'as of − 1 day',
    'as of − 3 days',
    'as of − 7 days',
  ],
  partitions: { events: { from: 0, to: 4 } },
  sql: `
WITH h AS (
  -- The first bound is the partitions' (the earlier of the two): here it only repeats the period's own.
  SELECT DISTINCT episode_key, COALESCE(owner_key, owner_id) AS rep, next_action FROM ledger_events
  WHERE event_type = 'handed_off' AND event_at >= ? AND event_at >= ? AND event_at < ?
), ho AS (
  SELECT DISTINCT episode_key FROM ledger_events
  WHERE event_type = 'handed_off' AND event_at >= ? AND event_at <= ?
), r AS (
  SELECT episode_key, MIN(response_hours) AS response_hours,
         MAX(CASE WHEN on_time THEN 1 ELSE 0 END) AS on_time
  FROM ledger_events WHERE response_hours IS NOT NULL AND event_at <= ?
  GROUP BY episode_key
), last AS (${lastEventAsOf('COALESCE(e.owner_key, e.owner_id) AS rep, e.due_at')}
), c AS (
  SELECT episode_key, MIN(event_at) AS closed_at FROM ledger_events
  WHERE close_reason IS NOT NULL AND event_at <= ? GROUP BY episode_key
), s AS (
  SELECT h.rep, h.next_action, r.response_hours,
         CASE WHEN r.episode_key IS NOT NULL THEN (CASE WHEN r.on_time = 1 THEN 'on_time' ELSE 'late' END)
              WHEN l.due_at IS NOT NULL AND l.due_at <= ? AND (c.closed_at IS NULL OR c.closed_at > l.due_at) THEN 'unanswered_late'
              ELSE 'not_due' END AS status
  FROM h LEFT JOIN r ON r.episode_key = h.episode_key
  LEFT JOIN last l ON l.episode_key = h.episode_key
  LEFT JOIN c ON c.episode_key = h.episode_key
), keyed AS (
  SELECT 'rep' AS dimension, rep AS k, response_hours, status FROM s
  UNION ALL SELECT 'next_action', next_action, response_hours, status FROM s
), ranked AS (
  SELECT dimension, k, response_hours, status,
         ROW_NUMBER() OVER (PARTITION BY dimension, k ORDER BY response_hours NULLS LAST) AS rn,
         SUM(CASE WHEN response_hours IS NULL THEN 0 ELSE 1 END) OVER (PARTITION BY dimension, k) AS answered
  FROM keyed
), status AS (
  SELECT dimension, k,
         CAST(COUNT(*) AS INTEGER) AS handed_off,
         CAST(MAX(answered) AS INTEGER) AS answered,
         CAST(SUM(CASE WHEN status = 'on_time' THEN 1 ELSE 0 END) AS INTEGER) AS on_time,
         CAST(SUM(CASE WHEN status = 'late' THEN 1 ELSE 0 END) AS INTEGER) AS late,
         CAST(SUM(CASE WHEN status = 'unanswered_late' THEN 1 ELSE 0 END) AS INTEGER) AS unanswered_late,
         CAST(SUM(CASE WHEN status = 'not_due' THEN 1 ELSE 0 END) AS INTEGER) AS not_due,
         MIN(CASE WHEN response_hours IS NOT NULL AND rn >= CEIL(0.5 * answered) THEN response_hours END) AS p50_hours,
         MIN(CASE WHEN response_hours IS NOT NULL AND rn >= CEIL(0.9 * answered) THEN response_hours END) AS p90_hours
  FROM ranked
  GROUP BY dimension, k
), o AS (
  SELECT l.rep, l.due_at, CASE WHEN r.episode_key IS NULL THEN 1 ELSE 0 END AS unanswered
  FROM ho JOIN last l ON l.episode_key = ho.episode_key
  LEFT JOIN r ON r.episode_key = ho.episode_key
  WHERE ho.episode_key NOT IN (SELECT episode_key FROM c)
), b AS (
  SELECT rep, unanswered,
         CASE WHEN unanswered = 0 OR due_at IS NULL OR due_at > ? THEN NULL
              WHEN due_at > ? THEN 'lt1d'
              WHEN due_at > ? THEN 'd1to3'
              WHEN due_at > ? THEN 'd3to7'
              ELSE 'ge7d' END AS overdue
  FROM o
), open_by_rep AS (
  SELECT rep,
         CAST(COUNT(*) AS INTEGER) AS open,
         CAST(SUM(unanswered) AS INTEGER) AS unanswered,
         CAST(SUM(CASE WHEN overdue IS NOT NULL THEN 1 ELSE 0 END) AS INTEGER) AS overdue,
         CAST(SUM(CASE WHEN overdue = 'lt1d' THEN 1 ELSE 0 END) AS INTEGER) AS overdue_lt1d,
         CAST(SUM(CASE WHEN overdue = 'd1to3' THEN 1 ELSE 0 END) AS INTEGER) AS overdue_1to3d,
         CAST(SUM(CASE WHEN overdue = 'd3to7' THEN 1 ELSE 0 END) AS INTEGER) AS overdue_3to7d,
         CAST(SUM(CASE WHEN overdue = 'ge7d' THEN 1 ELSE 0 END) AS INTEGER) AS overdue_ge7d
  FROM b
  GROUP BY rep
)
SELECT 'status' AS part, dimension, k, handed_off, answered, on_time, late, unanswered_late, not_due, p50_hours, p90_hours,
       CAST(NULL AS VARCHAR) AS rep, CAST(NULL AS INTEGER) AS open, CAST(NULL AS INTEGER) AS unanswered,
       CAST(NULL AS INTEGER) AS overdue, CAST(NULL AS INTEGER) AS overdue_lt1d, CAST(NULL AS INTEGER) AS overdue_1to3d,
       CAST(NULL AS INTEGER) AS overdue_3to7d, CAST(NULL AS INTEGER) AS overdue_ge7d
FROM status
UNION ALL
SELECT 'open', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       rep, open, unanswered, overdue, overdue_lt1d, overdue_1to3d, overdue_3to7d, overdue_ge7d
FROM open_by_rep
ORDER BY part DESC, dimension, k, rep`,
};

/** Ladder steps (escalations) recorded in [from, to), by what the step did: steps and toss-ups. */
export const ESCALATIONS: LedgerQuery = {
  params: ['from (ISO UTC)', 'to (ISO UTC, exclusive)'],
  partitions: { events: PERIOD_ROWS },
  sql: `
SELECT ladder_action,
       CAST(COUNT(*) AS INTEGER) AS steps,
       CAST(COUNT(DISTINCT episode_key) AS INTEGER) AS tossups
FROM ledger_events
WHERE event_type = 'ladder_step' AND event_at >= ? AND event_at < ?
GROUP BY ladder_action
ORDER BY steps DESC, ladder_action`,
};

/**
 * Hand-offs in [from, to) per rep (routing key, else CRM user id): how many, on how many days, the
 * busiest day's count. Days are UTC dates (`dt`): Japanese business hours (09:00–18:00 JST) fall
 * within one UTC date, and the SQL subset has no time-zone functions.
 */
export const LOAD_BY_REP: LedgerQuery = {
  params: ['from (ISO UTC)', 'to (ISO UTC, exclusive)'],
  partitions: { events: PERIOD_ROWS },
  sql: `
WITH per_day AS (
  SELECT COALESCE(owner_key, owner_id) AS rep, dt, COUNT(*) AS n
  FROM ledger_events
  WHERE event_type = 'handed_off' AND event_at >= ? AND event_at < ?
  GROUP BY COALESCE(owner_key, owner_id), dt
)
SELECT rep,
       CAST(SUM(n) AS INTEGER) AS tossups,
       CAST(COUNT(*) AS INTEGER) AS days,
       CAST(MAX(n) AS INTEGER) AS busiest_day
FROM per_day
GROUP BY rep
ORDER BY tossups DESC, rep`,
};
