import type { SfRecord } from './sf-record.ts';
import { formatDate } from './values.ts';

/**
 * Fields the server computes: names, closed/won flags, campaign response flags, the Task's
 * AccountId. Run on every write (API or store), so reads never see stale derived values.
 */

export interface DeriveContext {
  now: number;
  respondedStatuses: ReadonlySet<string>;
  lookup: (id: string) => SfRecord | undefined;
}

const fullName = (r: SfRecord): string | null => {
  const parts = [r.FirstName, r.LastName].filter((x): x is string => typeof x === 'string' && x !== '');
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
