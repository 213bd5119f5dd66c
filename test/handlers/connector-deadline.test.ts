import { describe, expect, it } from 'vitest';
import { CrmError } from '../../src/domain/errors.ts';
import { type Deadline, invocationDeadline, runWithDeadline } from '../../src/ports/deadline.ts';
import { leadLookupOf } from '../../src/ports/lead-lookup.ts';
import {
  connect as connectHubspot,
  seedContacts,
  startPortal,
  T0,
  TEN_SECONDLY,
} from '../connectors/hubspot/harness.ts';
import {
  connect as connectSalesforce,
  insertLead,
  T0 as SF_T0,
  startOrg,
} from '../connectors/salesforce/sf-kit.ts';

/**
 * The connectors under a Lambda invocation's deadline (issue 10 defect 5): the real connectors over
 * HTTP to the emulators, with their default 60 s request timeout (the worker's own timeout). A call
 * that hangs, a Retry-After and a backoff must all end before the deadline, as a transient or
 * rate-limited failure the worker reports as a batch item failure; none may outlive the invocation.
 */
/** An invocation with `ms` real milliseconds left, and its deadline for CRM calls (1.5 s kept back). */
const invocation = (ms: number): Deadline & { endsAt: number } => {
  const endsAt = Date.now() + ms;
  return { endsAt, ...invocationDeadline({ getRemainingTimeInMillis: () => endsAt - Date.now() }, 1_500) };
};

const settle = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ value, error: undefined, at: Date.now() }),
    (error: unknown) => ({ value: undefined, error, at: Date.now() }),
  );

describe('HubSpot connector under a deadline', () => {
  const update = (id: string) => [{ leadId: id, objectType: 'contact', fields: { flag: 'yes' as const } }];

  it('cuts a hung call off before the deadline: the write fails as transient, in time', async () => {
    const hs = await startPortal();
    const [id] = seedContacts(hs.store, 1, (i) => T0 + i);
    hs.app.faults.add({ route: 'hs.contacts.batch.update', count: 1, fault: { kind: 'timeout' } });
    const connector = await connectHubspot(hs);
    const deadline = invocation(4_000);
    const r = await settle(runWithDeadline(deadline, () => connector.sink.writeTossUp(update(id!))));
    expect(r.at).toBeLessThan(deadline.endsAt); // before the invocation would have been killed
    const [outcome] = r.value ?? [];
    expect(r.error ?? outcome).toMatchObject(
      r.error ? { kind: 'transient' } : { ok: false, kind: 'transient' },
    );
    expect(hs.app.faults.fired()).toEqual([1]);
  }, 15_000);

  it('does not wait out a Retry-After longer than the time left: rate_limited at once, with the wait', async () => {
    const hs = await startPortal();
    const [id] = seedContacts(hs.store, 1, (i) => T0 + i);
    hs.app.faults.add({
      route: 'hs.contacts.batch.update',
      fault: { kind: 'status', status: 429, body: TEN_SECONDLY, headers: { 'retry-after': '30' } },
    });
    const connector = await connectHubspot(hs);
    const deadline = invocation(6_500);
    const r = await settle(runWithDeadline(deadline, () => connector.sink.writeTossUp(update(id!))));
    expect(r.at).toBeLessThan(deadline.endsAt); // before the invocation would have been killed
    expect(hs.app.faults.fired()).toEqual([1]);
    const failure = (r.error ?? r.value?.[0]) as { kind: string };
    expect(failure.kind).toBe('rate_limited');
  }, 15_000);
});

describe('Salesforce connector under a deadline', () => {
  it('cuts a hung call off before the deadline (the 60 s request timeout is not waited for)', async () => {
    const emu = await startOrg();
    const id = insertLead(emu, SF_T0);
    emu.app.faults.add({ route: 'sf.query', count: 1, fault: { kind: 'timeout' } });
    const connector = await connectSalesforce(emu);
    const deadline = invocation(4_000);
    const r = await settle(runWithDeadline(deadline, () => leadLookupOf(connector)!.readByIds([id])));
    expect(r.at).toBeLessThan(deadline.endsAt); // before the invocation would have been killed
    expect(r.error).toBeInstanceOf(CrmError);
    expect((r.error as CrmError).kind).toBe('transient');
    expect(emu.app.faults.fired()).toEqual([1]);
  }, 15_000);

  it('waits between per-record retries (UNABLE_TO_LOCK_ROW) only as long as the deadline allows', async () => {
    const emu = await startOrg();
    const ids = [0, 1].map((i) => insertLead(emu, SF_T0 + i));
    const locked = {
      success: false,
      errors: [
        { statusCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access', fields: [] },
      ],
    };
    emu.app.faults.add({
      route: 'sf.collections.update',
      count: 1,
      fault: { kind: 'status', status: 200, body: [{ id: ids[0], success: true, errors: [] }, locked] },
    });
    const sleeps: number[] = [];
    const connector = await connectSalesforce(
      emu,
      { retry: { maxAttempts: 4, baseDelayMs: 20_000, maxDelayMs: 20_000 } },
      { sleep: async (ms) => void sleeps.push(ms), random: () => 0.9 },
    );
    const deadline = invocation(11_500); // 10 s to the deadline; the backoff drawn is 18 s
    const outcomes = await runWithDeadline(deadline, () =>
      connector.sink.writeTossUp(
        ids.map((id) => ({ leadId: id, objectType: 'Lead', fields: { flag: 'yes' as const } })),
      ),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeLessThanOrEqual(9_000);
    expect(sleeps[0]).toBeGreaterThan(5_000); // shortened, not skipped
  });

  it('makes no retry whose backoff would run past the deadline, and starts no call without time for it', async () => {
    const emu = await startOrg();
    const id = insertLead(emu, SF_T0);
    emu.app.faults.add({ route: 'sf.query', fault: { kind: 'status', status: 503 } });
    const sleeps: number[] = [];
    const connector = await connectSalesforce(
      emu,
      { retry: { maxAttempts: 4, baseDelayMs: 20_000, maxDelayMs: 20_000 } },
      { sleep: async (ms) => void sleeps.push(ms), random: () => 0.9 },
    );
    const r = await settle(
      runWithDeadline(invocation(11_500), () => leadLookupOf(connector)!.readByIds([id])),
    );
    expect((r.error as CrmError).kind).toBe('transient');
    expect(emu.app.faults.fired()).toEqual([1]); // one attempt: an 18 s backoff does not fit in 10 s
    expect(sleeps).toEqual([]);

    emu.app.faults.clear();
    const spent = await settle(
      runWithDeadline(invocation(2_000), () => leadLookupOf(connector)!.readByIds([id])),
    );
    expect(spent.error).toMatchObject({ kind: 'transient', code: 'invocation_deadline' });
  });
});
