import { z } from 'zod';
import { ADMIN_PREFIX } from '../../shared/admin-routes.ts';
import { type EmuResponse, type HttpApp, jsonBody } from '../../shared/http-app.ts';
import type { CrmStore } from '../crm-store.ts';
import { HubspotApiError } from '../hubspot-errors.ts';
import type { PortalRateLimiter } from '../rate-limiter.ts';
import { closeDeal, completeTask, createDeal, type EngagementKind, logEngagement } from '../rep-actions.ts';
import type { WebhookSender } from '../webhook-sender.ts';
import { objectTypeParam } from './route-helpers.ts';

const ENGAGEMENT_KINDS: Readonly<Record<string, EngagementKind>> = {
  calls: 'call',
  emails: 'email',
  meetings: 'meeting',
};

const RepActivity = z
  .object({
    contactId: z.string().min(1),
    ownerId: z.string().min(1),
    /** ISO time it happened; default the emulator clock now. */
    at: z.iso.datetime({ offset: true }).optional(),
    properties: z.record(z.string(), z.string()).optional(),
  })
  .strict();

/**
 * HubSpot-specific controls next to the shared `/__admin/*` ones, for tests and demos driving the
 * emulator from another process: edit records as a CRM user would, inspect and tune rate limits,
 * and drain webhook deliveries.
 */
export function mountHubspotAdminRoutes(
  app: HttpApp,
  deps: { store: CrmStore; limiter: PortalRateLimiter; webhooks: WebhookSender | undefined },
): void {
  const { store, limiter, webhooks } = deps;
  const base = `${ADMIN_PREFIX}/hubspot`;
  const bad = (message: string): EmuResponse => ({
    status: 400,
    body: { error: 'bad_admin_request', message },
  });
  const guarded = (fn: () => EmuResponse): EmuResponse => {
    try {
      return fn();
    } catch (error) {
      if (error instanceof HubspotApiError) return error.response;
      throw error;
    }
  };

  app
    .route('GET', `${base}/rate-limits`, 'admin', () => ({
      status: 200,
      body: { settings: limiter.settings, usage: limiter.usage(store.clock.now()) },
    }))
    .route('PUT', `${base}/rate-limits/config`, 'admin', (req) => {
      const parsed = z
        .object({
          enabled: z.boolean().optional(),
          tenSecondlyMax: z.number().int().positive().optional(),
          intervalMs: z.number().int().positive().optional(),
          dailyMax: z.number().int().nonnegative().optional(),
          searchPerSecond: z.number().int().positive().optional(),
          dailyResetUtcOffsetMinutes: z.number().int().optional(),
        })
        .strict()
        .safeParse(jsonBody(req));
      if (!parsed.success) return bad(parsed.error.message);
      const patch = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined));
      limiter.configure(patch);
      return { status: 200, body: { settings: limiter.settings } };
    })
    .route('DELETE', `${base}/rate-limits/usage`, 'admin', () => {
      limiter.reset();
      return { status: 204 };
    })
    .route('POST', `${base}/objects/:type`, 'admin', (req) =>
      guarded(() => {
        const type = objectTypeParam(req.params.type);
        const body = (jsonBody(req) ?? {}) as { properties?: unknown };
        const rec = store.create(type, body.properties ?? {}, { system: true });
        return { status: 201, body: store.toJson(rec, Object.keys(rec.props)) };
      }),
    )
    .route('PATCH', `${base}/objects/:type/:id`, 'admin', (req) =>
      guarded(() => {
        const type = objectTypeParam(req.params.type);
        const body = (jsonBody(req) ?? {}) as { properties?: unknown; changeSource?: unknown };
        const source = typeof body.changeSource === 'string' ? body.changeSource : 'CRM_UI';
        const rec = store.update(type, req.params.id ?? '', body.properties ?? {}, { system: true, source });
        return { status: 200, body: store.toJson(rec, Object.keys(rec.props)) };
      }),
    )
    .route('POST', `${base}/engagements/:type`, 'admin', (req) =>
      guarded(() => {
        const kind = ENGAGEMENT_KINDS[req.params.type ?? ''];
        if (!kind) return bad('The engagement type is calls, emails or meetings.');
        const parsed = RepActivity.safeParse(jsonBody(req) ?? {});
        if (!parsed.success) return bad(parsed.error.message);
        const { contactId, ownerId, at, properties } = parsed.data;
        const rec = logEngagement(store, {
          kind,
          contactId,
          ownerId,
          ...(at ? { at: Date.parse(at) } : {}),
          ...(properties ? { properties } : {}),
        });
        return { status: 201, body: store.toJson(rec, Object.keys(rec.props)) };
      }),
    )
    .route('POST', `${base}/tasks/:id/complete`, 'admin', (req) =>
      guarded(() => {
        const parsed = z
          .object({ at: z.iso.datetime({ offset: true }).optional() })
          .strict()
          .safeParse(jsonBody(req) ?? {});
        if (!parsed.success) return bad(parsed.error.message);
        const at = parsed.data.at ? Date.parse(parsed.data.at) : undefined;
        const rec = completeTask(store, req.params.id ?? '', at);
        return { status: 200, body: store.toJson(rec, Object.keys(rec.props)) };
      }),
    )
    .route('POST', `${base}/deals`, 'admin', (req) =>
      guarded(() => {
        const parsed = z
          .object({
            contactId: z.string().min(1),
            ownerId: z.string().min(1).optional(),
            name: z.string().optional(),
            stage: z.string().optional(),
            at: z.iso.datetime({ offset: true }).optional(),
          })
          .strict()
          .safeParse(jsonBody(req) ?? {});
        if (!parsed.success) return bad(parsed.error.message);
        const { at, ...input } = parsed.data;
        const rec = createDeal(store, { ...input, ...(at ? { at: Date.parse(at) } : {}) });
        return { status: 201, body: store.toJson(rec, Object.keys(rec.props)) };
      }),
    )
    .route('POST', `${base}/deals/:id/close`, 'admin', (req) =>
      guarded(() => {
        const parsed = z
          .object({
            won: z.boolean(),
            lostReason: z.string().optional(),
            at: z.iso.datetime({ offset: true }).optional(),
          })
          .strict()
          .safeParse(jsonBody(req) ?? {});
        if (!parsed.success) return bad(parsed.error.message);
        const { at, ...outcome } = parsed.data;
        const rec = closeDeal(store, req.params.id ?? '', {
          ...outcome,
          ...(at ? { at: Date.parse(at) } : {}),
        });
        return { status: 200, body: store.toJson(rec, Object.keys(rec.props)) };
      }),
    )
    .route('GET', `${base}/objects/:type/count`, 'admin', (req) =>
      guarded(() => ({ status: 200, body: { count: store.count(objectTypeParam(req.params.type)) } })),
    )
    .route('POST', `${base}/webhooks/flush`, 'admin', async () => {
      if (!webhooks) return bad('No webhook target is configured for this emulator.');
      await webhooks.idle();
      return { status: 200, body: { deliveries: webhooks.deliveries } };
    });
}
