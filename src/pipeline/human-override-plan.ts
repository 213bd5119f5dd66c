import type { Decision } from '../domain/decision.ts';
import type { HumanOverride } from '../domain/human-override.ts';
import type { Lead } from '../domain/lead.ts';
import { type Episode, type EpisodeEvent, episodeEvent, isOnHold } from '../episodes/episode.ts';
import type { TossUpFieldValues } from '../ports/lead-sink.ts';
import type { SyncStateStore } from '../ports/sync-state-store.ts';
import { renderOverrideReason } from '../reasons/override-reason.ts';
import type { ReasonRenderer } from '../reasons/render-reasons.ts';
import type { RoutingConfig } from '../routing/routing-config.ts';
import { directoryFor } from '../routing/routing-directory.ts';
import { zonedParts } from '../sla/zoned-time.ts';
import {
  OVERRIDE_TTL_SECONDS,
  type OverrideResolution,
  overrideCandidate,
  overrideRecordKey,
  parseOverrideRecord,
  resolveOverride,
} from './human-override.ts';

/**
 * What process-leads does about a person's override of one lead (human-override.ts): finds it (the
 * per-lead record is read only for a lead that shows one), and while it stands plans the only writes
 * (the override's flag from the explicit field, the reason) and the episode steps.
 */

export interface OverrideContext {
  crm: Lead['crm'];
  state: SyncStateStore;
  renderer: ReasonRenderer;
  routing: RoutingConfig;
  timeZone: string;
  reasonMaxLength: number;
  now: Date;
  dryRun: boolean;
}

/** The override in force for `lead`; a newly seen one is recorded (not on a dry run). */
export async function findOverride(
  lead: Lead,
  episode: Episode | undefined,
  ctx: OverrideContext,
): Promise<OverrideResolution> {
  const candidate = overrideCandidate(lead, episode);
  if (!candidate) return { kind: 'none' };
  const key = overrideRecordKey(ctx.crm, lead);
  const resolution = resolveOverride(
    lead,
    candidate,
    parseOverrideRecord(await ctx.state.getDone(key)),
    ctx.now,
  );
  // Stored before any field is written: the next run, seeing the marked reason, finds who and when here.
  if (resolution.kind === 'active' && resolution.isNew && !ctx.dryRun)
    await ctx.state.markDone(key, JSON.stringify(resolution.override), OVERRIDE_TTL_SECONDS);
  return resolution;
}

export interface OverridePlan {
  fields: TossUpFieldValues;
  reasonText: string;
  /** Steps of the open episode the CRM's key names, in order. */
  steps: [string, EpisodeEvent][];
}

/** The writes and episode steps while `override` stands. */
export function planOverride(
  lead: Lead,
  decision: Decision,
  override: HumanOverride,
  episode: Episode | undefined,
  ctx: OverrideContext,
): OverridePlan {
  const rep =
    override.by && ctx.crm !== 'file'
      ? directoryFor(ctx.routing).repByCrmId(ctx.crm, override.by)
      : undefined;
  const reasonText = renderOverrideReason(
    ctx.renderer.locale,
    {
      override,
      byName: rep?.name ?? override.by,
      time: localTime(override.at, ctx.timeZone),
      ruleFlag: decision.flag,
      ruleReasons: ctx.renderer.renderCompact(decision.reasons, ctx.reasonMaxLength),
    },
    ctx.reasonMaxLength,
  );
  const fields: TossUpFieldValues = {};
  if (override.source === 'field' && lead.current.flag !== override.flag) fields.flag = override.flag;
  if (lead.current.reason !== reasonText) fields.reason = reasonText;
  return { fields, reasonText, steps: episode ? overrideSteps(episode, override, ctx.now) : [] };
}

/**
 * On the open episode: the override with who and when (once per override: its step is its time), and
 * the SLA clock stopped while it says other than yes — the rep is not chased over a lead a person took
 * out of their hands — or running again when it says yes after an override had stopped it.
 */
function overrideSteps(ep: Episode, o: HumanOverride, now: Date): [string, EpisodeEvent][] {
  const steps: [string, EpisodeEvent][] = [];
  const same = ep.override && ep.override.flag === o.flag && ep.override.source === o.source;
  if (!same) steps.push([ep.key, episodeEvent({ type: 'override', at: o.at, cause: 'rep', ...pick(o) })]);
  if (o.flag !== 'yes' && !isOnHold(ep))
    steps.push([
      ep.key,
      episodeEvent({ type: 'hold_started', at: pauseStart(o.at, ep.handedOffAt, now), cause: 'rep' }),
    ]);
  else if (o.flag === 'yes' && isOnHold(ep) && ep.override)
    steps.push([ep.key, episodeEvent({ type: 'hold_ended', at: after(now, ep.override.at), cause: 'rep' })]);
  return steps;
}

/**
 * The override of the open episode ended (the flag set back, emptied, or the override field emptied):
 * recorded once, then the rules' own steps (resume, supersede) follow as for any decision.
 */
export function clearedOverrideSteps(ep: Episode | undefined, now: Date): [string, EpisodeEvent][] {
  if (!ep?.override) return [];
  return [
    [
      ep.key,
      episodeEvent({
        type: 'override',
        at: after(now, ep.override.at),
        cause: 'rep',
        flag: null,
        source: null,
        by: null,
      }),
    ],
  ];
}

function pick(o: HumanOverride): {
  flag: HumanOverride['flag'];
  source: HumanOverride['source'];
  by: string | null;
} {
  return { flag: o.flag, source: o.source, by: o.by };
}

/**
 * `now`, or just after `at` when the CRM's clock (when the person's change happened) runs ahead of
 * the run's: the latest override event counts, so its end must come after it.
 */
function after(now: Date, at: string): string {
  return new Date(Math.max(now.getTime(), Date.parse(at) + 1)).toISOString();
}

/**
 * When the SLA clock stops: when the person changed the flag, but not before the hand-off (a clock
 * cannot stop before it started) nor after this run's `now` (a CRM clock running ahead would put the
 * pause after the rules' own resume of a later run).
 */
function pauseStart(at: string, handedOffAt: string, now: Date): string {
  const t = Math.min(Math.max(Date.parse(at), Date.parse(handedOffAt)), now.getTime());
  return new Date(t).toISOString();
}

/** `2026-12-01 10:00` in the business time zone. */
function localTime(iso: string, timeZone: string): string {
  const p = zonedParts(new Date(iso), timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}`;
}
