import { z } from 'zod';
import type { EmuRequest } from './http-app.ts';

/**
 * Fault injection by endpoint and rate. A rule targets requests by route name and/or method and
 * path regex, and fires either for the next `count` matching requests or at a `rate` drawn from a
 * seeded generator, so a test that says "30% of writes fail" is reproducible.
 */

export const FaultRuleSchema = z.object({
  /** Route name (e.g. `sf.collections.update`, `hs.contacts.batch.update`); `*` = any. */
  route: z.string().default('*'),
  method: z.string().optional(),
  /** Regex tested against the request path. */
  path: z.string().optional(),
  /** Fire for the next N matching requests, then retire. */
  count: z.number().int().positive().optional(),
  /** Probability per matching request (0..1), drawn from the injector's seeded PRNG. */
  rate: z.number().min(0).max(1).optional(),
  /** Skip the first N matching requests before firing (e.g. "fail the 3rd page"). */
  after: z.number().int().nonnegative().default(0),
  fault: z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('status'),
      status: z.number().int().min(100).max(599),
      body: z.unknown().optional(),
      headers: z.record(z.string(), z.string()).optional(),
    }),
    z.object({ kind: z.literal('timeout') }),
    z.object({ kind: z.literal('reset') }),
    z.object({ kind: z.literal('slow_body'), bodyDelayMs: z.number().int().nonnegative().default(200) }),
    z.object({ kind: z.literal('latency'), delayMs: z.number().int().nonnegative() }),
  ]),
});
export type FaultRule = z.input<typeof FaultRuleSchema>;
type ParsedRule = z.output<typeof FaultRuleSchema> & { seen: number; fired: number; pathRe?: RegExp };

export type FaultDecision =
  | {
      kind: 'status';
      status: number;
      body: unknown;
      headers: Record<string, string> | undefined;
      delayMs?: number;
    }
  | { kind: 'timeout'; delayMs?: number }
  | { kind: 'reset'; delayMs?: number }
  | { kind: 'slow_body'; bodyDelayMs: number; delayMs?: number }
  | { kind: 'latency'; delayMs: number };

export class FaultInjector {
  private rules: ParsedRule[] = [];
  private rng = mulberry32(1);
  /** Latency added to every response (ms), for realistic-latency runs. */
  baseLatencyMs = 0;

  set(rules: readonly FaultRule[], seed = 1): void {
    this.rules = rules.map((r) => {
      const parsed = FaultRuleSchema.parse(r);
      return { ...parsed, seen: 0, fired: 0, ...(parsed.path ? { pathRe: new RegExp(parsed.path) } : {}) };
    });
    this.rng = mulberry32(seed);
  }

  add(rule: FaultRule): void {
    const parsed = FaultRuleSchema.parse(rule);
    this.rules.push({
      ...parsed,
      seen: 0,
      fired: 0,
      ...(parsed.path ? { pathRe: new RegExp(parsed.path) } : {}),
    });
  }

  clear(): void {
    this.rules = [];
  }

  /** How many times each rule fired, in rule order; tests use it to prove a fault was exercised. */
  fired(): number[] {
    return this.rules.map((r) => r.fired);
  }

  decide(req: EmuRequest): FaultDecision | undefined {
    for (const rule of this.rules) {
      if (rule.route !== '*' && rule.route !== req.route) continue;
      if (rule.method && rule.method.toUpperCase() !== req.method) continue;
      if (rule.pathRe && !rule.pathRe.test(req.path)) continue;
      rule.seen += 1;
      if (rule.seen <= rule.after) continue;
      if (rule.count !== undefined && rule.fired >= rule.count) continue;
      if (rule.rate !== undefined && this.rng() >= rule.rate) continue;
      rule.fired += 1;
      const f = rule.fault;
      const base = this.baseLatencyMs > 0 ? { delayMs: this.baseLatencyMs } : {};
      switch (f.kind) {
        case 'status':
          return { kind: 'status', status: f.status, body: f.body, headers: f.headers, ...base };
        case 'latency':
          return { kind: 'latency', delayMs: f.delayMs + this.baseLatencyMs };
        case 'slow_body':
          return { kind: 'slow_body', bodyDelayMs: f.bodyDelayMs, ...base };
        default:
          return { kind: f.kind, ...base };
      }
    }
    return this.baseLatencyMs > 0 ? { kind: 'latency', delayMs: this.baseLatencyMs } : undefined;
  }
}

/** Small, fast, seedable PRNG; determinism matters more than quality here. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
