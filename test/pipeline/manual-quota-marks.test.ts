import { describe, expect, it } from 'vitest';
import { runSync } from '../../src/pipeline/run-sync.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import { MemoryStateStore } from '../../src/state/memory-state-store.ts';
import { fixture, NOW, requestedLead, SF } from './pipeline-fixtures.ts';

/** The quota marks in episode keys (manual-quota.ts): what the CRM's records tell a fresh state. */

const QUOTA_U005 = 'quota|manual_request|005000000000005AAA|2026-11';

async function usedUp() {
  const f = fixture({ pageSize: 20 });
  for (let i = 1; i <= 12; i++) f.crm.put(requestedLead(`R${i}`, SF.u005));
  const report = await runSync(f.options());
  expect(report.byReasonCode['quota.exceeded']).toBe(2);
  return f;
}

describe('manual-request quota marks', () => {
  it('marks toss-ups started by the quota and leads decided over it, per month and requester', async () => {
    const f = await usedUp();
    const keys = [...f.crm.records.values()].map((l) => [l.current.flag, l.current.decisionKey]);
    expect(keys.filter(([flag]) => flag === 'yes').map(([, k]) => k)).toEqual(
      Array(10).fill(expect.stringMatching(/^tq202611[0-9a-f]{6}_[\w-]{29}\.[ynh]$/)),
    );
    expect(keys.filter(([flag]) => flag === 'no').map(([, k]) => k)).toEqual(
      Array(2).fill(expect.stringMatching(/^tx202611[0-9a-f]{6}_[\w-]{29}\.[ynh]$/)),
    );
  });

  it('a fresh state learns the month count from the CRM; a dry run learns without writing', async () => {
    const f = await usedUp();
    const fresh = new MemoryStateStore({ clock: fixedClock(NOW) });
    f.crm.put(requestedLead('N1', SF.u005)); // a new request by the same rep, read after the others
    const planned = new Map<string, string | undefined>();
    await runSync(
      f.options({
        state: fresh,
        dryRun: true,
        onLead: (o) => {
          planned.set(o.leadId, o.decision?.flag);
        },
      }),
    );
    expect(planned.get('N1')).toBe('no');
    expect([...planned].filter(([, flag]) => flag === 'yes')).toHaveLength(10);
    expect(await fresh.counted(QUOTA_U005)).toEqual([]);

    const real = await runSync(f.options({ state: fresh }));
    expect(real.counts.tasksCreated).toBe(0);
    expect(f.crm.lead('N1').current.flag).toBe('no');
    expect(await fresh.counted(QUOTA_U005)).toHaveLength(10);
  });

  it('a lead over one rep’s quota is tossed up when another rep with slots left requests it', async () => {
    const f = await usedUp();
    const stuck = f.crm.lead('R11');
    expect(stuck.current.flag).toBe('no');
    f.crm.put({ ...stuck, manualRequest: { requestedBy: SF.u001, at: NOW } });
    await runSync(f.options({ state: new MemoryStateStore({ clock: fixedClock(NOW) }) }));
    expect(f.crm.lead('R11').current).toMatchObject({ flag: 'yes', nextAction: 'field_sales_tossup' });
  });
});
