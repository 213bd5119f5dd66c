import { createHash } from 'node:crypto';
import type { Lead } from '../domain/lead.ts';
import type { TossUpFieldValues } from '../ports/lead-sink.ts';
import type { RecheckRecord } from '../ports/recheck-store.ts';
import { dateTimeFormat } from '../reasons/intl-formats.ts';
import type { CompiledRuleSet } from '../scoring/compile-rule-set.ts';
import { overrideCandidate } from './human-override.ts';

/**
 * The fingerprint of what a decision reads (issue 16, "no echo": a change to a field no rule reads
 * must not cause a re-decision). It covers the normalized lead as the connector's mapping produced
 * it — every value the rules, scores, routing and the plan can look at, the CRM's toss-up fields and
 * the rep's verdict included — and the rule set's version. Left out: what changes on every edit
 * without being an input (the modification time, the last modifier the override read carries) and
 * the person's name (display only). A CRM field the mapping does not read never reaches the lead,
 * so editing it leaves the fingerprint as it was.
 *
 * It is stored with the lead's re-check record after a settled decision, computed on the lead as the
 * CRM holds it once our fields are written (`afterWrite`), so that re-reading our own write (HubSpot's
 * polling cannot leave it out) finds the same fingerprint and decides nothing.
 */
export function decisionInputs(
  lead: Lead,
  rules: Pick<CompiledRuleSet, 'version' | 'source'>,
  now: Date,
): string {
  const { modifiedAt: _modifiedAt, person, current, ...rest } = lead;
  const { name: _name, ...personFacts } = person;
  const { override, ...written } = current;
  const inputs = {
    rulesVersion: rules.version,
    // A manual request's answer hangs on its requester's monthly quota (manual-quota.ts), which
    // keeps it stable within the month in the rule set's time zone: the month is an input.
    ...(lead.manualRequest ? { quotaMonth: monthIn(now, rules.source.timeZone) } : {}),
    ...rest,
    person: personFacts,
    current: { ...written, overrideFlag: override?.flag ?? null },
  };
  return createHash('sha256').update(canonicalJson(inputs)).digest('base64url').slice(0, 22);
}

/** The lead as the CRM holds it after `fields` were written (the next read's view of it). */
export function afterWrite(lead: Lead, fields: TossUpFieldValues): Lead {
  const { ownerId, ...tossUp } = fields;
  const current = { ...lead.current };
  for (const [k, v] of Object.entries(tossUp)) if (v !== undefined) Object.assign(current, { [k]: v });
  return { ...lead, ...(ownerId !== undefined ? { ownerId } : {}), current };
}

/**
 * Whether `lead` need not be decided again: its fingerprint is the one stored with the last settled
 * decision, no time-driven re-check is due (`recheckAt` still ahead), and nothing outside the lead
 * can make today's decision differ — no person's override to resolve (its record and the episode's
 * pauses are read at decision time); a manual request's quota month is part of the fingerprint.
 */
export function inputsUnchanged(
  lead: Lead,
  fingerprint: string,
  stored: RecheckRecord | undefined,
  now: Date,
): boolean {
  if (!stored?.inputs || stored.inputs !== fingerprint) return false;
  if (stored.recheckAt !== null && Date.parse(stored.recheckAt) <= now.getTime()) return false;
  return overrideCandidate(lead, undefined) === null;
}

/** `YYYY-MM` of `now` in `timeZone`. */
function monthIn(now: Date, timeZone: string): string {
  const parts = dateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' }).formatToParts(now);
  const part = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${part('year')}-${part('month')}`;
}

/** JSON with object keys sorted, so equal values give equal text whatever order they were built in. */
function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  // Built in one string, without the intermediate arrays: it runs twice for every lead of a sync.
  let out: string;
  if (Array.isArray(value)) {
    out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  // The default sort compares UTF-16 code units, as `<` does.
  const keys = Object.keys(obj).sort();
  out = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${canonicalJson(v)}`;
    first = false;
  }
  return `${out}}`;
}
