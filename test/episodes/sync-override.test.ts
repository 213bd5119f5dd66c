import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isOnHold } from '../../src/episodes/episode.ts';
import { isOverrideReason } from '../../src/reasons/override-reason.ts';
import { CRMS, type Crm, type CrmUnderTest, FaultLab } from '../faults/lab.ts';
import { episodesOf, sync, tasksOf, tossUpOf } from './crm-episodes-kit.ts';

/**
 * Issue 14, "Must show" (the override part), on both emulated CRMs through `tossup sync` (real
 * jsforce / @hubspot/api-client over HTTP, file state and episode stores): a person's flag change
 * survives ten runs and creates no task, and clearing it returns the lead to the rules; the explicit
 * override field does the same.
 */

const workDir = mkdtempSync(join(tmpdir(), 'tossup-sync-override-'));
const lab = new FaultLab({ leads: 80, seed: 14, workDir });
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** The CRM's own option values of the flag (Salesforce picklist labels-as-values, HubSpot codes). */
const FLAG: Record<Crm, Record<'yes' | 'no' | 'hold', string>> = {
  salesforce: { yes: 'はい', no: 'いいえ', hold: '一時保留' },
  hubspot: { yes: 'yes', no: 'no', hold: 'hold' },
};
/** A HubSpot user id (not an owner id) for the person's edit. */
const HUBSPOT_USER = 7001;

/** A person edits `values` on the lead/contact in the CRM UI, as `userId` (Salesforce) or HUBSPOT_USER. */
function personEdits(
  cut: CrmUnderTest,
  lead: { objectType: string; leadId: string },
  values: { flag?: string | null; override?: string | null },
  sfUserId: string,
): void {
  if (cut.handle.kind === 'salesforce') {
    const fields: Record<string, unknown> = {};
    if (values.flag !== undefined) fields.TossUp_Flag__c = values.flag;
    if (values.override !== undefined) fields.TossUp_Override__c = values.override;
    cut.handle.emulator.store.update(lead.objectType, lead.leadId, fields, { userId: sfUserId });
    return;
  }
  const props: Record<string, string> = {};
  if (values.flag !== undefined) props.tossup_flag = values.flag ?? '';
  if (values.override !== undefined) props.tossup_override = values.override ?? '';
  cut.handle.emulator.store.update('contacts', lead.leadId, props, { userId: HUBSPOT_USER });
}

/** A lead the rules said no to, as the CRM shows it after the first sync. */
function aNoLead(cut: CrmUnderTest, crm: Crm): { objectType: string; leadId: string } {
  if (cut.handle.kind === 'salesforce') {
    const rec = cut.handle.emulator.store.all('Lead').find((r) => r.TossUp_Flag__c === FLAG[crm].no)!;
    return { objectType: 'Lead', leadId: String(rec.Id) };
  }
  const c = cut.handle.emulator.store.list('contacts').find((r) => r.props.tossup_flag === FLAG[crm].no)!;
  return { objectType: 'contact', leadId: c.id };
}

describe.each(CRMS)('%s: tossup sync and human overrides', (crm: Crm) => {
  it('a flag a person changed survives ten runs with no task; setting it back resumes the same episode', async () => {
    const cut = await lab.start(crm, 'override-flag');
    try {
      const first = await sync(cut);
      expect(first.code, first.output).toBe(0);
      const tasks = tasksOf(cut).length;
      const ep = [...episodesOf(cut).values()]
        .map((s) => s.episode)
        .find((e) => e.nextAction === 'field_sales_tossup')!;
      expect(ep).toBeDefined();
      const before = tossUpOf(cut, ep.leadId);
      expect(before.flag).toBe(FLAG[crm].yes);
      const sfUser = ep.owner.id;

      personEdits(cut, ep, { flag: FLAG[crm].no }, sfUser);
      let seen: ReturnType<typeof tossUpOf> | null = null;
      for (let i = 0; i < 10; i++) {
        const r = await sync(cut);
        expect(r.code, r.output).toBe(0);
        const now = tossUpOf(cut, ep.leadId);
        expect(now.flag).toBe(FLAG[crm].no);
        expect(now.key).toBe(before.key);
        expect(isOverrideReason(now.reason)).toBe(true);
        // Written once (the reason), then nothing changes: no write undoes the person's flag.
        if (seen) expect(now).toEqual(seen);
        seen = now;
      }
      expect(tasksOf(cut)).toHaveLength(tasks);
      const paused = episodesOf(cut).get(ep.key)!.episode;
      expect(paused.override).toMatchObject({
        flag: 'no',
        source: 'flag_edit',
        by:
          crm === 'salesforce'
            ? expect.stringMatching(new RegExp(`^${sfUser.slice(0, 15)}`))
            : String(HUBSPOT_USER),
      });
      expect(isOnHold(paused)).toBe(true);

      // Cleared: the person sets the flag back; the rules decide again, the same episode runs on.
      personEdits(cut, ep, { flag: FLAG[crm].yes }, sfUser);
      const back = await sync(cut);
      expect(back.code, back.output).toBe(0);
      const after = tossUpOf(cut, ep.leadId);
      expect(after).toMatchObject({ flag: FLAG[crm].yes, key: before.key });
      expect(isOverrideReason(after.reason)).toBe(false);
      const resumed = episodesOf(cut).get(ep.key)!.episode;
      expect(resumed.override).toBeNull();
      expect(isOnHold(resumed)).toBe(false);
      expect(tasksOf(cut)).toHaveLength(tasks);
    } finally {
      await cut.close();
    }
  }, 240_000);

  it('the override field: yes on a lead the rules say no to, no task; emptied, the rules write no again', async () => {
    const cut = await lab.start(crm, 'override-field');
    try {
      const first = await sync(cut);
      expect(first.code, first.output).toBe(0);
      const tasks = tasksOf(cut).length;
      const lead = aNoLead(cut, crm);
      const someUser = [...episodesOf(cut).values()][0]?.episode.owner.id ?? '';

      personEdits(cut, lead, { override: 'yes' }, someUser);
      for (let i = 0; i < 3; i++) {
        const r = await sync(cut);
        expect(r.code, r.output).toBe(0);
        expect(tossUpOf(cut, lead.leadId).flag).toBe(FLAG[crm].yes);
      }
      expect(tossUpOf(cut, lead.leadId).reason).toContain('トスアップ上書き項目');
      expect(tasksOf(cut)).toHaveLength(tasks);

      personEdits(cut, lead, { override: null }, someUser);
      const back = await sync(cut);
      expect(back.code, back.output).toBe(0);
      const after = tossUpOf(cut, lead.leadId);
      expect(after.flag).toBe(FLAG[crm].no);
      expect(isOverrideReason(after.reason)).toBe(false);
      // The flag the engine wrote for the field is not taken for a person's edit afterwards.
      const again = await sync(cut);
      expect(again.code, again.output).toBe(0);
      expect(tossUpOf(cut, lead.leadId)).toEqual(after);
      expect(tasksOf(cut)).toHaveLength(tasks);
    } finally {
      await cut.close();
    }
  }, 240_000);
});
