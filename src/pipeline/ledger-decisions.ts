import type { Lead } from '../domain/lead.ts';
import {
  type DecisionRecordWithoutFacts,
  decisionRecordWithoutFacts,
  withFacts,
} from '../ledger/decision-record.ts';
import { errorText, flushLedgerQuietly, type LedgerWiring } from '../ledger/flush-ledger.ts';
import type { DecisionRecord } from '../ledger/ledger-record.ts';
import type { FollowUpTask, TossUpFieldValues } from '../ports/lead-sink.ts';
import type { AwaitedWrite, LedgerOutboxEntry } from '../ports/ledger.ts';
import { isEmptyPlan } from './plan-write-back.ts';
import type { LeadOutcome } from './process-leads.ts';

/** What `processLeads` holds per lead (its `Work`), as far as the ledger reads it. */
export interface LedgerWork {
  lead: Lead;
  fields: TossUpFieldValues;
  task: FollowUpTask | null;
  outcome: LeadOutcome;
}

/**
 * The id of the record staged for a lead of the batch being processed, until it is settled (null: to
 * be recorded once written, with no outbox entry: `stageBeforeWrite: false`). The
 * record itself is not kept: it is a function of the lead's work, which the batch holds and never
 * changes in between, so the append makes it again (`recordOf`) — a page's 10,000 records (~7 MB
 * even without their facts) are not held through the CRM write (docs/benchmarks.md, the page's
 * working set). Nor are their `facts_json`, made from the lead as each record is written (`withFacts`).
 */
const staged = new WeakMap<LedgerWork, string | null>();

/**
 * Before the field write (docs/ledger.md): first settles what an earlier, interrupted run staged for
 * the leads of this batch — the lead as read now shows whether that write happened — then stages one
 * decision record per lead about to be written, marked as awaiting the write. Never fails the batch:
 * an outbox that cannot be written is reported and the CRM write goes on. Returns null (no stop).
 */
export async function stageDecisions(
  work: readonly LedgerWork[],
  ledger: LedgerWiring | undefined,
): Promise<null> {
  if (!ledger) return null;
  const toWrite = work.filter(
    (w) => w.outcome.status === 'not_attempted' && w.outcome.decision && !isEmptyPlan(w.fields),
  );
  try {
    await settleInterrupted(
      work.map((w) => w.lead),
      ledger,
    );
    if (ledger.stageBeforeWrite === false) {
      for (const w of toWrite) staged.set(w, null);
      return null;
    }
    const ids: string[] = [];
    await ledger.outbox.put(
      toWrite.map((w): LedgerOutboxEntry => {
        const record = recordOf(w);
        ids.push(record.record_id);
        return { record: withFacts(record, w.lead), awaiting: awaited(w.lead, w.fields) };
      }),
    );
    ids.forEach((id, i) => {
      staged.set(toWrite[i]!, id);
    });
  } catch (e) {
    ledger.onError?.(
      `the decision ledger's outbox could not be written (${errorText(e)}); ${toWrite.length} decision(s) of this batch are written to the CRM but not recorded`,
    );
  }
  return null;
}

/**
 * After the field write: a staged decision whose write succeeded is appended straight from memory and
 * then removed from the outbox; one whose write failed or did not happen is dropped (the retry decides
 * and stages again). Marking the entry ready first would rewrite it for nothing on the way (on
 * DynamoDB a write billed by the entry's size, docs/cost.md): a crash between the CRM write and the
 * append leaves it awaiting, which the next batch that reads the lead settles. Only when the append
 * fails is it marked ready, for a later flush. Then flushes what else waits in the outbox.
 */
export async function settleDecisions(
  work: readonly LedgerWork[],
  ledger: LedgerWiring | undefined,
): Promise<void> {
  if (!ledger) return;
  const written: DecisionRecord[] = [];
  const dropped: string[] = [];
  /** Written decisions with no outbox entry: put in it only if the append fails. */
  const fresh: DecisionRecord[] = [];
  for (const w of work) {
    const id = staged.get(w);
    if (id === undefined) continue;
    staged.delete(w);
    if (id === null) {
      if (w.outcome.status === 'written') fresh.push(withFacts(recordOf(w), w.lead));
      continue;
    }
    if (w.outcome.status !== 'written') {
      dropped.push(id);
      continue;
    }
    const record = recordOf(w);
    // The same inputs make the same record. Were they changed in between, the staged entry is left
    // awaiting, as after a crash here: the next batch that reads the lead settles it from the outbox.
    if (record.record_id === id) written.push(withFacts(record, w.lead));
  }
  const ids = written.map((r) => r.record_id);
  let appended = written.length + fresh.length === 0;
  if (!appended) {
    try {
      await ledger.ledger.append([...written, ...fresh]);
      appended = true;
    } catch (e) {
      ledger.onError?.(
        `the decision ledger could not be appended to (${errorText(e)}); its records stay in the outbox and are appended by the next run`,
      );
    }
  }
  try {
    if (appended) {
      if (ids.length + dropped.length > 0) await ledger.outbox.remove([...ids, ...dropped]);
    } else {
      await ledger.outbox.put(fresh.map((record) => ({ record })));
      await ledger.outbox.ready(ids);
      await ledger.outbox.remove(dropped);
    }
  } catch (e) {
    ledger.onError?.(
      `the decision ledger's outbox could not be updated (${errorText(e)}); the next run settles it`,
    );
    return;
  }
  if (appended) await flushLedgerQuietly(ledger);
}

/** The decision record of a lead about to be written, but for its facts: the same at staging and at the append. */
function recordOf(w: LedgerWork): DecisionRecordWithoutFacts {
  const o = w.outcome;
  return decisionRecordWithoutFacts({
    lead: w.lead,
    decision: o.decision!,
    fields: w.fields,
    episodeKey: o.episodeKey,
    newEpisode: o.newEpisode,
    ...(o.supersedes ? { supersedes: o.supersedes } : {}),
    ...(o.override ? { override: o.override } : {}),
    ...(w.task && o.task
      ? {
          taskOwner: {
            id: w.task.ownerId,
            ...(o.task.route.ownerKey ? { key: o.task.route.ownerKey } : {}),
          },
        }
      : {}),
  });
}

function awaited(lead: Lead, fields: TossUpFieldValues): AwaitedWrite {
  return { crm: lead.crm, objectType: lead.objectType, leadId: lead.id, fields };
}

/**
 * Decisions staged by a run that stopped between staging and settling (a crash around the CRM write),
 * for leads read again now: appended when the lead shows what was written, dropped otherwise.
 */
async function settleInterrupted(leads: readonly Lead[], ledger: LedgerWiring): Promise<void> {
  const waiting = (await ledger.outbox.list()).filter((e) => e.awaiting);
  if (waiting.length === 0) return;
  const byLead = new Map(leads.map((l) => [leadKey(l.crm, l.objectType, l.id), l]));
  const ready: string[] = [];
  const dropped: string[] = [];
  for (const e of waiting) {
    const a = e.awaiting!;
    const lead = byLead.get(leadKey(a.crm, a.objectType, a.leadId));
    if (!lead) continue;
    (shows(lead, a.fields) ? ready : dropped).push(e.record.record_id);
  }
  await ledger.outbox.ready(ready);
  await ledger.outbox.remove(dropped);
}

function leadKey(crm: string, objectType: string, id: string): string {
  return `${crm}\u0000${objectType}\u0000${id}`;
}

/**
 * Whether the lead as read shows the fields a staged decision wrote. Compared on the values the CRM
 * returns exactly as written (key, flag, next action, scores); the reason and due date only when
 * nothing else was written (a CRM may cut or reformat them).
 */
export function shows(lead: Lead, fields: TossUpFieldValues): boolean {
  const exact = (['decisionKey', 'flag', 'nextAction', 'attributeScore', 'behaviourScore'] as const).filter(
    (f) => fields[f] !== undefined,
  );
  if (exact.length > 0) return exact.every((f) => lead.current[f] === fields[f]);
  if (fields.reason !== undefined) return lead.current.reason === fields.reason;
  if (fields.ownerId !== undefined) return lead.ownerId === fields.ownerId;
  return lead.current.dueAt === (fields.dueAt ?? null);
}
