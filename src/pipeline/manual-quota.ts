import { createHash } from 'node:crypto';
import type { Decision } from '../domain/decision.ts';
import type { Lead, NextAction, TossUpFlag } from '../domain/lead.ts';
import type { SyncStateStore } from '../ports/sync-state-store.ts';
import type { CompiledRuleSet } from '../scoring/compile-rule-set.ts';
import type { DecideOptions } from '../scoring/decide.ts';
import { zonedDate } from '../sla/zoned-time.ts';
import { episodeKey } from './episode-key.ts';

/** Quota sets outlive their month by a few weeks so a late retry still sees them. */
const QUOTA_TTL_SECONDS = 62 * 86_400;
/** How long an episode is remembered as started by a quota rule (longer than any toss-up lasts). */
const EPISODE_TTL_SECONDS = 400 * 86_400;

interface QuotaRule {
  limit: number;
  outcome: { flag: TossUpFlag; nextAction: NextAction };
}

/** Mark of an episode started by a quota rule: `tq` + month + requester tag, e.g. `tq2026113f9a0c_…`. */
const CHARGED = 'tq';
/** Mark of an episode decided while the requester's quota was used up: `tx2026113f9a0c_…`. */
const EXHAUSTED = 'tx';
const MARKED = /^(tq|tx)(\d{6})([0-9a-f]{6})_/;

/**
 * Monthly quotas of rules such as "manual toss-up requested by sales, 10 per rep per month", counted
 * in the state store per rule, requester and month (in the rule set's time zone).
 *
 * A quota limits new toss-ups, so what is counted is the set of episode keys those toss-ups started,
 * not a number:
 * - counting is idempotent: a retried or re-delivered toss-up is the same key, counted once;
 * - a lead never competes with itself: its own key is left out of "used", so after a crash between
 *   counting and writing the flag the rerun reaches the same decision (same key, same task);
 * - a lead whose toss-up by the quota rule continues (the CRM already holds that outcome's key and
 *   the key is remembered as a quota toss-up) is not held against the quota at all: re-reading it
 *   later in the month, or next month, never takes its toss-up away. A lead whose same outcome came
 *   from another rule (e.g. the score rule after the quota was used up) is checked as usual, so its
 *   decision and reason do not flip on the next run.
 *
 * The CRM carries the quota too, so a wiped or second state directory decides the same way: the
 * episode key written to the lead says how the quota took part (`markFor`), for which month and
 * requester (a 6-hex tag of the requester id). `tq` = started by a quota rule: it stays exempt, and
 * when read in its month it is counted for its requester again (into the store too). `tx` = decided
 * while the requester's quota was used up: for the rest of that month it stays over quota, so
 * neither its decision nor its reason flips and no task is created.
 * Counts are loaded once per batch (`prepare`) so `decide` can ask synchronously; leads of the same
 * run see each other's use at once (`note`); the store is updated once the toss-up happened (`commit`).
 */
export class ManualQuota {
  readonly #state: SyncStateStore;
  readonly #rules: ReadonlyMap<string, QuotaRule>;
  readonly #timeZone: string;
  readonly #dryRun: boolean;
  readonly #sets = new Map<string, Set<string>>();
  /** Continuing episode keys known to have been started by a quota rule. */
  readonly #quotaEpisodes = new Set<string>();

  constructor(state: SyncStateStore, rules: CompiledRuleSet, options: { dryRun?: boolean } = {}) {
    this.#state = state;
    this.#timeZone = rules.source.timeZone;
    this.#dryRun = options.dryRun ?? false;
    const quotaRules = new Map<string, QuotaRule>();
    for (const { rule } of rules.rules) {
      if (rule.quotaPerMonth !== undefined) {
        quotaRules.set(rule.id, {
          limit: rule.quotaPerMonth,
          outcome: { flag: rule.flag, nextAction: rule.nextAction },
        });
      }
    }
    this.#rules = quotaRules;
  }

  /** Whether any rule has a quota; when none does, nothing is read or written. */
  get active(): boolean {
    return this.#rules.size > 0;
  }

  /** Loads the sets the leads of a batch may need, once per key per run, and learns from the CRM. */
  async prepare(leads: readonly Lead[], now: Date): Promise<void> {
    if (!this.active) return;
    // `null`: a quota rule may match leads without a named requester; they share one count.
    const requesters = new Set<string | null>([null]);
    for (const l of leads) if (l.manualRequest?.requestedBy) requesters.add(l.manualRequest.requestedBy);
    for (const ruleId of this.#rules.keys()) {
      for (const r of requesters) {
        const key = this.key(ruleId, r, now);
        if (!this.#sets.has(key)) this.#sets.set(key, new Set(await this.#state.counted(key)));
      }
    }
    const month = this.#month(now);
    for (const l of leads) {
      const k = l.current?.decisionKey; // malformed records are reported by processLeads, not here
      if (!l.manualRequest || !k) continue;
      const marked = MARKED.exec(k);
      if (marked) {
        const mine = marked[2] === month && marked[3] === requesterTag(requesterOf(l));
        if (marked[1] === CHARGED && mine) await this.#learn(l, k, now);
      } else if (!this.#quotaEpisodes.has(k) && (await this.#state.getDone(episodeMark(k)))) {
        this.#quotaEpisodes.add(k); // started by a quota rule before keys carried the mark
      }
    }
  }

  /**
   * The key prefix of a new episode for `decision`: `tq<month>` when a quota rule decided (it will
   * use a slot), `tx<month>` when a quota was used up on the way, otherwise the plain one.
   */
  markFor(lead: Lead, decision: Decision, now: Date): string | undefined {
    if (!this.active) return undefined;
    if (this.#rules.has(decision.ruleId)) return this.#mark(CHARGED, requesterOf(lead), now);
    if (decision.reasons.some((r) => r.code === 'quota.exceeded')) {
      return this.#mark(EXHAUSTED, requesterOf(lead), now);
    }
    return undefined;
  }

  /** The `quotaUsed` callback of `decide` for one lead. */
  usedFor(lead: Lead, now: Date): DecideOptions['quotaUsed'] {
    if (!this.active) return undefined;
    const current = lead.current.decisionKey;
    const marked = current ? MARKED.exec(current) : null;
    return (ruleId, requester) => {
      const rule = this.#rules.get(ruleId);
      if (!rule) return 0;
      const own = episodeKey(lead, rule.outcome, this.#mark(CHARGED, requester, now));
      // Continuing a toss-up this quota already paid for: no new toss-up, no slot needed.
      if (own === current && (marked?.[1] === CHARGED || this.#quotaEpisodes.has(own))) return 0;
      const set = this.#sets.get(this.key(ruleId, requester, now));
      const used = set ? set.size - (set.has(own) ? 1 : 0) : 0;
      // Decided over quota earlier this month (its key in the CRM says so): over quota it stays.
      if (marked?.[0] === `${this.#mark(EXHAUSTED, requester, now)}_`) return Math.max(used, rule.limit);
      return used;
    };
  }

  /** Counts a new toss-up by a quota rule within this run at once, so the next lead sees it. */
  note(lead: Lead, decision: Decision, key: string, now: Date): void {
    if (!this.#rules.has(decision.ruleId)) return;
    const setKey = this.key(decision.ruleId, requesterOf(lead), now);
    let set = this.#sets.get(setKey);
    if (!set) {
      set = new Set();
      this.#sets.set(setKey, set);
    }
    set.add(key);
  }

  /** Stores the use once the toss-up really happened (task created, or flag written). */
  async commit(lead: Lead, decision: Decision, key: string, now: Date): Promise<void> {
    if (!this.#rules.has(decision.ruleId)) return;
    await this.#state.countOnce(this.key(decision.ruleId, requesterOf(lead), now), key, QUOTA_TTL_SECONDS);
    await this.#state.markDone(episodeMark(key), decision.ruleId, EPISODE_TTL_SECONDS);
    this.#quotaEpisodes.add(key);
  }

  key(ruleId: string, requester: string | null, now: Date): string {
    const month = zonedDate(now, this.#timeZone).slice(0, 7);
    return `quota|${ruleId}|${requester ?? '-'}|${month}`;
  }

  /**
   * A lead the CRM shows as tossed up by a quota rule this month counts for its requester, whatever
   * this state directory remembers; the store learns it too, so later incremental runs know.
   */
  async #learn(lead: Lead, key: string, now: Date): Promise<void> {
    for (const [ruleId, rule] of this.#rules) {
      const { flag, nextAction } = lead.current;
      if (rule.outcome.flag !== flag || rule.outcome.nextAction !== nextAction) continue;
      const setKey = this.key(ruleId, requesterOf(lead), now);
      const set = this.#sets.get(setKey) ?? new Set<string>();
      this.#sets.set(setKey, set);
      if (set.has(key)) continue;
      set.add(key);
      if (!this.#dryRun) await this.#state.countOnce(setKey, key, QUOTA_TTL_SECONDS);
    }
  }

  /** `202611`: the quota month of `now` in the rule set's time zone. */
  #month(now: Date): string {
    return zonedDate(now, this.#timeZone).slice(0, 7).replace('-', '');
  }

  #mark(kind: string, requester: string | null, now: Date): string {
    return `${kind}${this.#month(now)}${requesterTag(requester)}`;
  }
}

/** Six hex digits of the requester id: enough to tell a lead's requesters apart, short in the key. */
function requesterTag(requester: string | null): string {
  return createHash('sha256')
    .update(requester ?? '-')
    .digest('hex')
    .slice(0, 6);
}

function episodeMark(key: string): string {
  return `quota-episode|${key}`;
}

function requesterOf(lead: Lead): string | null {
  return lead.manualRequest?.requestedBy ?? null;
}
