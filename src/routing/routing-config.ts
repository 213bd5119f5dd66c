import { z } from 'zod';
import { closest } from '../config/did-you-mean.ts';
import { parseYamlWithSchema } from '../config/yaml-locate.ts';
import type { CrmName } from '../domain/lead.ts';
import { NextActionSchema, PrioritySchema } from '../domain/lead.ts';
import { isIsoDate, isValidTimeZone } from '../sla/zoned-time.ts';
import { canonicalPrefecture, comparableText } from './prefectures.ts';

/**
 * Schema of `mappings/routing.yaml`: who can receive leads (reps and queues, each with its Salesforce
 * and HubSpot id so one file serves both CRMs), weighted pools with daily capacity, the territory and
 * segment tables, ordered match rules, and the overflow owner.
 */

const KEY_RULE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const KeySchema = z
  .string({ error: 'write a key: letters, digits, "_", "-" or "."' })
  .regex(KEY_RULE, { error: 'keys may contain letters, digits, "_", "-" and "." only (no spaces)' });

/** Salesforce ids are 15 or 18 characters; users start with 005, queues (groups) with 00G. */
function salesforceIdSchema(prefix: '005' | '00G', what: string) {
  return z
    .string()
    .regex(/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/, {
      error: 'a Salesforce id has 15 or 18 letters and digits',
    })
    .refine((id) => id.startsWith(prefix), {
      error: `a Salesforce ${what} id starts with "${prefix}"`,
    });
}

/** HubSpot owner ids are numeric; YAML may give them as numbers or strings. */
const HubSpotOwnerIdSchema = z
  .union([z.string().regex(/^\d+$/), z.number().int().positive()], {
    error: 'a HubSpot owner id is a number, e.g. "12345678" (Settings → Users & Teams)',
  })
  .transform(String);

/** `null` = no limit; 0 = takes no pool leads today (temporarily closed). */
const CapacitySchema = z
  .number()
  .int({ error: 'daily capacity is a whole number of leads per day' })
  .nonnegative()
  .nullable();

/** A single value is accepted where a list is expected (`territory: kanto`). */
function listOf<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (v) => (typeof v === 'string' || typeof v === 'boolean' ? [v] : v),
    z.array(item).min(1),
  );
}

const IsoDateSchema = z.string().refine(isIsoDate, { error: 'write the date as "YYYY-MM-DD"' });

const RepSchema = z.strictObject({
  key: KeySchema,
  /** Display name for admins; never written into notes or logs. */
  name: z.string().min(1),
  salesforceId: salesforceIdSchema('005', 'user').optional(),
  hubspotOwnerId: HubSpotOwnerIdSchema.optional(),
  /**
   * Work e-mail, only to find the rep in Slack (`users.lookupByEmail`) for direct messages
   * (notifications.yaml). Personal data: never logged, never put in a message.
   */
  email: z
    .email({ error: 'not an e-mail address; write the rep\'s work e-mail, e.g. "taro.sato@example.co.jp"' })
    .optional(),
  active: z.boolean().default(true),
  dailyCapacity: CapacitySchema.optional(),
  /** Leave, business trips, …: the rep gets no new leads on these dates (inclusive). */
  away: z
    .array(z.strictObject({ from: IsoDateSchema, to: IsoDateSchema }))
    .default([])
    .superRefine((ranges, ctx) => {
      ranges.forEach((r, i) => {
        if (r.from > r.to)
          ctx.addIssue({
            code: 'custom',
            path: [i, 'to'],
            message: `"to" (${r.to}) is before "from" (${r.from})`,
            params: { hint: `swap the dates: { from: ${r.to}, to: ${r.from} } (both days are included)` },
          });
      });
    }),
});
export type RoutingRep = z.infer<typeof RepSchema>;

const QueueSchema = z.strictObject({
  key: KeySchema,
  name: z.string().min(1),
  salesforceId: salesforceIdSchema('00G', 'queue').optional(),
  /** HubSpot contacts are owned by users only: the owner who works this queue (e.g. the team lead). */
  hubspotOwnerId: HubSpotOwnerIdSchema.optional(),
});
export type RoutingQueue = z.infer<typeof QueueSchema>;

/** Exactly one of `queue` or `rep`. */
const TargetSchema = z
  .strictObject({ queue: KeySchema.optional(), rep: KeySchema.optional() })
  .refine((t) => (t.queue === undefined) !== (t.rep === undefined), {
    error: 'give exactly one of "queue" or "rep"',
  });
export type RoutingTarget = z.infer<typeof TargetSchema>;

const MemberSchema = z.strictObject({
  rep: KeySchema,
  weight: z
    .number()
    .positive({ error: 'weight must be greater than 0 (remove the member instead)' })
    .default(1),
  /** Overrides the rep's own daily capacity for leads from this pool. */
  dailyCapacity: CapacitySchema.optional(),
});
export type PoolMember = z.infer<typeof MemberSchema>;

const PoolSchema = z.strictObject({
  id: KeySchema,
  name: z.string().min(1).optional(),
  members: z.array(MemberSchema).min(1, { error: 'a pool needs at least one member' }),
  /** Where leads go when every member is full or away; the file-level `overflow` otherwise. */
  overflow: TargetSchema.optional(),
  /** The team's manager (a rep key): told when a member's toss-up is overdue (sla.yaml ladder). */
  manager: KeySchema.optional(),
});
export type RoutingPool = z.infer<typeof PoolSchema>;

const NEXT_ACTIONS: readonly string[] = NextActionSchema.options;
/** A next action, or a prefix ending in `*` (`inside_sales_*`) that matches at least one. */
const NextActionPatternSchema = z
  .string()
  .refine(
    (p) =>
      p.endsWith('*') ? NEXT_ACTIONS.some((a) => a.startsWith(p.slice(0, -1))) : NEXT_ACTIONS.includes(p),
    { error: `not a next action; use one of ${NEXT_ACTIONS.join(', ')} or a prefix such as inside_sales_*` },
  );

const WhenSchema = z.strictObject({
  nextAction: listOf(NextActionPatternSchema).optional(),
  territory: listOf(KeySchema).optional(),
  segment: listOf(KeySchema).optional(),
  industry: listOf(z.string().min(1)).optional(),
  priority: listOf(PrioritySchema).optional(),
  strategicTarget: z.boolean().optional(),
  existingCustomer: z.boolean().optional(),
});
export type RoutingWhen = z.infer<typeof WhenSchema>;

const RuleSchema = z
  .strictObject({
    id: KeySchema,
    /** All listed conditions must hold; a list means "any of". Empty = matches every lead. */
    when: WhenSchema.default({}),
    pool: KeySchema.optional(),
    queue: KeySchema.optional(),
  })
  .refine((r) => (r.pool === undefined) !== (r.queue === undefined), {
    error: 'a rule sends leads to exactly one "pool" or "queue"',
  });
export type RoutingRule = z.infer<typeof RuleSchema>;

const SegmentSchema = z
  .strictObject({
    id: KeySchema,
    minEmployees: z.number().int().nonnegative().default(0),
    maxEmployees: z.number().int().nonnegative().optional(),
  })
  .refine((s) => s.maxEmployees === undefined || s.maxEmployees >= s.minEmployees, {
    error: 'maxEmployees is below minEmployees',
    path: ['maxEmployees'],
  });
export type RoutingSegment = z.infer<typeof SegmentSchema>;

/** Segment of a lead whose employee count is blank (or fits no band). Rules may match it. */
export const UNKNOWN_SEGMENT = 'unknown';

const BaseSchema = z.strictObject({
  version: z.literal(1),
  /** Daily capacity counts per business date in this zone. */
  timeZone: z
    .string()
    .refine(isValidTimeZone, { error: 'unknown time zone; use an IANA name such as "Asia/Tokyo"' })
    .default('Asia/Tokyo'),
  defaults: z.strictObject({ dailyCapacity: CapacitySchema.optional() }).default({}),
  /** Territory → regions (prefectures in Japanese or romaji, or any region text the CRM holds). */
  territories: z.record(KeySchema, z.array(z.string().min(1))).default({}),
  /** Territory of a lead whose region is blank or listed nowhere. */
  defaultTerritory: KeySchema.default('other'),
  /** Employee bands, first match wins. */
  segments: z.array(SegmentSchema).default([]),
  reps: z.array(RepSchema).min(1, { error: 'list at least one rep' }),
  queues: z.array(QueueSchema).default([]),
  pools: z.array(PoolSchema).default([]),
  rules: z.array(RuleSchema).default([]),
  overflow: TargetSchema,
  /**
   * The manager (a rep key) told of overdue toss-ups whose owner has no pool manager: account owners,
   * queues, reps outside every managed pool. Without it such toss-ups skip the manager steps.
   */
  manager: KeySchema.optional(),
});
export type RoutingConfig = z.infer<typeof BaseSchema>;

type Ctx = z.core.$RefinementCtx<RoutingConfig>;

function issue(ctx: Ctx, path: PropertyKey[], message: string, hint?: string): void {
  ctx.addIssue({ code: 'custom', path, message, ...(hint ? { params: { hint } } : {}) });
}

function unknownRef(
  ctx: Ctx,
  path: PropertyKey[],
  kind: string,
  value: string,
  known: Iterable<string>,
): void {
  const list = [...known].filter((k) => typeof k === 'string');
  const guess = closest(value, list);
  issue(
    ctx,
    path,
    `unknown ${kind} "${value}"`,
    guess
      ? `did you mean "${guess}"?`
      : list.length
        ? `known ${kind}s: ${list.join(', ')}`
        : `add it under ${kind}s`,
  );
}

function duplicates(
  ctx: Ctx,
  values: readonly (string | undefined)[],
  path: (i: number) => PropertyKey[],
  what: string,
): void {
  const seen = new Set<string>();
  values.forEach((v, i) => {
    if (v === undefined) return; // not a name (the schema says why)
    if (seen.has(v)) issue(ctx, path(i), `${what} "${v}" is listed twice`, 'keep one entry');
    seen.add(v);
  });
}

/** Cross-references that a per-field schema cannot see: unknown keys, duplicates, unreachable rules. */
function checkReferences(c: RoutingConfig, ctx: Ctx, crm: CrmName | undefined): void {
  const reps = new Map(c.reps.map((r) => [r.key, r]));
  const queues = new Map(c.queues.map((q) => [q.key, q]));
  const pools = new Map(c.pools.map((p) => [p.id, p]));
  duplicates(
    ctx,
    c.reps.map((r) => r.key),
    (i) => ['reps', i, 'key'],
    'rep key',
  );
  duplicates(
    ctx,
    c.queues.map((q) => q.key),
    (i) => ['queues', i, 'key'],
    'queue key',
  );
  duplicates(
    ctx,
    c.pools.map((p) => p.id),
    (i) => ['pools', i, 'id'],
    'pool id',
  );
  duplicates(
    ctx,
    c.rules.map((r) => r.id),
    (i) => ['rules', i, 'id'],
    'rule id',
  );
  duplicates(
    ctx,
    c.segments.map((s) => s.id),
    (i) => ['segments', i, 'id'],
    'segment id',
  );
  const sfIds = c.reps.map((r, i) => (r.salesforceId ? r.salesforceId.slice(0, 15) : `#${i}`));
  duplicates(ctx, sfIds, (i) => ['reps', i, 'salesforceId'], 'Salesforce id');
  const hsIds = c.reps.map((r, i) => r.hubspotOwnerId ?? `#${i}`);
  duplicates(ctx, hsIds, (i) => ['reps', i, 'hubspotOwnerId'], 'HubSpot owner id');

  const checkTarget = (t: RoutingTarget, path: PropertyKey[]) => {
    if (t.queue !== undefined && !queues.has(t.queue)) {
      unknownRef(ctx, [...path, 'queue'], 'queue', t.queue, queues.keys());
    }
    if (t.rep !== undefined) {
      const rep = reps.get(t.rep);
      if (!rep) unknownRef(ctx, [...path, 'rep'], 'rep', t.rep, reps.keys());
      else if (!rep.active)
        issue(ctx, [...path, 'rep'], `overflow rep "${t.rep}" is inactive`, 'pick an active rep or a queue');
    }
  };
  checkTarget(c.overflow, ['overflow']);
  if (c.manager !== undefined && !reps.has(c.manager))
    unknownRef(ctx, ['manager'], 'rep', c.manager, reps.keys());

  c.pools.forEach((p, pi) => {
    const seen = new Set<string>();
    p.members.forEach((m, mi) => {
      if (m.rep === undefined) return; // not a name (the schema says why)
      if (!reps.has(m.rep)) unknownRef(ctx, ['pools', pi, 'members', mi, 'rep'], 'rep', m.rep, reps.keys());
      if (seen.has(m.rep))
        issue(ctx, ['pools', pi, 'members', mi, 'rep'], `rep "${m.rep}" is in this pool twice`);
      seen.add(m.rep);
    });
    if (p.overflow) checkTarget(p.overflow, ['pools', pi, 'overflow']);
    if (p.manager !== undefined && !reps.has(p.manager))
      unknownRef(ctx, ['pools', pi, 'manager'], 'rep', p.manager, reps.keys());
  });

  const territoryOfName = new Map<string, string>();
  for (const [territory, names] of Object.entries(c.territories)) {
    names.forEach((name, i) => {
      const k = canonicalPrefecture(name) ?? comparableText(name);
      const other = territoryOfName.get(k);
      if (other !== undefined && other !== territory) {
        issue(
          ctx,
          ['territories', territory, i],
          `"${name}" is already in territory "${other}"`,
          'list each region once',
        );
      }
      territoryOfName.set(k, territory);
    });
  }
  const territories = new Set([...Object.keys(c.territories), c.defaultTerritory]);
  const segments = new Set([...c.segments.map((s) => s.id), UNKNOWN_SEGMENT]);

  c.rules.forEach((r, ri) => {
    if (r.pool !== undefined && !pools.has(r.pool))
      unknownRef(ctx, ['rules', ri, 'pool'], 'pool', r.pool, pools.keys());
    if (r.queue !== undefined && !queues.has(r.queue)) {
      unknownRef(ctx, ['rules', ri, 'queue'], 'queue', r.queue, queues.keys());
    }
    r.when.territory?.forEach((t, i) => {
      if (!territories.has(t))
        unknownRef(ctx, ['rules', ri, 'when', 'territory', i], 'territory', t, territories);
    });
    r.when.segment?.forEach((s, i) => {
      if (!segments.has(s)) unknownRef(ctx, ['rules', ri, 'when', 'segment', i], 'segment', s, segments);
    });
    if (Object.values(r.when).every((v) => v === undefined) && ri < c.rules.length - 1) {
      issue(
        ctx,
        ['rules', ri + 1],
        `rules after "${r.id}" can never match: "${r.id}" has no conditions and matches every lead`,
        'move the catch-all rule to the end of the list',
      );
    }
  });

  if (crm && crm !== 'file') checkCrmIds(c, ctx, crm);
}

/** With a CRM named, every owner the router may hand out must have that CRM's id. */
function checkCrmIds(c: RoutingConfig, ctx: Ctx, crm: 'salesforce' | 'hubspot'): void {
  const field = crm === 'salesforce' ? 'salesforceId' : 'hubspotOwnerId';
  const used = new Set<string>();
  for (const p of c.pools) for (const m of p.members) used.add(m.rep);
  for (const t of [c.overflow, ...c.pools.map((p) => p.overflow)]) if (t?.rep) used.add(t.rep);
  c.reps.forEach((r, i) => {
    if (r.active && used.has(r.key) && r[field] === undefined) {
      issue(ctx, ['reps', i], `rep "${r.key}" has no ${field} but receives leads in ${crm}`, `add ${field}`);
    }
  });
  c.queues.forEach((q, i) => {
    if (q[field] === undefined)
      issue(ctx, ['queues', i], `queue "${q.key}" has no ${field} for ${crm}`, `add ${field}`);
  });
}

export function routingConfigSchema(options?: { crm?: CrmName }) {
  // Also run when some fields are wrong (`when`), on a wary view of what did parse, so an admin sees
  // unknown reps and pools together with the shape errors instead of on the next run.
  return BaseSchema.superRefine(
    (c, ctx) => checkReferences(ctx.issues.length > 0 ? wary(c) : c, ctx, options?.crm),
    { when: () => true },
  );
}

type Loose = Record<string, unknown>;
const obj = (v: unknown): Loose =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Loose) : {};
const objs = (v: unknown): Loose[] => (Array.isArray(v) ? v.map(obj) : []);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const texts = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
const target = (v: unknown): RoutingTarget => {
  const t = obj(v);
  return { queue: text(t.queue), rep: text(t.rep) } as RoutingTarget;
};

/**
 * A half-parsed config with every list a list (of objects, same indices) and every referenced name a
 * string or absent, so the cross-reference checks never trip over a value the schema already reported.
 */
function wary(c: RoutingConfig): RoutingConfig {
  const raw = c as unknown as Loose;
  const territories: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(obj(raw.territories))) territories[k] = texts(v) ?? [];
  return {
    ...c,
    territories,
    defaultTerritory: text(raw.defaultTerritory) ?? 'other',
    segments: objs(raw.segments).map((x) => ({ ...x, id: text(x.id) })),
    reps: objs(raw.reps).map((r) => ({
      ...r,
      key: text(r.key),
      active: r.active !== false,
      salesforceId: text(r.salesforceId),
      hubspotOwnerId:
        text(r.hubspotOwnerId) ??
        (typeof r.hubspotOwnerId === 'number' ? String(r.hubspotOwnerId) : undefined),
    })),
    queues: objs(raw.queues).map((q) => ({ ...q, key: text(q.key) })),
    pools: objs(raw.pools).map((p) => ({
      ...p,
      id: text(p.id),
      members: objs(p.members).map((m) => ({ ...m, rep: text(m.rep) })),
      manager: text(p.manager),
      overflow: p.overflow === undefined ? undefined : target(p.overflow),
    })),
    rules: objs(raw.rules).map((r) => {
      const when = obj(r.when);
      return {
        ...r,
        id: text(r.id),
        pool: text(r.pool),
        queue: text(r.queue),
        when: { ...when, territory: texts(when.territory), segment: texts(when.segment) },
      };
    }),
    overflow: target(raw.overflow),
    manager: text(raw.manager),
  } as unknown as RoutingConfig;
}

/**
 * Parses and validates routing.yaml text. With `crm`, also checks that every rep and queue that can
 * receive leads has that CRM's id. Problems become one `ConfigError` listing file:line:column.
 */
export function parseRoutingConfig(
  text: string,
  file = 'mappings/routing.yaml',
  options?: { crm?: CrmName },
): RoutingConfig {
  return parseYamlWithSchema(text, file, routingConfigSchema(options));
}
