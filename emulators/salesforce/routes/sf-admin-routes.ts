import { z } from 'zod';
import { ADMIN_PREFIX } from '../../shared/admin-routes.ts';
import { type EmuResponse, jsonBody } from '../../shared/http-app.ts';
import { ruleFromDeclaration } from '../validation-rules.ts';
import type { SfContext } from './route-kit.ts';

/**
 * Salesforce-specific controls next to the shared admin routes, for the standalone emulator and
 * black-box tests: expire sessions, set/reset the daily allowance, edit records as "a user", and
 * install validation rules.
 */

const PREFIX = `${ADMIN_PREFIX}/sf`;

const bad = (message: string): EmuResponse => ({
  status: 400,
  body: { error: 'bad_admin_request', message },
});

const RecordBody = z.object({
  fields: z.record(z.string(), z.unknown()),
  systemOnly: z.boolean().optional(),
  at: z.union([z.number(), z.string()]).optional(),
});

const ConvertBody = z.object({
  contactId: z.string().optional(),
  accountId: z.string().optional(),
  opportunity: z
    .object({
      name: z.string().optional(),
      stageName: z.string().optional(),
      closeDate: z.string().optional(),
      ownerId: z.string().optional(),
    })
    .optional(),
  userId: z.string().optional(),
  at: z.union([z.number(), z.string()]).optional(),
});

const RulesBody = z.object({
  rules: z.array(
    z.object({
      name: z.string(),
      object: z.string(),
      message: z.string(),
      field: z.string().optional(),
      on: z.enum(['create', 'update', 'both']).optional(),
      ids: z.array(z.string()).optional(),
      equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
      whenField: z.string().optional(),
    }),
  ),
});

/** Store errors are the caller's mistake here (unknown type/field/id), so they are 400s. */
function attempt(fn: () => EmuResponse): EmuResponse {
  try {
    return fn();
  } catch (e) {
    return bad((e as Error).message);
  }
}

const GapBody = z.object({
  entity: z.string().min(1),
  recordIds: z.array(z.string().min(1)).min(1),
  changeType: z.enum(['GAP_CREATE', 'GAP_UPDATE', 'GAP_DELETE', 'GAP_UNDELETE']).default('GAP_UPDATE'),
});
const OverflowBody = z.object({ entity: z.string().min(1) });

export function mountSfAdminRoutes(ctx: SfContext): void {
  const app = ctx.app;
  const cdc = ctx.changeEvents;
  if (cdc) {
    // Salesforce sends gap and overflow events when it cannot build a change event; tests make them here.
    app
      .route('POST', `${PREFIX}/change-events/gap`, 'admin', (req) => {
        const parsed = GapBody.safeParse(jsonBody(req));
        if (!parsed.success) return bad(parsed.error.message);
        const { entity, recordIds, changeType } = parsed.data;
        return { status: 201, body: { replayId: cdc.injectGap(entity, recordIds, changeType).replayId } };
      })
      .route('POST', `${PREFIX}/change-events/overflow`, 'admin', (req) => {
        const parsed = OverflowBody.safeParse(jsonBody(req));
        if (!parsed.success) return bad(parsed.error.message);
        return { status: 201, body: { replayId: cdc.injectOverflow(parsed.data.entity).replayId } };
      })
      .route('GET', `${PREFIX}/change-events`, 'admin', () => ({
        status: 200,
        body: { latestReplayId: cdc.latestReplayId() },
      }));
  }
  app
    .route('POST', `${PREFIX}/sessions/expire`, 'admin', () => {
      ctx.auth.expireAllSessions();
      return { status: 204 };
    })
    .route('GET', `${PREFIX}/limits`, 'admin', () => ({
      status: 200,
      body: {
        max: ctx.allowance.max,
        used: ctx.allowance.used(ctx.store.clock.now()),
        enforced: ctx.allowance.enforce,
      },
    }))
    .route('PUT', `${PREFIX}/limits`, 'admin', (req) => {
      const parsed = z
        .object({
          max: z.number().int().positive().optional(),
          used: z.number().int().nonnegative().optional(),
        })
        .safeParse(jsonBody(req));
      if (!parsed.success) return bad(parsed.error.message);
      if (parsed.data.max !== undefined) ctx.allowance.max = parsed.data.max;
      if (parsed.data.used !== undefined) ctx.allowance.setUsed(parsed.data.used, ctx.store.clock.now());
      return { status: 204 };
    })
    .route('DELETE', `${PREFIX}/limits/usage`, 'admin', () => {
      ctx.allowance.reset();
      return { status: 204 };
    })
    .route('POST', `${PREFIX}/records/:type`, 'admin', (req) => {
      const parsed = RecordBody.safeParse(jsonBody(req));
      if (!parsed.success) return bad(parsed.error.message);
      const { fields, at } = parsed.data;
      return attempt(() => ({
        status: 201,
        body: { id: ctx.store.insert(req.params.type ?? '', fields, at !== undefined ? { at } : {}) },
      }));
    })
    .route('PATCH', `${PREFIX}/records/:type/:id`, 'admin', (req) => {
      const parsed = RecordBody.safeParse(jsonBody(req));
      if (!parsed.success) return bad(parsed.error.message);
      const { fields, systemOnly, at } = parsed.data;
      return attempt(() => {
        ctx.store.update(req.params.type ?? '', req.params.id ?? '', fields, {
          ...(systemOnly !== undefined ? { systemOnly } : {}),
          ...(at !== undefined ? { at } : {}),
        });
        return { status: 204 };
      });
    })
    .route('DELETE', `${PREFIX}/records/:type/:id`, 'admin', (req) =>
      attempt(() => {
        ctx.store.delete(req.params.type ?? '', req.params.id ?? '');
        return { status: 204 };
      }),
    )
    // Lead conversion has no REST resource (Apex/SOAP convertLead): tests and tools convert here.
    .route('POST', `${PREFIX}/leads/:id/convert`, 'admin', (req) => {
      const parsed = ConvertBody.safeParse(jsonBody(req) ?? {});
      if (!parsed.success) return bad(parsed.error.message);
      const { userId, at, ...opts } = parsed.data;
      return attempt(() => ({
        status: 200,
        body: ctx.store.convertLead(req.params.id ?? '', {
          ...opts,
          meta: { ...(userId !== undefined ? { userId } : {}), ...(at !== undefined ? { at } : {}) },
        }),
      }));
    })
    .route('PUT', `${PREFIX}/validation-rules`, 'admin', (req) => {
      const parsed = RulesBody.safeParse(jsonBody(req));
      if (!parsed.success) return bad(parsed.error.message);
      const inert = parsed.data.rules.find((r) => r.ids === undefined && r.equals === undefined);
      if (inert)
        return bad(`validation rule '${inert.name}' needs ids and/or equals, or it would never fire`);
      ctx.store.clearValidationRules();
      for (const r of parsed.data.rules) {
        const { field, on, ids, equals, whenField, ...rest } = r;
        ctx.store.addValidationRule(
          ruleFromDeclaration({
            ...rest,
            ...(field !== undefined ? { field } : {}),
            ...(on !== undefined ? { on } : {}),
            ...(ids !== undefined ? { ids } : {}),
            ...(equals !== undefined ? { equals } : {}),
            ...(whenField !== undefined ? { whenField } : {}),
          }),
        );
      }
      return { status: 204 };
    });
}
