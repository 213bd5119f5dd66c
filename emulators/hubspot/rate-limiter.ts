import type { EmuResponse } from '../shared/http-app.ts';
import { errorBody } from './hubspot-errors.ts';

/**
 * One portal's API budget, as HubSpot documents it for private apps: a rolling 10-second window
 * (190 requests on Professional/Enterprise), a daily allowance that resets at midnight in the
 * portal's time zone, and a separate 5-per-second limit for search. Time comes from the emulator
 * clock, so tests roll windows by advancing it rather than sleeping.
 *
 * Choices where HubSpot is not explicit (README): search requests count toward the daily
 * allowance but not the 10-second window, and carry no rate-limit headers; refused requests are
 * not counted; OAuth-authenticated calls get no daily header pair.
 */

export interface RateLimitConfig {
  enabled: boolean;
  /** Requests per rolling interval (HubSpot: 190 per 10 s). */
  tenSecondlyMax: number;
  intervalMs: number;
  dailyMax: number;
  searchPerSecond: number;
  /** Offset of the portal's time zone, for the daily reset (default JST, +540). */
  dailyResetUtcOffsetMinutes: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  enabled: true,
  tenSecondlyMax: 190,
  intervalMs: 10_000,
  dailyMax: 1_000_000,
  searchPerSecond: 5,
  dailyResetUtcOffsetMinutes: 540,
};

/** Timestamps of accepted requests inside a sliding window, oldest first. */
class SlidingWindow {
  private times: number[] = [];
  private head = 0;
  readonly max: number;
  readonly windowMs: number;

  constructor(max: number, windowMs: number) {
    this.max = max;
    this.windowMs = windowMs;
  }

  count(now: number): number {
    const floor = now - this.windowMs;
    while (this.head < this.times.length && this.times[this.head]! <= floor) this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }

  tryTake(now: number): boolean {
    if (this.count(now) >= this.max) return false;
    this.times.push(now);
    return true;
  }

  record(now: number): void {
    this.count(now);
    this.times.push(now);
  }
}

export type RateDecision =
  | { allowed: true; headers: Record<string, string> | undefined }
  | { allowed: false; response: EmuResponse };

export class PortalRateLimiter {
  private config: RateLimitConfig;
  private general!: SlidingWindow;
  private secondly!: SlidingWindow;
  private search!: SlidingWindow;
  private dailyUsed = 0;
  private dayKey = Number.NaN;
  private readonly groupName: string;

  constructor(config: Partial<RateLimitConfig>, groupName: string) {
    this.config = { ...DEFAULT_RATE_LIMITS, ...config };
    this.groupName = groupName;
    this.resetWindows();
  }

  get settings(): Readonly<RateLimitConfig> {
    return this.config;
  }

  configure(patch: Partial<RateLimitConfig>): void {
    this.config = { ...this.config, ...patch };
    this.resetWindows();
  }

  setEnabled(enabled: boolean): void {
    this.config = { ...this.config, enabled };
  }

  /** Forget everything counted so far (new day, empty windows). */
  reset(): void {
    this.resetWindows();
    this.dailyUsed = 0;
  }

  usage(now: number): { intervalUsed: number; dailyUsed: number; searchLastSecond: number } {
    this.rollDay(now);
    return {
      intervalUsed: this.general.count(now),
      dailyUsed: this.dailyUsed,
      searchLastSecond: this.search.count(now),
    };
  }

  check(kind: 'general' | 'search', now: number, oauth: boolean): RateDecision {
    if (!this.config.enabled) return { allowed: true, headers: undefined };
    this.rollDay(now);
    if (this.dailyUsed >= this.config.dailyMax) {
      return {
        allowed: false,
        response: this.limited(
          'DAILY',
          'You have reached your daily limit.',
          kind === 'general' ? this.headers(now, oauth) : undefined,
        ),
      };
    }
    if (kind === 'search') {
      if (!this.search.tryTake(now)) {
        return {
          allowed: false,
          response: this.limited('SECONDLY', 'You have reached your secondly limit.', undefined),
        };
      }
      this.dailyUsed += 1;
      return { allowed: true, headers: undefined };
    }
    if (!this.general.tryTake(now)) {
      return {
        allowed: false,
        response: this.limited(
          'TEN_SECONDLY_ROLLING',
          'You have reached your ten_secondly_rolling limit.',
          this.headers(now, oauth),
        ),
      };
    }
    this.secondly.record(now);
    this.dailyUsed += 1;
    return { allowed: true, headers: this.headers(now, oauth) };
  }

  private headers(now: number, oauth: boolean): Record<string, string> {
    const c = this.config;
    const h: Record<string, string> = {
      'x-hubspot-ratelimit-interval-milliseconds': String(c.intervalMs),
      'x-hubspot-ratelimit-max': String(c.tenSecondlyMax),
      'x-hubspot-ratelimit-remaining': String(Math.max(0, c.tenSecondlyMax - this.general.count(now))),
      'x-hubspot-ratelimit-secondly': String(this.secondly.max),
      'x-hubspot-ratelimit-secondly-remaining': String(
        Math.max(0, this.secondly.max - this.secondly.count(now)),
      ),
    };
    if (!oauth) {
      h['x-hubspot-ratelimit-daily'] = String(c.dailyMax);
      h['x-hubspot-ratelimit-daily-remaining'] = String(Math.max(0, c.dailyMax - this.dailyUsed));
    }
    return h;
  }

  private limited(
    policyName: string,
    message: string,
    headers: Record<string, string> | undefined,
  ): EmuResponse {
    return {
      status: 429,
      body: errorBody('RATE_LIMITS', message, {
        errorType: 'RATE_LIMIT',
        policyName,
        groupName: this.groupName,
      }),
      ...(headers ? { headers } : {}),
    };
  }

  private rollDay(now: number): void {
    const key = Math.floor((now + this.config.dailyResetUtcOffsetMinutes * 60_000) / 86_400_000);
    if (key !== this.dayKey) {
      this.dayKey = key;
      this.dailyUsed = 0;
    }
  }

  private resetWindows(): void {
    const c = this.config;
    this.general = new SlidingWindow(c.tenSecondlyMax, c.intervalMs);
    this.secondly = new SlidingWindow(Math.max(1, Math.ceil((c.tenSecondlyMax * 1000) / c.intervalMs)), 1000);
    this.search = new SlidingWindow(c.searchPerSecond, 1000);
  }
}
