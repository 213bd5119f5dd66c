import { type SeededRandom, WeightedChoice } from './seeded-random.ts';
import type { WorldActivity, WorldActivityType, WorldCampaign } from './world.ts';
import { businessMoment, isoFromSeconds, SECONDS_PER_DAY, secondsAtJst } from './world-time.ts';

/**
 * Behaviour history of one person over the 180 days before `asOf`. Engagement comes in four tiers
 * (cold, warm, hot, burning) so counts are heavy-tailed (most people have a handful of e-mail opens,
 * a few have 20-30 touches), and hot people act in a burst around one recent date, the way an
 * evaluation looks in an MA tool. Campaign responses point at real campaign keys and happen on the
 * campaign's date (webinars, events) or after it started (content, e-mail, web forms).
 */

export const ACTIVITY_WINDOW_DAYS = 180;
const BURST_HALF_WIDTH_DAYS = 10;

/** 0 cold, 1 warm, 2 hot, 3 burning. */
export type EngagementTier = 0 | 1 | 2 | 3;

interface ActivityKind {
  type: WorldActivityType;
  page?: string;
}

const kind = (type: WorldActivityType, page?: string): ActivityKind => (page ? { type, page } : { type });

function mix(entries: ReadonlyArray<readonly [ActivityKind, number]>): WeightedChoice<ActivityKind> {
  return new WeightedChoice(entries);
}

const MIX_BY_TIER: readonly WeightedChoice<ActivityKind>[] = [
  mix([
    [kind('email_open'), 50],
    [kind('page_view', 'blog'), 22],
    [kind('page_view', 'careers'), 9],
    [kind('page_view', 'product'), 9],
    [kind('email_click'), 8],
    [kind('document_request'), 2],
  ]),
  mix([
    [kind('email_open'), 33],
    [kind('email_click'), 12],
    [kind('page_view', 'blog'), 12],
    [kind('page_view', 'product'), 11],
    [kind('page_view', 'case_studies'), 7],
    [kind('page_view', 'pricing'), 3],
    [kind('page_view', 'careers'), 2],
    [kind('document_request'), 11],
    [kind('webinar_attendance'), 5],
    [kind('form_submission'), 3],
    [kind('event_attendance'), 1],
  ]),
  mix([
    [kind('email_open'), 19],
    [kind('email_click'), 14],
    [kind('page_view', 'product'), 11],
    [kind('page_view', 'pricing'), 8],
    [kind('page_view', 'case_studies'), 9],
    [kind('page_view', 'blog'), 7],
    [kind('page_view', 'careers'), 1],
    [kind('document_request'), 14],
    [kind('webinar_attendance'), 9],
    [kind('event_attendance'), 4],
    [kind('form_submission'), 6],
    [kind('inquiry'), 1],
  ]),
  mix([
    [kind('email_open'), 14],
    [kind('email_click'), 13],
    [kind('page_view', 'pricing'), 12],
    [kind('page_view', 'product'), 10],
    [kind('page_view', 'case_studies'), 10],
    [kind('page_view', 'blog'), 5],
    [kind('page_view', 'careers'), 1],
    [kind('document_request'), 13],
    [kind('webinar_attendance'), 8],
    [kind('event_attendance'), 5],
    [kind('form_submission'), 7],
    [kind('inquiry'), 4],
  ]),
];

/** The action that created a new lead in the CRM (an MA form, a webinar sign-up, a card scan). */
export interface Conversion {
  createdAtSeconds: number;
  activity: { type: WorldActivityType; atSeconds: number; campaignKey: string } | null;
  leadSource: string | null;
}

const CONVERSION = new WeightedChoice<WorldActivityType | 'import'>([
  ['document_request', 40],
  ['webinar_attendance', 20],
  ['event_attendance', 12],
  ['form_submission', 18],
  ['inquiry', 5],
  ['import', 5],
]);

interface Session {
  key: string;
  atSeconds: number;
}

/** Campaigns indexed for fast lookup by the moment of an action. */
export class ActivityGenerator {
  private readonly asOf: number;
  private readonly windowStart: number;
  private readonly webinars: Session[];
  private readonly events: Session[];
  private readonly contents: Session[];
  private readonly emails: Session[];
  private readonly webForms: Session[];

  constructor(campaigns: readonly WorldCampaign[], asOfSeconds: number) {
    this.asOf = asOfSeconds;
    this.windowStart = asOfSeconds - ACTIVITY_WINDOW_DAYS * SECONDS_PER_DAY;
    const sessions = (type: WorldCampaign['type'], hour: number) =>
      campaigns
        .filter((c) => c.type === type)
        .map((c) => ({ key: c.key, atSeconds: secondsAtJst(c.startDate, hour) }))
        .sort((a, b) => a.atSeconds - b.atSeconds);
    // Live sessions must be over before asOf to have been attended.
    this.webinars = sessions('Webinar', 14).filter((s) => s.atSeconds + 3 * 3600 <= asOfSeconds);
    this.events = sessions('Seminar / Conference', 10).filter((s) => s.atSeconds + 8 * 3600 <= asOfSeconds);
    this.contents = sessions('Content', 0);
    this.emails = sessions('Email', 10);
    this.webForms = sessions('Website', 0);
  }

  get windowStartSeconds(): number {
    return this.windowStart;
  }

  /** A lead created inside the activity window, with the action that created it. */
  newLead(random: SeededRandom): Conversion {
    const moment = businessMoment(random, this.windowStart, this.asOf - 3600);
    const type = CONVERSION.pick(random);
    if (type === 'webinar_attendance' || type === 'event_attendance') {
      const pool = (type === 'webinar_attendance' ? this.webinars : this.events).filter(
        (s) => s.atSeconds >= this.windowStart + 14 * SECONDS_PER_DAY,
      );
      if (pool.length > 0) {
        const session = random.pick(pool);
        const created =
          type === 'webinar_attendance'
            ? businessMoment(random, session.atSeconds - 14 * SECONDS_PER_DAY, session.atSeconds - 3600)
            : businessMoment(
                random,
                session.atSeconds + SECONDS_PER_DAY,
                Math.min(this.asOf, session.atSeconds + 3 * SECONDS_PER_DAY),
              );
        const atSeconds =
          session.atSeconds + (type === 'webinar_attendance' ? random.int(0, 600) : random.int(0, 7 * 3600));
        return {
          createdAtSeconds: created,
          activity: { type, atSeconds, campaignKey: session.key },
          leadSource:
            type === 'webinar_attendance' ? 'ウェビナー' : random.chance(0.7) ? '展示会' : 'セミナー',
        };
      }
    }
    if (type === 'import' || type === 'webinar_attendance' || type === 'event_attendance') {
      return {
        createdAtSeconds: moment,
        activity: null,
        leadSource: random.pick(['名刺交換', 'Purchased List', 'テレアポ']),
      };
    }
    const pool = type === 'document_request' ? this.contents : this.webForms;
    const started = startedCount(pool, moment);
    if (started === 0) return { createdAtSeconds: moment, activity: null, leadSource: 'Web' };
    const campaign = pool[Math.floor(random.next() * started)] as Session;
    const leadSource =
      type === 'document_request'
        ? random.chance(0.6)
          ? '資料請求'
          : 'Web'
        : type === 'inquiry'
          ? 'お問い合わせ'
          : 'Web';
    return {
      createdAtSeconds: moment,
      activity: { type, atSeconds: moment, campaignKey: campaign.key },
      leadSource,
    };
  }

  /** How many actions a person of this tier has in the window. */
  countFor(random: SeededRandom, tier: EngagementTier): number {
    switch (tier) {
      case 0:
        return random.chance(0.55) ? 0 : random.int(1, 3);
      case 1:
        return random.int(2, 8);
      case 2:
        return random.int(5, 16);
      default:
        return 10 + Math.floor(20.999 * random.next() ** 1.6);
    }
  }

  /**
   * Activities after `fromSeconds` (creation, or the window start), oldest first. `conversion`,
   * when given, is included and counts towards the total.
   */
  generate(
    random: SeededRandom,
    tier: EngagementTier,
    fromSeconds: number,
    conversion: Conversion['activity'],
  ): WorldActivity[] {
    const lower = Math.max(this.windowStart, fromSeconds);
    let count = this.countFor(random, tier);
    if (conversion) count = Math.max(0, count - 1);
    const drafts: Array<{ atSeconds: number; activity: WorldActivity }> = [];
    if (conversion) {
      drafts.push({
        atSeconds: conversion.atSeconds,
        activity: { type: conversion.type, at: '', campaignKey: conversion.campaignKey },
      });
    }
    if (count === 0 || lower >= this.asOf) return finish(drafts);

    // Hot people concentrate on one evaluation period of about three weeks, usually recent; most
    // such periods are over by asOf, so the last day holds a fair share of activity, not a pile.
    const burstCenter =
      tier >= 2
        ? Math.max(
            lower,
            this.asOf - (BURST_HALF_WIDTH_DAYS + Math.min(random.exponential(30), 170)) * SECONDS_PER_DAY,
          )
        : 0;
    const mixChoice = MIX_BY_TIER[tier] as WeightedChoice<ActivityKind>;
    for (let n = 0; n < count; n++) {
      const inBurst = tier >= 2 && random.chance(0.75);
      const from = inBurst ? Math.max(lower, burstCenter - BURST_HALF_WIDTH_DAYS * SECONDS_PER_DAY) : lower;
      const to = inBurst
        ? Math.min(this.asOf, burstCenter + BURST_HALF_WIDTH_DAYS * SECONDS_PER_DAY)
        : this.asOf;
      const moment = businessMoment(random, from, to);
      const draft = this.place(random, mixChoice.pick(random), moment, lower);
      drafts.push(draft);
    }
    return finish(drafts);
  }

  /** Ties an action to its campaign; falls back to a page view when no campaign fits the moment. */
  private place(
    random: SeededRandom,
    chosen: ActivityKind,
    moment: number,
    lower: number,
  ): { atSeconds: number; activity: WorldActivity } {
    switch (chosen.type) {
      case 'webinar_attendance':
      case 'event_attendance': {
        let nearest: Session | null = null;
        for (const s of chosen.type === 'webinar_attendance' ? this.webinars : this.events) {
          if (s.atSeconds < lower) continue;
          if (!nearest || Math.abs(s.atSeconds - moment) < Math.abs(nearest.atSeconds - moment)) nearest = s;
        }
        if (!nearest) break;
        const offset = chosen.type === 'webinar_attendance' ? random.int(0, 600) : random.int(0, 7 * 3600);
        return {
          atSeconds: nearest.atSeconds + offset,
          activity: { type: chosen.type, at: '', campaignKey: nearest.key },
        };
      }
      case 'document_request':
      case 'form_submission':
      case 'inquiry': {
        const pool = chosen.type === 'document_request' ? this.contents : this.webForms;
        const started = startedCount(pool, moment);
        if (started === 0) break;
        const campaign = pool[Math.floor(random.next() * started)] as Session;
        return { atSeconds: moment, activity: { type: chosen.type, at: '', campaignKey: campaign.key } };
      }
      case 'email_open':
      case 'email_click': {
        const started = startedCount(this.emails, moment);
        if (started === 0) break;
        const latest = this.emails[started - 1] as Session;
        return { atSeconds: moment, activity: { type: chosen.type, at: '', campaignKey: latest.key } };
      }
      case 'page_view':
        return { atSeconds: moment, activity: { type: 'page_view', at: '', page: chosen.page ?? 'product' } };
    }
    return {
      atSeconds: moment,
      activity: { type: 'page_view', at: '', page: random.pick(['product', 'blog']) },
    };
  }
}

/** How many of the (start-ordered) sessions had started by `moment`. */
function startedCount(sessions: readonly Session[], moment: number): number {
  let n = 0;
  while (n < sessions.length && (sessions[n] as Session).atSeconds <= moment) n++;
  return n;
}

function finish(drafts: Array<{ atSeconds: number; activity: WorldActivity }>): WorldActivity[] {
  drafts.sort((a, b) => a.atSeconds - b.atSeconds);
  const activities: WorldActivity[] = [];
  let attended: Set<string> | null = null;
  for (const d of drafts) {
    const { type, campaignKey } = d.activity;
    // Nobody attends the same live session twice.
    if ((type === 'webinar_attendance' || type === 'event_attendance') && campaignKey) {
      attended ??= new Set();
      if (attended.has(campaignKey)) continue;
      attended.add(campaignKey);
    }
    d.activity.at = isoFromSeconds(d.atSeconds);
    activities.push(d.activity);
  }
  return activities;
}
