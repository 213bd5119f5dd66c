import { describe, expect, it } from 'vitest';
import { CrmError } from '../../../src/domain/errors.ts';
import { runSync } from '../../../src/pipeline/run-sync.ts';
import type { TossUpUpdate } from '../../../src/ports/lead-sink.ts';
import { ReasonRenderer } from '../../../src/reasons/render-reasons.ts';
import { syncOptions, worldOrg } from './pipeline-kit.ts';
import { connect, counter, insertContact, insertLead, startOrg, T0 } from './sf-kit.ts';

// Write-back through sObject Collections: only changed fields, org picklist values, per-record
// outcomes, whole-request refusals narrowed down, one retry layer, the daily allowance respected.

const update = (
  leadId: string,
  objectType = 'Lead',
  fields: TossUpUpdate['fields'] = { flag: 'yes' },
): TossUpUpdate => ({
  leadId,
  objectType,
  fields,
});

describe('write-back through the pipeline', () => {
  it('writes flag, reason and scores in org values, then a second identical run writes nothing', async () => {
    const { emu, routing } = await worldOrg(80);
    const connector = await connect(emu);
    const options = syncOptions(emu, connector, routing);

    const first = await runSync(options);
    expect(first.status).toBe('completed');
    expect(first.counts.leadsRead).toBe(80);
    expect(first.counts.written).toBe(80);
    const leads = emu.store.all('Lead');
    expect(new Set(leads.map((l) => l.TossUp_Flag__c))).toEqual(new Set(['はい', 'いいえ', '一時保留']));
    for (const l of leads) {
      expect((l.TossUp_Reason__c as string).length).toBeLessThanOrEqual(255);
      expect(l.TossUp_Decision_Key__c).toMatch(/^(tu|t[qx]\d{6}[0-9a-f]{6})_/); // tq/tx: a manual request (quota)
      expect(l.TossUp_Attribute_Score__c).toEqual(expect.any(Number));
    }
    const updates = counter(emu, 'sf.collections.update');
    const upserts = counter(emu, 'sf.collections.upsert');
    expect(updates).toBe(1); // 80 records of both objects in one call
    expect(upserts).toBe(1);

    // Our own writes moved SystemModstamp, but the incremental query leaves out what the integration
    // user modified last: the next run reads nothing. Once a person saves them, it reads them again and
    // finds nothing to change.
    emu.clock.advance(10_000);
    const second = await runSync(options);
    expect(second.status).toBe('completed');
    expect(second.counts.leadsRead).toBe(0);
    expect(second.counts.written).toBe(0);
    for (const object of ['Lead', 'Contact'])
      for (const r of emu.store.all(object)) emu.store.update(object, r.Id as string, {});
    emu.clock.advance(10_000);
    const third = await runSync(options);
    expect(third.counts.leadsRead).toBe(80);
    expect(third.counts.written).toBe(0);
    expect(counter(emu, 'sf.collections.update')).toBe(updates);
    expect(counter(emu, 'sf.collections.upsert')).toBe(upserts);
  });
  it('plans a reason with emoji to the length Salesforce keeps, so a second run writes nothing', async () => {
    // An admin's message with emoji: ~120 code points but ~220 UTF-16 units per reason. Planned by
    // code points, two reasons "fit" 255 and the org kept a cut copy, so every run rewrote them.
    const fire = '🔥'.repeat(100);
    const renderer = new ReasonRenderer('ja', {
      ja: {
        'threshold.met': `${fire}{label} {value} {sym} 基準 {expected}`,
        'threshold.not_met': `${fire}{label} {value} {sym} 基準 {expected}`,
      },
    });
    const { emu, routing } = await worldOrg(30);
    const connector = await connect(emu);
    const options = syncOptions(emu, connector, routing, { renderer });

    const first = await runSync(options);
    expect(first.status).toBe('completed');
    expect(first.counts.written).toBe(30);
    const reasons = emu.store.all('Lead').map((l) => l.TossUp_Reason__c as string);
    expect(reasons.some((r) => r.includes(fire))).toBe(true);
    for (const r of reasons) {
      expect(r.length).toBeLessThanOrEqual(255);
      expect(r).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    }
    const updates = counter(emu, 'sf.collections.update');

    // A person saves every lead (our own writes alone are not read again): read, nothing to rewrite.
    for (const object of ['Lead', 'Contact'])
      for (const r of emu.store.all(object)) emu.store.update(object, r.Id as string, {});
    emu.clock.advance(10_000);
    const second = await runSync(options);
    expect(second.status).toBe('completed');
    expect(second.counts.leadsRead).toBe(30);
    expect(second.counts.written).toBe(0);
    expect(counter(emu, 'sf.collections.update')).toBe(updates);
  });
});

describe('write-back outcomes', () => {
  it('skips records an org validation rule refuses and writes the others', async () => {
    const emu = await startOrg();
    const ids = [0, 1, 2, 3, 4].map((i) => insertLead(emu, T0 + i));
    const refused = new Set([ids[1]!, ids[3]!]);
    emu.store.addValidationRule({
      object: 'Lead',
      name: 'Locked_By_Sales',
      message: '営業がロック中のリードは変更できません',
      when: (rec) => refused.has(rec.Id as string),
    });
    const connector = await connect(emu);

    const outcomes = await connector.sink.writeTossUp(ids.map((id) => update(id)));

    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true, false, true]);
    expect(outcomes[1]).toMatchObject({
      ok: false,
      id: ids[1],
      kind: 'invalid_record',
      code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      message: '営業がロック中のリードは変更できません',
    });
    expect(emu.store.get('Lead', ids[0]!)!.TossUp_Flag__c).toBe('はい');
    expect(emu.store.get('Lead', ids[1]!)!.TossUp_Flag__c).toBeNull();
    expect(counter(emu, 'sf.collections.update')).toBe(1);
  });

  it("writes a new hand-off's first SLA status with its toss-up fields, in the same call", async () => {
    const emu = await startOrg();
    const [a, b] = [0, 1].map((i) => insertLead(emu, T0 + i));
    emu.store.update('Lead', b!, { TossUp_SLA_Status__c: 'met' });
    const connector = await connect(emu);
    expect(connector.sink.writesSlaStatus).toBe(true);
    const outcomes = await connector.sink.writeTossUp([
      { ...update(a!), sla: { status: 'on_track', firstResponseAt: null } },
      update(b!, 'Lead', { flag: 'no' }),
    ]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true]);
    expect(emu.store.get('Lead', a!)).toMatchObject({
      TossUp_Flag__c: 'はい',
      TossUp_SLA_Status__c: 'on_track',
      TossUp_First_Response_At__c: null,
    });
    // Without one, the SLA fields are left as they were.
    expect(emu.store.get('Lead', b!)).toMatchObject({
      TossUp_Flag__c: 'いいえ',
      TossUp_SLA_Status__c: 'met',
    });
    expect(counter(emu, 'sf.collections.update')).toBe(1);
  });

  it('classifies deleted and converted records as invalid_record, per record', async () => {
    const emu = await startOrg();
    const live = insertLead(emu, T0);
    const deleted = insertLead(emu, T0);
    const converted = insertLead(emu, T0);
    emu.store.delete('Lead', deleted);
    emu.store.update('Lead', converted, { IsConverted: true });
    const connector = await connect(emu);

    const outcomes = await connector.sink.writeTossUp([update(live), update(deleted), update(converted)]);

    expect(outcomes.map((o) => (o.ok ? 'ok' : `${o.kind}:${o.code}`))).toEqual([
      'ok',
      'invalid_record:ENTITY_IS_DELETED',
      'invalid_record:CANNOT_UPDATE_CONVERTED_LEAD',
    ]);
  });

  it('narrows a whole-request 400 caused by one record down to that record; the rest are written', async () => {
    const emu = await startOrg();
    const ids = Array.from({ length: 9 }, (_, i) => insertLead(emu, T0 + i));
    const connector = await connect(emu);
    const updates = ids.map((id) => update(id, 'Lead', { flag: 'no', dueAt: '2026-11-21T01:00:00.000Z' }));
    updates[6] = update(ids[6]!, 'Lead', { flag: 'no', dueAt: 'soon' }); // uncoercible: the whole call is refused

    const outcomes = await connector.sink.writeTossUp(updates);

    expect(outcomes.filter((o) => o.ok)).toHaveLength(8);
    expect(outcomes[6]).toMatchObject({ ok: false, kind: 'invalid_record', code: 'JSON_PARSER_ERROR' });
    for (const [i, id] of ids.entries()) {
      expect(emu.store.get('Lead', id)!.TossUp_Flag__c).toBe(i === 6 ? null : 'いいえ');
    }
    // 1 refused call, then halves: ≈ 2·log2(9) calls, not one per record.
    expect(counter(emu, 'sf.collections.update')).toBeLessThanOrEqual(9);
  });

  it('fails only the records that carry a field their object lacks (config), in one extra call', async () => {
    const emu = await startOrg();
    emu.store.schema.removeField('Contact', 'TossUp_Next_Action__c');
    const lead = insertLead(emu, T0);
    const contact = insertContact(emu, T0);
    const contactFlagOnly = insertContact(emu, T0);
    const connector = await connect(emu);

    const outcomes = await connector.sink.writeTossUp([
      update(lead, 'Lead', { flag: 'yes', nextAction: 'field_sales_tossup' }),
      update(contact, 'Contact', { flag: 'yes', nextAction: 'field_sales_tossup' }),
      update(contactFlagOnly, 'Contact', { flag: 'hold' }),
    ]);

    expect(outcomes[0]).toEqual({ ok: true, id: lead });
    expect(outcomes[1]).toMatchObject({ ok: false, kind: 'config', code: 'INVALID_FIELD' });
    expect((outcomes[1] as { message: string }).message).toContain('Contact.TossUp_Next_Action__c');
    expect(outcomes[2]).toEqual({ ok: true, id: contactFlagOnly });
    expect(emu.store.get('Lead', lead)!.TossUp_Next_Action__c).toBe('field_sales_tossup');
    expect(counter(emu, 'sf.collections.update')).toBe(2);
  });

  it('resends records that failed with UNABLE_TO_LOCK_ROW after a backoff', async () => {
    const emu = await startOrg();
    const ids = [0, 1, 2].map((i) => insertLead(emu, T0 + i));
    const locked = {
      success: false,
      errors: [
        {
          statusCode: 'UNABLE_TO_LOCK_ROW',
          message: 'unable to obtain exclusive access to this record',
          fields: [],
        },
      ],
    };
    emu.app.faults.add({
      route: 'sf.collections.update',
      count: 1,
      fault: {
        kind: 'status',
        status: 200,
        body: [{ id: ids[0], success: true, errors: [] }, locked, locked],
      },
    });
    const connector = await connect(emu);

    const outcomes = await connector.sink.writeTossUp(ids.map((id) => update(id)));

    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(counter(emu, 'sf.collections.update')).toBe(2);
    expect(emu.store.get('Lead', ids[2]!)!.TossUp_Flag__c).toBe('はい');
  });

  it('retries a PATCH that failed with 503 (idempotent), and gives up as transient after maxAttempts', async () => {
    const emu = await startOrg();
    const id = insertLead(emu, T0);
    emu.app.faults.add({
      route: 'sf.collections.update',
      count: 2,
      fault: { kind: 'status', status: 503, body: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'down' }] },
    });
    const connector = await connect(emu);
    expect((await connector.sink.writeTossUp([update(id)]))[0]!.ok).toBe(true);
    expect(counter(emu, 'sf.collections.update')).toBe(3);

    emu.app.faults.add({
      route: 'sf.collections.update',
      count: 10,
      fault: { kind: 'status', status: 503, body: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'down' }] },
    });
    const err = await connector.sink
      .writeTossUp([update(id, 'Lead', { flag: 'no' })])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmError);
    expect(err).toMatchObject({ kind: 'transient', code: 'SERVER_UNAVAILABLE' });
    expect(counter(emu, 'sf.collections.update')).toBe(3 + 4);
  });

  it('turns REQUEST_LIMIT_EXCEEDED into quota_exhausted without retrying', async () => {
    const emu = await startOrg({ dailyApiAllowance: 500 });
    const id = insertLead(emu, T0);
    const connector = await connect(emu, { allowanceShare: 1 });
    emu.allowance.setUsed(500, emu.clock.now());

    const err = await connector.sink.writeTossUp([update(id)]).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(CrmError);
    expect(err).toMatchObject({ kind: 'quota_exhausted', code: 'REQUEST_LIMIT_EXCEEDED' });
    expect(counter(emu, 'sf.collections.update')).toBe(1);
  });
});

describe('allowance guard', () => {
  it('stops the run at the configured share of the daily allowance and keeps the cursor for the next run', async () => {
    const { emu, routing } = await worldOrg(60, { dailyApiAllowance: 1_000 });
    const connector = await connect(emu, { allowanceShare: 0.8, pageSize: 10, concurrency: 1 });
    emu.allowance.setUsed(795, emu.clock.now());
    const options = syncOptions(emu, connector, routing, { scope: 'guard' });

    const report = await runSync(options);

    expect(report.status).toBe('stopped');
    expect(report.stop).toMatchObject({
      kind: 'quota_exhausted',
      action: 'resume_later',
      code: 'allowance_guard',
    });
    // Stopped at 80% (800), never past it: the rest of the allowance is left to the org.
    expect(emu.allowance.used(emu.clock.now())).toBe(800);
    expect(report.counts.leadsRead).toBeLessThan(60);
    expect(report.cursor.pagesCommitted).toBeGreaterThanOrEqual(1);

    // Later (the rolling window has freed requests) the run resumes from the stored cursor and finishes.
    emu.allowance.reset();
    emu.clock.advance(1_000);
    const resumed = await runSync(options);
    expect(resumed.status).toBe('completed');
    expect(resumed.cursor.startedFrom).toBe('stored');
    expect(resumed.cursor.start).toEqual(report.cursor.committed);
    expect(
      emu.store
        .all('Lead')
        .concat(emu.store.all('Contact'))
        .every((r) => r.TossUp_Flag__c !== null),
    ).toBe(true);
  });
});
