import { z } from 'zod';
import type { EmulatorClock } from './emulator-clock.ts';
import { FaultRuleSchema } from './faults.ts';
import { type EmuResponse, type HttpApp, jsonBody } from './http-app.ts';

/** Everything under this prefix is the emulator's own control surface, never part of the emulated API. */
export const ADMIN_PREFIX = '/__admin';

export interface AdminHooks {
  clock: EmulatorClock;
  /** A JSON-safe copy of the emulator's records, for assertions on final state. */
  snapshot: () => unknown;
  /** Switch rate limits and daily allowances on or off (off for throughput measurements). */
  setRateLimits: (enabled: boolean) => void;
}

const FaultsBodySchema = z.object({
  rules: z.array(FaultRuleSchema),
  seed: z.number().int().default(1),
  baseLatencyMs: z.number().int().nonnegative().default(0),
});

const bad = (message: string): EmuResponse => ({
  status: 400,
  body: { error: 'bad_admin_request', message },
});

export function mountAdminRoutes(app: HttpApp, hooks: AdminHooks): void {
  app
    .route('GET', `${ADMIN_PREFIX}/counters`, 'admin', () => ({
      status: 200,
      body: Object.fromEntries([...app.counters].filter(([k]) => k !== 'admin')),
    }))
    .route('DELETE', `${ADMIN_PREFIX}/counters`, 'admin', () => {
      app.counters.clear();
      return { status: 204 };
    })
    .route('PUT', `${ADMIN_PREFIX}/faults`, 'admin', (req) => {
      const parsed = FaultsBodySchema.safeParse(jsonBody(req));
      if (!parsed.success) return bad(parsed.error.message);
      app.faults.set(parsed.data.rules, parsed.data.seed);
      app.faults.baseLatencyMs = parsed.data.baseLatencyMs;
      return { status: 204 };
    })
    .route('GET', `${ADMIN_PREFIX}/faults`, 'admin', () => ({
      status: 200,
      body: { fired: app.faults.fired() },
    }))
    .route('DELETE', `${ADMIN_PREFIX}/faults`, 'admin', () => {
      app.faults.clear();
      app.faults.baseLatencyMs = 0;
      return { status: 204 };
    })
    .route('GET', `${ADMIN_PREFIX}/state`, 'admin', () => ({ status: 200, body: hooks.snapshot() }))
    .route('PUT', `${ADMIN_PREFIX}/clock`, 'admin', (req) => {
      const parsed = z
        .object({ now: z.iso.datetime().optional(), advanceMs: z.number().optional() })
        .safeParse(jsonBody(req));
      if (!parsed.success) return bad(parsed.error.message);
      if (parsed.data.now !== undefined) hooks.clock.pin(parsed.data.now);
      if (parsed.data.advanceMs !== undefined) hooks.clock.advance(parsed.data.advanceMs);
      return { status: 200, body: { now: new Date(hooks.clock.now()).toISOString() } };
    })
    .route('PUT', `${ADMIN_PREFIX}/rate-limits`, 'admin', (req) => {
      const parsed = z.object({ enabled: z.boolean() }).safeParse(jsonBody(req));
      if (!parsed.success) return bad(parsed.error.message);
      hooks.setRateLimits(parsed.data.enabled);
      return { status: 204 };
    });
}
