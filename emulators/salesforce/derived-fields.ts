import type { SfRecord } from './sf-record.ts';
import { formatDate } from './values.ts';

/**
 * Fields the server computes: names, closed/won flags, campaign response flags, the Task's
 * AccountId and CompletedDateTime, an Event's end/duration and activity date. Run on every write
 * (API or store), so reads never see stale derived values.
 */

export interface DeriveContext {
  now: number;
  respondedStatuses: ReadonlySet<string>;
  lookup: (id: string) => SfRecord | undefined;
}

/** Han, kana, Hangul, full-width: written family name first. */
const CJK =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff00-\uffef]/u;

/**
 * `Name` as an org with the Japanese locale formats it: "山田 太郎" (LastName FirstName) for Japanese
 * names, "Jane Smith" otherwise. (Salesforce orders by locale; keying on the script is this
 * emulator's stand-in that gives the same result for the world's data.)
 */
const fullName = (r: SfRecord): string | null => {
  const first = typeof r.FirstName === 'string' ? r.FirstName : '';
  const last = typeof r.LastName === 'string' ? r.LastName : '';
  const parts = (CJK.test(first) || CJK.test(last) ? [last, first] : [first, last]).filter((x) => x !== '');
  return parts.length ? parts.join(' ') : null;
};

export function applyDerivedFields(
  object: string,
  rec: SfRecord,
  prev: SfRecord | undefined,
  ctx: DeriveContext,
): void {
  switch (object) {
    case 'Lead':
    case 'Contact':
    case 'User':
      rec.Name = fullName(rec);
      break;
    case 'Opportunity': {
      const stage = typeof rec.StageName === 'string' ? rec.StageName : '';
      rec.IsClosed = stage.startsWith('Closed');
      rec.IsWon = stage === 'Closed Won';
      break;
    }
    case 'Task': {
      rec.IsClosed = rec.Status === 'Completed';
      rec.IsHighPriority = rec.Priority === 'High';
      rec.AccountId = taskAccountId(rec, ctx);
      // Stamped when the task closes (kept while it stays closed, e.g. a store seed's own value);
      // a reopened task loses it.
      if (!rec.IsClosed) rec.CompletedDateTime = null;
      else if (!prev?.IsClosed && rec.CompletedDateTime == null) rec.CompletedDateTime = ctx.now;
      else if (prev?.IsClosed && rec.CompletedDateTime == null)
        rec.CompletedDateTime = prev.CompletedDateTime ?? null;
      break;
    }
    case 'Event': {
      const start = typeof rec.StartDateTime === 'number' ? rec.StartDateTime : null;
      if (start !== null) {
        // A duration given (new, or changed) sets the end; otherwise the end sets the duration.
        const d = rec.DurationInMinutes;
        if (typeof d === 'number' && (rec.EndDateTime == null || d !== prev?.DurationInMinutes)) {
          rec.EndDateTime = start + d * 60_000;
        } else if (typeof rec.EndDateTime === 'number') {
          rec.DurationInMinutes = Math.round((rec.EndDateTime - start) / 60_000);
        }
        rec.ActivityDateTime = start;
        rec.ActivityDate = formatDate(start);
      }
      rec.AccountId = taskAccountId(rec, ctx);
      break;
    }
    case 'CampaignMember': {
      const responded = typeof rec.Status === 'string' && ctx.respondedStatuses.has(rec.Status);
      rec.HasResponded = responded;
      if (responded && !prev?.HasResponded && rec.FirstRespondedDate == null) {
        rec.FirstRespondedDate = formatDate(ctx.now);
      }
      break;
    }
    default:
      break;
  }
}

function taskAccountId(rec: SfRecord, ctx: DeriveContext): string | null {
  const what = typeof rec.WhatId === 'string' ? rec.WhatId : undefined;
  if (what?.startsWith('001')) return what;
  if (what?.startsWith('006')) return (ctx.lookup(what)?.AccountId as string | null | undefined) ?? null;
  const who = typeof rec.WhoId === 'string' ? rec.WhoId : undefined;
  if (who?.startsWith('003')) return (ctx.lookup(who)?.AccountId as string | null | undefined) ?? null;
  return null;
}
