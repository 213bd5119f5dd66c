import PQueue from 'p-queue';
import { CrmError, FailureKind } from '../../src/domain/errors.ts';

/**
 * One portal's API budget, enforced on our side so the run stays under HubSpot's limits instead of
 * bouncing off them: a sliding window of `burst` requests per `intervalMs` (HubSpot counts a
 * rolling 10 s), a separate 5-per-second window for the search endpoints, and the daily allowance.
 * Budgets are shared by every connector of the process that talks to the same portal, because the
 * limits are per portal (per app), not per client object.
 */

export const HUBSPOT_TIERS = {
  starter: { burst: 100, intervalMs: 10_000, daily: 250_000 },
  professional: { burst: 190, intervalMs: 10_000, daily: 650_000 },
  enterprise: { burst: 190, intervalMs: 10_000, daily: 1_000_000 },
} as const;
export type HubspotTier = keyof typeof HUBSPOT_TIERS;

export interface RateLimits {
  /** Requests per `intervalMs` (HubSpot: 100 or 190 per rolling 10 s). */
  burst: number;
  intervalMs: number;
  /** Requests per day, shared by every app of the portal. */
  daily: number;
  /** Stop this many requests short of the daily allowance (leave room for other integrations). */
  dailyReserve: number;
  /** CRM search endpoints: 5 per second per portal. */
  searchPerSecond: number;
  /** Whether search requests also count against `burst` (HubSpot does not say; the emulator says no). */
  searchCountsTowardBurst: boolean;
  /**
   * Added to the burst window so latency jitter (a request counted by HubSpot a little later than
   * we started it) cannot squeeze burst+1 requests into HubSpot's window.
   */
  safetyMarginMs: number;
  /**
   * Added to the 1-second search window, which is counted from each search's ANSWER (see
   * `RateBudget`): covers timer and clock granularity only, latency is already on our side.
   */
  searchSafetyMarginMs: number;
  /** Requests in flight at once. */
  maxConcurrency: number;
  /** The portal's time zone offset; the daily allowance resets at its midnight (default JST). */
  dailyResetUtcOffsetMinutes: number;
}

export function limitsForTier(tier: HubspotTier, overrides: Partial<RateLimits> = {}): RateLimits {
  const t = HUBSPOT_TIERS[tier];
  return {
    burst: t.burst,
    intervalMs: t.intervalMs,
    daily: t.daily,
    dailyReserve: 0,
    searchPerSecond: 5,
    searchCountsTowardBurst: false,
    safetyMarginMs: 150,
    searchSafetyMarginMs: 10,
    maxConcurrency: 8,
    dailyResetUtcOffsetMinutes: 540,
    ...overrides,
  };
}

export type RequestKind = 'general' | 'search';

/**
 * Search pacing: HubSpot counts a search when it receives it, at some instant between our send and
 * its answer, and refuses a sixth in any second. Each of the `searchPerSecond` slots is therefore
 * held from a search's start until `1000 + searchSafetyMarginMs` after its ANSWER: the next search
 * on that slot reaches HubSpot more than a second after the one before, whatever the network
 * latency or a busy event loop delaying our sends (pacing by start times let 429s through under
 * load: a send held back by the CPU landed in the next second's window). Keyset pages are read one
 * after another, so a window costs one answer's latency more than a second.
 */
export class RateBudget {
  readonly limits: RateLimits;
  private readonly general: PQueue;
  /** Slots of the search window (held until a window after each answer). */
  private readonly search: PQueue;
  /** Searches in flight at once. */
  private readonly searchInFlight: PQueue;
  private readonly holds = new Set<ReturnType<typeof setTimeout>>();
  private readonly now: () => number;
  private dayKey = Number.NaN;
  private usedToday = 0;
  /** `X-HubSpot-RateLimit-Daily-Remaining` as last seen: other apps spend the same allowance. */
  private reportedRemaining: number | undefined;
  private readonly resumeAt = new Map<RequestKind, number>();
  private readonly timers = new Map<RequestKind, ReturnType<typeof setTimeout>>();

  constructor(limits: RateLimits, now: () => number = Date.now) {
    this.limits = limits;
    this.now = now;
    this.general = new PQueue({
      concurrency: limits.maxConcurrency,
      intervalCap: limits.burst,
      interval: limits.intervalMs + limits.safetyMarginMs,
      strict: true,
    });
    this.search = new PQueue({ concurrency: limits.searchPerSecond });
    this.searchInFlight = new PQueue({
      concurrency: Math.min(limits.maxConcurrency, limits.searchPerSecond),
    });
  }

  /** Runs `fn` when the budget allows; throws `quota_exhausted` instead of spending past the day. */
  async schedule<T>(kind: RequestKind, fn: () => Promise<T>): Promise<T> {
    this.ensureDaily();
    const run = async (): Promise<T> => {
      // Checked again at start: a queued request must not overdraw what others spent meanwhile.
      this.ensureDaily();
      this.usedToday += 1;
      if (this.reportedRemaining !== undefined) this.reportedRemaining -= 1;
      return fn();
    };
    // A request now waits for a back-off timer: that timer must keep the process alive (see backOff).
    this.timers.get(kind)?.ref();
    if (kind === 'search') {
      if (this.limits.searchCountsTowardBurst) {
        this.timers.get('general')?.ref();
        return this.searchSlot(() => this.general.add(run) as Promise<T>);
      }
      return this.searchSlot(run);
    }
    return (await this.general.add(run)) as T;
  }

  /** Runs a search in a slot of the search window and keeps the slot a window past the answer. */
  private searchSlot<T>(run: () => Promise<T>): Promise<T> {
    // Slots held past an answer must keep the process alive now that a request waits for them.
    for (const t of this.holds) t.ref();
    return new Promise<T>((resolve, reject) => {
      this.search
        .add(async () => {
          try {
            resolve((await this.searchInFlight.add(run)) as T);
          } catch (e) {
            reject(e);
          }
          await this.holdSlot(performance.now() + 1000 + this.limits.searchSafetyMarginMs);
        })
        .catch(reject);
    });
  }

  /** Until `until` (performance.now() time): checked against the clock, as a timer may fire early. */
  private holdSlot(until: number): Promise<void> {
    return new Promise((resume) => {
      const wait = () => {
        const left = until - performance.now();
        if (left <= 0) {
          resume();
          return;
        }
        const timer = setTimeout(() => {
          this.holds.delete(timer);
          wait();
        }, Math.ceil(left));
        // Nothing waiting for the slot: a finished run is not held open by it (see `searchSlot`).
        if (this.search.size === 0) timer.unref();
        this.holds.add(timer);
      };
      wait();
    });
  }

  /** HubSpot said "slow down": hold the queue (every caller, not just the one refused) for `ms`. */
  backOff(kind: RequestKind, ms: number): void {
    const queue = kind === 'search' ? this.search : this.general;
    const until = this.now() + ms;
    if ((this.resumeAt.get(kind) ?? 0) >= until) return;
    this.resumeAt.set(kind, until);
    queue.pause();
    clearTimeout(this.timers.get(kind));
    const timer = setTimeout(() => {
      this.resumeAt.delete(kind);
      this.timers.delete(kind);
      queue.start();
    }, ms);
    // Unref'd while nothing waits, so a stopped run is not held open by a back-off it no longer
    // needs; `schedule` refs it as soon as a request queues behind it. With waiting requests and
    // only an unref'd timer left, Node's event loop would empty and the CLI exit mid-run (exit 13).
    if (queue.size === 0 && queue.pending === 0) timer.unref();
    this.timers.set(kind, timer);
  }

  /** Syncs the daily count with the headers HubSpot sends on non-search responses. */
  observeHeaders(headers: Readonly<Record<string, string>>): void {
    const remaining = Number(headers['x-hubspot-ratelimit-daily-remaining']);
    if (headers['x-hubspot-ratelimit-daily-remaining'] !== undefined && Number.isFinite(remaining)) {
      this.rollDay();
      this.reportedRemaining = remaining;
    }
  }

  /** HubSpot answered 429 DAILY: no more requests today, whatever our own count says. */
  markDailyExhausted(): void {
    this.rollDay();
    this.reportedRemaining = 0;
  }

  usage(): { usedToday: number; remainingToday: number } {
    this.rollDay();
    return { usedToday: this.usedToday, remainingToday: this.remaining() };
  }

  /** Waits for every queued request (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([this.general.onIdle(), this.search.onIdle()]);
  }

  private remaining(): number {
    const own = this.limits.daily - this.usedToday;
    return Math.min(own, this.reportedRemaining ?? own);
  }

  private ensureDaily(): void {
    this.rollDay();
    if (this.remaining() <= this.limits.dailyReserve) {
      throw new CrmError(
        'HubSpot daily API allowance is spent (or down to the configured reserve); the next run resumes from the saved cursor',
        { kind: FailureKind.QuotaExhausted, crm: 'hubspot', code: 'daily_limit' },
      );
    }
  }

  private rollDay(): void {
    const key = Math.floor((this.now() + this.limits.dailyResetUtcOffsetMinutes * 60_000) / 86_400_000);
    if (key !== this.dayKey) {
      this.dayKey = key;
      this.usedToday = 0;
      this.reportedRemaining = undefined;
    }
  }
}

const budgets = new Map<string, RateBudget>();

/**
 * The budget of one portal, shared process-wide (several connectors, one portal = one budget). The
 * first caller's limits win; `portalKey` must not contain secrets (use a hash of the credential).
 */
export function budgetForPortal(portalKey: string, limits: RateLimits, now?: () => number): RateBudget {
  let budget = budgets.get(portalKey);
  if (!budget) {
    budget = new RateBudget(limits, now);
    budgets.set(portalKey, budget);
  }
  return budget;
}

/** Forgets a portal's shared budget (tests that start a fresh emulator under the same key). */
export function releasePortalBudget(portalKey: string): void {
  budgets.delete(portalKey);
}
