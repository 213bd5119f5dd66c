import { describe, expect, it } from 'vitest';
import { CHANGED_SINCE_READ } from '../../../connectors/salesforce/sink.ts';
import { allowanceCalls } from '../../../connectors/salesforce/usage-meter.ts';
import { cursorKey, runSync } from '../../../src/pipeline/run-sync.ts';
import type { SlaFieldUpdate } from '../../../src/ports/episode-crm.ts';
import type { LeadLookup } from '../../../src/ports/lead-lookup.ts';
import type { TossUpUpdate } from '../../../src/ports/lead-sink.ts';
import type { LeadPage, ReadOptions } from '../../../src/ports/lead-source.ts';
import { guardUnsyncedChanges } from '../../../src/sweep/guard-unsynced-changes.ts';
import { syncOptions, worldOrg } from './pipeline-kit.ts';
import { connect, counter } from './sf-kit.ts';

// Our own writes never echo (BEHAVIOR.md "No echo"): incremental runs leave out records the integration
// user modified last, and a record someone else changes between our read and our write is not
// written (our write would hide their change from the exclusion), so the next run decides it again.

async function incrementalOrg(people: number) {
  const { emu, routing } = await worldOrg(people);
  const connector = await connect(emu);
  const options = syncOptions(emu, connector, routing);
  // An incremental run over the whole seeded org (a backfill reads everything, ours included).
  await options.state.putCursor(
    cursorKey('salesforce', 'default'),
    { modifiedAt: new Date(0).toISOString(), idsAtModifiedAt: [] },
    null,
  );
  return { emu, connector, options };
}

describe('Salesforce: no echo of our own writes', () => {
  it('the run after a run that wrote N records reads only what others changed', async () => {
    const { emu, connector, options } = await incrementalOrg(60);
    const first = await runSync(options);
    expect(first.status).toBe('completed');
    expect(first.counts.written).toBe(60);
    const ourUser = emu.store.integrationUserId;
    expect(emu.store.all('Lead').every((l) => l.LastModifiedById === ourUser)).toBe(true);

    // Nobody else changed anything: nothing is read, nothing written.
    emu.clock.advance(10_000);
    const callsBefore = allowanceCalls(connector.usage().calls);
    const updatesBefore = counter(emu, 'sf.collections.update');
    const second = await runSync(options);
    expect(second.counts.leadsRead).toBe(0);
    // Page one of the Lead, Contact and response-trigger streams in one Composite call, and the
    // Account-trigger query.
    expect(allowanceCalls(connector.usage().calls) - callsBefore).toBe(2);
    expect(counter(emu, 'sf.composite')).toBeGreaterThanOrEqual(1);
    expect(counter(emu, 'sf.collections.update')).toBe(updatesBefore);

    // A person edits two of them, in a field no rule reads: exactly those two are read, decided again
    // and left alone — no write, no task (the plan finds nothing that differs).
    const [a, b] = emu.store.all('Lead');
    emu.store.update('Lead', a!.Id as string, { Description: '展示会で名刺交換' });
    emu.store.update('Lead', b!.Id as string, {});
    emu.clock.advance(10_000);
    const third = await runSync(options);
    expect(third.counts.leadsRead).toBe(2);
    expect(third.counts.written).toBe(0);
    expect(third.counts.tasksCreated).toBe(0);
    expect(counter(emu, 'sf.collections.update')).toBe(updatesBefore);
  });

  it('a lead someone edits between our read and our write is not written, and the next run decides it', async () => {
    const { emu, connector, options } = await incrementalOrg(30);
    const victim = emu.store.all('Lead')[0]!.Id as string;
    const otherUser = emu.store.defaultActorId;
    // The edit lands after the run read the lead and before its fields are written.
    const write = connector.sink.writeTossUp.bind(connector.sink);
    let raced = false;
    const codes = new Map<string, string>();
    connector.sink.writeTossUp = async (updates: readonly TossUpUpdate[]) => {
      if (!raced && updates.some((u) => u.leadId === victim)) {
        raced = true;
        emu.clock.advance(1_000);
        emu.store.update('Lead', victim, { Title: 'CEO' }, { userId: otherUser });
      }
      const outcomes = await write(updates);
      for (const o of outcomes) codes.set(o.id, o.ok ? 'ok' : o.code);
      return outcomes;
    };

    const first = await runSync(options);
    expect(first.status).toBe('completed');
    expect(raced).toBe(true);
    expect(codes.get(victim)).toBe(CHANGED_SINCE_READ);
    expect([...codes.values()].filter((c) => c === 'ok')).toHaveLength(29);
    const after = emu.store.get('Lead', victim)!;
    expect(after.LastModifiedById).toBe(otherUser); // their change is still the last one
    expect(after.TossUp_Flag__c).toBeNull();

    // The next run reads the edited lead (and only it) and writes its decision on what it holds now.
    emu.clock.advance(10_000);
    connector.sink.writeTossUp = write;
    const updatesBefore = counter(emu, 'sf.collections.update');
    const second = await runSync(options);
    // Besides the edited lead, a person of ours with a campaign response newer than the first run's
    // cursor may be re-read (the trigger cannot tell whether our read saw it): read, never rewritten.
    expect(second.counts.written).toBe(1);
    expect(counter(emu, 'sf.collections.update')).toBe(updatesBefore + 1);
    expect(emu.store.get('Lead', victim)!.TossUp_Flag__c).not.toBeNull();
  });

  it('the worker path (read by id, then write) does not overwrite a lead someone edited in between', async () => {
    const { emu, connector } = await incrementalOrg(5);
    const [a, b] = emu.store.all('Lead').map((l) => l.Id as string);
    const lookup = connector.source as unknown as LeadLookup;
    const leads = await lookup.readByIds([a!, b!]);
    expect(leads).toHaveLength(2);
    emu.clock.advance(3_000);
    emu.store.update('Lead', a!, { Title: 'CEO' });
    const outcomes = await connector.sink.writeTossUp(
      [a!, b!].map((id) => ({ leadId: id, objectType: 'Lead', fields: { flag: 'yes' as const } })),
    );
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.code))).toEqual([CHANGED_SINCE_READ, 'ok']);
    expect(emu.store.get('Lead', a!)!.LastModifiedById).toBe(emu.store.defaultActorId);
  });

  it('an explicit --since reads our own last writes too (re-deciding everything since then)', async () => {
    const { emu, options } = await incrementalOrg(20);
    const first = await runSync(options);
    emu.clock.advance(10_000);
    const quiet = await runSync(options);
    expect(quiet.counts.leadsRead).toBe(0);
    const again = await runSync({ ...options, since: new Date(0).toISOString() });
    expect(again.counts.leadsRead).toBe(first.counts.leadsRead);
    expect(again.counts.written).toBe(0);
  });

  it('a new campaign response of a lead we wrote last still brings it back', async () => {
    const { emu, options } = await incrementalOrg(20);
    await runSync(options);
    const lead = emu.store.all('Lead')[0]!.Id as string;
    const campaign = emu.store.insert('Campaign', { Name: 'ウェビナー', Type: 'Webinar' });
    emu.clock.advance(5_000);
    emu.store.insert('CampaignMember', {
      CampaignId: campaign,
      LeadId: lead,
      Status: 'Responded',
      FirstRespondedDate: new Date(emu.clock.now()).toISOString().slice(0, 10),
    });
    emu.clock.advance(10_000);
    const second = await runSync(options);
    expect(second.counts.leadsRead).toBe(1);
  });

  it("a person's edit between a sync's read and a sweep write is not hidden from the next sync", async () => {
    const { emu, connector, options } = await incrementalOrg(12);
    const first = await runSync(options);
    expect(first.counts.written).toBe(12);
    const [victim, quiet, unguarded] = emu.store.all('Lead').map((l) => l.Id as string);
    const person = emu.store.defaultActorId;
    // The leads the next sync reads, by id.
    const readIds: string[] = [];
    const readChanges = connector.source.readChanges.bind(connector.source);
    connector.source.readChanges = async function* (o: ReadOptions): AsyncIterable<LeadPage> {
      for await (const page of readChanges(o)) {
        readIds.push(...page.leads.map((l) => l.id));
        yield page;
      }
    };
    const sla = (leadId: string): SlaFieldUpdate => ({
      leadId,
      objectType: 'Lead',
      status: 'overdue',
      firstResponseAt: null,
    });

    // A rep's edits land after the sync read the leads, before the sweep writes their SLA fields.
    emu.clock.advance(5_000);
    emu.store.update('Lead', victim!, { Description: '折り返し希望' }, { userId: person });
    emu.store.update('Lead', unguarded!, { Description: '折り返し希望' }, { userId: person });
    emu.clock.advance(1_000);
    // What the sweep did before the guard: its write makes us the last modifier of the edited lead…
    const [plain] = await connector.episodes.writeSlaFields([sla(unguarded!)]);
    expect(plain!.ok).toBe(true);
    expect(emu.store.get('Lead', unguarded!)!.LastModifiedById).toBe(emu.store.integrationUserId);
    // …and the guarded sweep (`tossup sweep` and the Lambda sweep hand the sync's cursor over first).
    await guardUnsyncedChanges(connector, options.state, 'default');
    const outcomes = await connector.episodes.writeSlaFields([sla(victim!), sla(quiet!)]);
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.code))).toEqual([CHANGED_SINCE_READ, 'ok']);
    expect(emu.store.get('Lead', victim!)!.LastModifiedById).toBe(person);
    expect(emu.store.get('Lead', victim!)!.TossUp_SLA_Status__c).not.toBe('overdue');
    expect(emu.store.get('Lead', quiet!)!.TossUp_SLA_Status__c).toBe('overdue');

    emu.clock.advance(10_000);
    await runSync(options);
    // The guarded lead's edit reaches the next sync; the unguarded one's is hidden from it for good.
    expect(readIds).toContain(victim);
    expect(readIds).not.toContain(unguarded);
    expect(readIds).not.toContain(quiet);

    // Once that sync has read it, the sweep's write goes through.
    await guardUnsyncedChanges(connector, options.state, 'default');
    const [later] = await connector.episodes.writeSlaFields([sla(victim!)]);
    expect(later!.ok).toBe(true);
  });

  it('the opportunity flag and a reassignment are guarded the same way', async () => {
    const { emu, connector, options } = await incrementalOrg(6);
    await runSync(options);
    const [a, b] = emu.store.all('Lead').map((l) => l.Id as string);
    emu.clock.advance(5_000);
    emu.store.update('Lead', a!, { Title: 'CEO' }, { userId: emu.store.defaultActorId });
    emu.store.update('Lead', b!, { Title: 'CEO' }, { userId: emu.store.defaultActorId });
    emu.clock.advance(1_000);
    await guardUnsyncedChanges(connector, options.state, 'default');
    const owner = String(emu.store.get('Lead', a!)!.OwnerId);
    const moved = await connector.episodes.reassign([{ leadId: a!, objectType: 'Lead', ownerId: owner }]);
    const flagged = await connector.opportunities.writeFlags([
      { id: b!, objectType: 'Lead', at: new Date(emu.clock.now()).toISOString(), date: '2026-11-20' },
    ]);
    expect([...moved, ...flagged].map((o) => (o.ok ? 'ok' : o.code))).toEqual([
      CHANGED_SINCE_READ,
      CHANGED_SINCE_READ,
    ]);
  });
});
