import { describe, expect, it } from 'vitest';
import type { HubspotEmulator } from '../../../emulators/hubspot/index.ts';
import type { EmuRequest } from '../../../emulators/shared/http-app.ts';
import type { TossUpUpdate } from '../../../src/ports/lead-sink.ts';
import { connect, seedContacts, startPortal, T0 } from './harness.ts';

/** Toss-up write-back: only the given fields, option values mapped, per-record outcomes. */

const update = (leadId: string, fields: TossUpUpdate['fields']): TossUpUpdate => ({
  leadId,
  objectType: 'contact',
  fields,
});

/**
 * A portal-side validation rule (HubSpot lets admins restrict property values): reasons longer
 * than `max` characters are refused. HubSpot validates a whole batch first, so one such reason
 * fails the whole batch with a 400 and nothing is written.
 */
function reasonLengthRule(hs: HubspotEmulator, max: number): { refusedBatches: number } {
  const seen = { refusedBatches: 0 };
  hs.app.guard((req: EmuRequest) => {
    if (req.route !== 'hs.contacts.batch.update') return undefined;
    const body = JSON.parse(req.body.toString('utf8')) as {
      inputs: { properties: Record<string, string> }[];
    };
    const bad = body.inputs
      .map((i) => i.properties.tossup_reason)
      .filter((r) => r !== undefined && r.length > max);
    if (bad.length === 0) return undefined;
    seen.refusedBatches += 1;
    const issues = bad.map((r) => ({
      isValid: false,
      message: `${r} is longer than the ${max} characters allowed`,
      error: 'INVALID_STRING_LENGTH',
      name: 'tossup_reason',
      localizedErrorMessage: 'too long',
    }));
    return {
      status: 400,
      body: {
        status: 'error',
        message: `Property values were not valid: ${JSON.stringify(issues)}`,
        correlationId: 'test',
        category: 'VALIDATION_ERROR',
        errors: issues.map((i) => ({
          message: i.message,
          code: i.error,
          context: { propertyName: [i.name] },
        })),
      },
    };
  });
  return seen;
}

describe('HubSpot sink: toss-up fields', () => {
  it('writes only the given fields, with the portal option values, and moves nothing else', async () => {
    const hs = await startPortal();
    const [a, b] = seedContacts(hs.store, 2, (i) => T0 + i);
    hs.store.update(
      'contacts',
      b!,
      { tossup_reason: '前回の理由', tossup_attribute_score: '40' },
      { system: true },
    );
    const connector = await connect(hs);
    const outcomes = await connector.sink.writeTossUp([
      update(a!, {
        flag: 'hold',
        nextAction: 'notify_is_sales_planning',
        reason: '戦略ターゲット',
        attributeScore: 72,
        behaviourScore: 12.5,
        dueAt: '2025-04-03T09:00:00+09:00',
        decisionKey: 'k-a',
      }),
      update(b!, { flag: 'yes' }),
    ]);
    expect(outcomes).toEqual([
      { ok: true, id: a },
      { ok: true, id: b },
    ]);
    expect(hs.store.get('contacts', a!)!.props).toMatchObject({
      tossup_flag: 'hold',
      tossup_next_action: 'notify_is_sales_planning',
      tossup_reason: '戦略ターゲット',
      tossup_attribute_score: '72',
      tossup_behaviour_score: '12.5',
      tossup_due_at: '2025-04-03T00:00:00.000Z',
      tossup_decision_key: 'k-a',
    });
    // b: only the flag; its other toss-up values are untouched.
    expect(hs.store.get('contacts', b!)!.props).toMatchObject({
      tossup_flag: 'yes',
      tossup_reason: '前回の理由',
      tossup_attribute_score: '40',
    });
    expect(connector.usage().calls).toEqual({ 'contacts.batch.update': 1 });
    // Read back, the portal's values come back as ours.
    let lead: unknown;
    for await (const page of connector.source.readChanges({ since: null }))
      lead ??= page.leads.find((l) => l.id === a);
    expect((lead as { current: unknown }).current).toEqual({
      flag: 'hold',
      reason: '戦略ターゲット',
      nextAction: 'notify_is_sales_planning',
      attributeScore: 72,
      behaviourScore: 12.5,
      dueAt: '2025-04-03T00:00:00.000Z',
      decisionKey: 'k-a',
      // No override; an API write leaves the contact's last editor as it was (none here).
      override: { flag: null, modifiedBy: null, modifiedAt: expect.any(String) },
    });
  });

  it("writes a new hand-off's first SLA status with its toss-up fields, in the same call", async () => {
    const hs = await startPortal();
    const [a, b] = seedContacts(hs.store, 2, (i) => T0 + i);
    hs.store.update('contacts', b!, { tossup_sla_status: 'met' }, { system: true });
    const connector = await connect(hs);
    expect(connector.sink.writesSlaStatus).toBe(true);
    const outcomes = await connector.sink.writeTossUp([
      {
        ...update(a!, { flag: 'yes', decisionKey: 'k-a' }),
        sla: { status: 'on_track', firstResponseAt: null },
      },
      update(b!, { flag: 'no' }),
    ]);
    expect(outcomes).toEqual([
      { ok: true, id: a },
      { ok: true, id: b },
    ]);
    const props = hs.store.get('contacts', a!)!.props;
    expect(props).toMatchObject({ tossup_flag: 'yes', tossup_sla_status: 'on_track' });
    expect(props.tossup_first_response_at ?? '').toBe(''); // "" clears it: no response yet
    // Without one, the SLA fields are left as they were.
    expect(hs.store.get('contacts', b!)!.props).toMatchObject({
      tossup_flag: 'no',
      tossup_sla_status: 'met',
    });
    expect(connector.usage().calls).toEqual({ 'contacts.batch.update': 1 });
  });

  it('clears the due date with null, truncates the reason to the mapped length, sends 100 per call', async () => {
    const hs = await startPortal();
    const ids = seedContacts(hs.store, 250, (i) => T0 + i);
    hs.store.update('contacts', ids[0]!, { tossup_due_at: '2025-04-05T00:00:00Z' }, { system: true });
    const connector = await connect(hs);
    const long = 'あ'.repeat(400);
    const outcomes = await connector.sink.writeTossUp(
      ids.map((id, i) => update(id, i === 0 ? { dueAt: null, reason: long } : { flag: 'no' })),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const first = hs.store.get('contacts', ids[0]!)!.props;
    expect(first.tossup_due_at).toBeUndefined();
    expect(Array.from(first.tossup_reason!)).toHaveLength(255);
    expect(first.tossup_reason!.endsWith('…')).toBe(true);
    expect(connector.usage().calls).toEqual({ 'contacts.batch.update': 3 });
    expect(connector.usage().minimum).toBe(3);
  });

  it('turns a 207 into per-record outcomes and writes the valid records', async () => {
    const hs = await startPortal();
    const ids = seedContacts(hs.store, 5, (i) => T0 + i);
    hs.store.archive('contacts', ids[1]!);
    const connector = await connect(hs);
    const outcomes = await connector.sink.writeTossUp([
      ...ids.map((id) => update(id, { flag: 'yes' })),
      update('99999999', { flag: 'yes' }),
    ]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true, true, true, false]);
    expect(outcomes[1]).toMatchObject({
      ok: false,
      id: ids[1],
      kind: 'invalid_record',
      code: 'object_not_found',
    });
    expect(outcomes[5]).toMatchObject({ ok: false, id: '99999999', kind: 'invalid_record' });
    for (const i of [0, 2, 3, 4]) expect(hs.store.get('contacts', ids[i]!)!.props.tossup_flag).toBe('yes');
    expect(connector.usage().calls['contacts.batch.update']).toBe(1);
  });

  it('isolates the one bad input of a whole-batch 400 and writes the other 99', async () => {
    const hs = await startPortal();
    const ids = seedContacts(hs.store, 100, (i) => T0 + i);
    const rule = reasonLengthRule(hs, 50);
    const connector = await connect(hs);
    const bad = ids[37]!;
    const outcomes = await connector.sink.writeTossUp(
      ids.map((id) => update(id, { flag: 'yes', reason: id === bad ? 'x'.repeat(80) : '属性スコア達成' })),
    );
    const failures = outcomes.filter((o) => !o.ok);
    expect(failures).toEqual([
      expect.objectContaining({ ok: false, id: bad, kind: 'invalid_record', code: 'invalid_string_length' }),
    ]);
    for (const id of ids) {
      expect(hs.store.get('contacts', id)!.props.tossup_flag).toBe(id === bad ? undefined : 'yes');
    }
    // The answer named the value: the other 99 went again in one call, the suspect alone.
    expect(rule.refusedBatches).toBe(2);
    expect(connector.usage().calls['contacts.batch.update']).toBe(3);
  });

  it('halves a refused batch when the answer does not quote the bad value', async () => {
    const hs = await startPortal();
    const ids = seedContacts(hs.store, 64, (i) => T0 + i);
    // Every input sets the named property and the message quotes no value: no suspect stands out.
    hs.app.guard((req: EmuRequest) => {
      if (req.route !== 'hs.contacts.batch.update' || !req.body.toString('utf8').includes('"BAD"'))
        return undefined;
      const issue = {
        message: 'value refused by a validation rule',
        code: 'INVALID_STRING',
        context: { propertyName: ['tossup_decision_key'] },
      };
      return {
        status: 400,
        body: {
          status: 'error',
          message: 'Property values were not valid',
          correlationId: 't',
          category: 'VALIDATION_ERROR',
          errors: [issue],
        },
      };
    });
    const connector = await connect(hs);
    const outcomes = await connector.sink.writeTossUp(
      ids.map((id, i) => update(id, { decisionKey: i === 9 ? 'BAD' : `k${i}` })),
    );
    expect(outcomes.filter((o) => !o.ok)).toEqual([
      expect.objectContaining({ id: ids[9], kind: 'invalid_record' }),
    ]);
    for (const [i, id] of ids.entries()) {
      expect(hs.store.get('contacts', id)!.props.tossup_decision_key).toBe(i === 9 ? undefined : `k${i}`);
    }
    // 64 → 32 → 16 → 8 → 4 → 2 → 1: one refused and one accepted call per level, plus the first.
    expect(connector.usage().calls['contacts.batch.update']).toBe(13);
  });

  it('stops the run when a whole batch is refused for something that is not a record value', async () => {
    const hs = await startPortal();
    const ids = seedContacts(hs.store, 4, (i) => T0 + i);
    hs.app.faults.add({
      route: 'hs.contacts.batch.update',
      count: 1,
      fault: {
        kind: 'status',
        status: 400,
        body: {
          status: 'error',
          message: 'Invalid input JSON',
          correlationId: 't',
          category: 'VALIDATION_ERROR',
        },
      },
    });
    const connector = await connect(hs);
    await expect(
      connector.sink.writeTossUp(ids.map((id) => update(id, { flag: 'no' }))),
    ).rejects.toMatchObject({
      name: 'CrmError',
      kind: 'config',
      code: 'bad_request',
    });
  });

  it('stops the run with a config error when the mapping writes a property the portal lacks', async () => {
    const hs = await startPortal({ withCustomProperties: 'inputs-only' });
    const ids = seedContacts(hs.store, 3, (i) => T0 + i);
    const connector = await connect(hs);
    await expect(
      connector.sink.writeTossUp(ids.map((id) => update(id, { flag: 'yes' }))),
    ).rejects.toMatchObject({
      name: 'CrmError',
      kind: 'config',
      code: 'property_doesnt_exist',
    });
  });

  it('checks owners before sending: a user id becomes its owner id, an unknown id fails alone', async () => {
    const hs = await startPortal();
    const ids = seedContacts(hs.store, 3, (i) => T0 + i);
    const owner = hs.store.owners.add({ email: 'rep@seller.example', firstName: '花子', lastName: '佐藤' });
    const connector = await connect(hs);
    const outcomes = await connector.sink.writeTossUp([
      update(ids[0]!, { ownerId: owner.id, flag: 'yes' }),
      update(ids[1]!, { ownerId: String(owner.userId), flag: 'yes' }),
      update(ids[2]!, { ownerId: '123', flag: 'yes' }),
    ]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, false]);
    expect(outcomes[2]).toMatchObject({ kind: 'invalid_record', code: 'invalid_owner' });
    expect(hs.store.get('contacts', ids[0]!)!.props.hubspot_owner_id).toBe(owner.id);
    expect(hs.store.get('contacts', ids[1]!)!.props.hubspot_owner_id).toBe(owner.id);
    expect(hs.store.get('contacts', ids[2]!)!.props.tossup_flag).toBeUndefined();
    expect(connector.usage().calls).toEqual({ 'owners.list': 1, 'contacts.batch.update': 1 });
  });
});
