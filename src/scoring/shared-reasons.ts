import type { Reason } from '../domain/decision.ts';

/**
 * Reasons are immutable data, and across a million leads a condition says the same few hundred
 * things ("behaviour 12 < 40"): each distinct reason is built once, frozen, and shared by every
 * decision that gives it, so a decision allocates its own reasons only when they carry per-lead
 * text (a title as written, a raw value that failed to parse). Bounded: past `MAX_REASONS` distinct
 * reasons a table starts over.
 */
export class SharedReasons<K extends string | number> {
  private readonly byKey = new Map<K, Reason>();

  /** The shared reason for `key`, built by `make` the first time. */
  get(key: K, make: (key: K) => Reason): Reason {
    let reason = this.byKey.get(key);
    if (reason === undefined) {
      reason = frozenReason(make(key));
      if (this.byKey.size >= MAX_REASONS) this.byKey.clear();
      this.byKey.set(key, reason);
    }
    return reason;
  }
}

/**
 * A comparison's reason by its three varying parts (whether it was met, the value, the expected
 * value): two levels of tables, so no key object or string is built per lookup.
 */
export class SharedComparisonReasons {
  private readonly met = new Map<string | number, Map<string | number, Reason>>();
  private readonly notMet = new Map<string | number, Map<string | number, Reason>>();

  private readonly make: (met: boolean, value: string | number, expected: string | number) => Reason;

  constructor(make: (met: boolean, value: string | number, expected: string | number) => Reason) {
    this.make = make;
  }

  get(met: boolean, value: string | number, expected: string | number): Reason {
    const table = met ? this.met : this.notMet;
    let byValue = table.get(expected);
    if (byValue === undefined) {
      if (table.size >= MAX_REASONS) table.clear();
      byValue = new Map();
      table.set(expected, byValue);
    }
    let reason = byValue.get(value);
    if (reason === undefined) {
      reason = frozenReason(this.make(met, value, expected));
      if (byValue.size >= MAX_REASONS) byValue.clear();
      byValue.set(value, reason);
    }
    return reason;
  }
}

/** A reason and its parameters made read-only: shared reasons must not change under other decisions. */
export function frozenReason(reason: Reason): Reason {
  Object.freeze(reason.params);
  return Object.freeze(reason);
}

const MAX_REASONS = 4096;
