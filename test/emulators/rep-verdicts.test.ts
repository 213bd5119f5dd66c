import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repActorCrms } from '../../emulators/rep-actor-crms.ts';
import { RepActor } from '../../emulators/shared/rep-actor.ts';
import { type RepVerdictAction, RepVerdicts } from '../../emulators/shared/rep-verdicts.ts';
import { type RunningEmulators, startEmulators } from '../../emulators/start-emulators.ts';
import { SENT_BACK_NOTES } from '../../emulators/world/rep-verdict.ts';
import { executeSync } from '../../src/cli/commands/sync.ts';
import { calendarFor } from '../../src/sla/due-date.ts';
import { defaultSlaConfig } from '../../src/sla/sla-config.ts';
import { quietOutput } from '../support/quiet-output.ts';

/**
 * The emulated reps give verdicts on the toss-ups they answered, in the CRM emulators' stores, as a
 * rep would in the UI: the feedback fields on the Lead/Contact (HubSpot contact), a converted Lead
 * with its opportunity, an opportunity with the contact's role, a deal on the contact. The same world
 * and steps give the same verdicts.
 */

const AT = '2026-12-01T10:00:00+09:00';
const calendar = calendarFor(defaultSlaConfig());
const quiet = quietOutput;

async function world(dir: string) {
  const emu = await startEmulators({ leads: 400, seed: 5, asOf: AT, workDir: join(dir, 'emulate') });
  for (const crm of ['salesforce', 'hubspot'] as const) {
    const env = {
      ...emu.info.env,
      TOSSUP_RULES: 'large',
      TOSSUP_STATE_DIR: join(dir, 'state'),
      TOSSUP_RUNS_DIR: join(dir, 'runs'),
    };
    const r = await executeSync({ crm }, { env, stdout: quiet(), stderr: quiet(), profileFiles: [] });
    expect(r.exitCode).toBe(0);
  }
  return emu;
}

function actorFor(emu: RunningEmulators): RepActor {
  const hours = (a: Date, b: Date) => calendar.businessHoursBetween(a, b);
  const sf = emu.salesforce.seeded!;
  const verdicts = new RepVerdicts({
    world: emu.world,
    businessHoursBetween: hours,
    salesforce: {
      store: emu.salesforce.store,
      people: new Map([...sf.leads, ...sf.contacts]),
      accounts: sf.accounts,
    },
    hubspot: { store: emu.hubspot.store, contacts: emu.hubspot.seedSummary!.ids.contacts },
  });
  return new RepActor({
    world: emu.world,
    businessHoursBetween: hours,
    verdicts,
    ...repActorCrms(emu),
  });
}

/** Four business days in steps of two business hours: reps answer, then judge. */
function run(actor: RepActor): RepVerdictAction[] {
  const out: RepVerdictAction[] = [];
  let t = new Date(AT);
  for (let i = 0; i < 18; i++) {
    t = calendar.addBusinessHours(t, 2);
    actor.act(t.getTime());
    out.push(...actor.judge(t.getTime()));
  }
  return out;
}

let a: RunningEmulators;
let b: RunningEmulators;
let verdictsA: RepVerdictAction[];
let verdictsB: RepVerdictAction[];

beforeAll(async () => {
  a = await world(mkdtempSync(join(tmpdir(), 'rep-verdicts-a-')));
  b = await world(mkdtempSync(join(tmpdir(), 'rep-verdicts-b-')));
  verdictsA = run(actorFor(a));
  verdictsB = run(actorFor(b));
}, 90_000);

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
});

describe('emulated reps give verdicts', () => {
  it('accept, send back and convert a share of their toss-ups on both CRMs, the same on every run', () => {
    expect(verdictsB).toEqual(verdictsA);
    for (const crm of ['salesforce', 'hubspot'] as const) {
      const results = new Set(verdictsA.filter((v) => v.crm === crm).map((v) => v.result));
      expect([...results].sort(), crm).toEqual(['accepted', 'lost', 'opportunity', 'sent_back']);
    }
  });

  it('write the feedback fields on the record, with a reason and a note when sent back', () => {
    const last = new Map<string, RepVerdictAction>();
    for (const v of verdictsA) last.set(`${v.crm}:${v.recordId}`, v);
    for (const v of last.values()) {
      if (v.crm === 'salesforce') {
        const rec =
          a.salesforce.store.get('Lead', v.recordId) ?? a.salesforce.store.get('Contact', v.recordId);
        expect(rec?.TossUp_Result__c, v.recordId).toBe(v.result);
        expect(rec?.TossUp_Sent_Back_Reason__c ?? null).toBe(v.sentBackReason);
        if (v.result === 'sent_back')
          expect(rec?.TossUp_Feedback_Note__c).toBe(SENT_BACK_NOTES[v.sentBackReason!]);
      } else {
        const rec = a.hubspot.store.get('contacts', v.recordId)!;
        expect(rec.props.tossup_result).toBe(v.result);
        expect(rec.props.tossup_sent_back_reason ?? null).toBe(v.sentBackReason);
      }
    }
    // A verdict comes after the answer, an opportunity after the acceptance: never at the same step.
    const byRecord = new Map<string, RepVerdictAction[]>();
    for (const v of verdictsA) byRecord.set(v.recordId, [...(byRecord.get(v.recordId) ?? []), v]);
    for (const list of byRecord.values()) {
      expect(list.length).toBeLessThanOrEqual(2);
      if (list.length === 2) {
        expect(list[0]!.result).toBe('accepted');
        expect(Date.parse(list[1]!.at)).toBeGreaterThan(Date.parse(list[0]!.at));
      }
    }
  });

  it('turn an opportunity into a converted lead with ConvertedOpportunityId, an opportunity with the contact role, or a deal on the contact', () => {
    const opportunities = verdictsA.filter((v) => v.result === 'opportunity');
    const sf = a.salesforce.store;
    let converted = 0;
    let onContact = 0;
    for (const v of opportunities) {
      expect(v.opportunityId).toBeTruthy();
      if (v.crm === 'hubspot') {
        const deals = a.hubspot.store.associationsOf('contacts', v.recordId, 'deals').map((x) => x.to);
        expect(deals).toContain(v.opportunityId);
        expect(Number(a.hubspot.store.get('deals', v.opportunityId!)!.props.amount)).toBeGreaterThan(0);
        continue;
      }
      const opp = sf.get('Opportunity', v.opportunityId!)!;
      expect(opp.Amount).toBeGreaterThan(0);
      if (v.converted) {
        converted++;
        const lead = sf.get('Lead', v.recordId)!;
        expect(lead).toMatchObject({ IsConverted: true, TossUp_Result__c: 'opportunity' });
        expect(String(lead.ConvertedOpportunityId)).toBe(v.opportunityId);
        expect(opp.AccountId).toBe(lead.ConvertedAccountId);
      } else {
        onContact++;
        const roles = sf.all('OpportunityContactRole').filter((r) => r.OpportunityId === v.opportunityId);
        expect(roles.map((r) => r.ContactId)).toEqual([sf.get('Contact', v.recordId)!.Id]);
      }
    }
    // Most toss-ups on Salesforce are Leads (converted); contacts' opportunities get the contact role.
    expect(converted).toBeGreaterThan(0);
    expect(converted + onContact).toBe(opportunities.filter((v) => v.crm === 'salesforce').length);
  });

  it('accept more of the high-quality leads than of the low, and convert more of them', () => {
    const judged = verdictsA.filter((v) => v.result === 'accepted' || v.result === 'sent_back');
    const rate = (band: string) => {
      const of = judged.filter((v) => v.quality === band);
      return of.filter((v) => v.result === 'accepted').length / of.length;
    };
    expect(judged.filter((v) => v.quality === 'low').length).toBeGreaterThan(10);
    expect(rate('high')).toBeGreaterThan(rate('low'));
  });
});
