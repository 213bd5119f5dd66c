import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Episode, isOnHold } from '../../src/episodes/episode.ts';
import { CRMS, type Crm, type CrmUnderTest, FaultLab } from '../faults/lab.ts';
import { decisionKeyOf, episodesOf, setMaScore, sync, tasksOf, tossUpOf } from './crm-episodes-kit.ts';

/**
 * `tossup sync` against the Salesforce and HubSpot emulators (real jsforce / @hubspot/api-client over
 * HTTP) with the file episode store in its state directory: one episode per toss-up task, also when
 * the process is SIGKILLed between the tasks and the field write; a hold pauses it, yes resumes it,
 * another decision closes it as superseded — never a second task.
 */

const workDir = mkdtempSync(join(tmpdir(), 'tossup-sync-episodes-'));
const lab = new FaultLab({ leads: 120, seed: 11, workDir });
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/**
 * Tags the lead's company as a strategic target or not where the connector reads it (a Salesforce
 * Lead itself, a Contact's Account, a HubSpot contact's primary company) and touches the person so the
 * incremental sync reads them again. A strategic target is held for IS/sales planning (`large`).
 */
function setStrategic(cut: CrmUnderTest, e: Episode, strategic: boolean, touch: number): void {
  if (cut.handle.kind === 'salesforce') {
    const store = cut.handle.emulator.store;
    if (e.objectType === 'Lead') {
      store.update('Lead', e.leadId, { Strategic_Target__c: strategic });
      return;
    }
    const accountId = String(store.get('Contact', e.leadId)!.AccountId);
    store.update('Account', accountId, { Strategic_Target__c: strategic });
    store.update('Contact', e.leadId, { FirstName: `touched-${touch}` });
    return;
  }
  const store = cut.handle.emulator.store;
  let companyId = store.get('contacts', e.leadId)!.props.associatedcompanyid!;
  if (strategic && peopleAtCompany(cut, companyId) > 1) {
    // A company change re-decides every contact of it (account-level triggers): the contact moves to
    // a copy of its company first, so the change reaches this contact alone.
    const props = store.get('companies', companyId)!.props;
    const copy = store.create(
      'companies',
      Object.fromEntries(COMPANY_FACTS.filter((k) => props[k] !== undefined).map((k) => [k, props[k]])),
      { system: true },
    );
    store.associate('contacts', e.leadId, 'companies', copy.id, true);
    companyId = copy.id;
  }
  store.update('companies', companyId, { strategic_target: String(strategic) });
  store.update('contacts', e.leadId, { firstname: `touched-${touch}` });
}

/** The company properties the HubSpot mapping reads (mappings/hubspot.yaml `company`). */
const COMPANY_FACTS = [
  'name',
  'domain',
  'numberofemployees',
  'annualrevenue',
  'industry',
  'state',
  'hubspot_owner_id',
  'lifecyclestage',
  'strategic_target',
];

/**
 * How many people the rules see through this company (Contacts of the Account, contacts whose primary
 * company it is): a change to the company re-decides every one of them (account-level triggers).
 */
function peopleAtCompany(cut: CrmUnderTest, company: string): number {
  if (cut.handle.kind === 'salesforce')
    return cut.handle.emulator.store.all('Contact').filter((c) => String(c.AccountId) === company).length;
  return cut.handle.emulator.store.list('contacts').filter((c) => c.props.associatedcompanyid === company)
    .length;
}

/** The record the company facts live on when it is not the person (Account, company); null for a Lead. */
function companyOf(cut: CrmUnderTest, e: Episode): string | null {
  if (cut.handle.kind === 'salesforce') {
    return e.objectType === 'Lead'
      ? null
      : String(cut.handle.emulator.store.get('Contact', e.leadId)!.AccountId);
  }
  return cut.handle.emulator.store.get('contacts', e.leadId)?.props.associatedcompanyid ?? null;
}

/**
 * The lead's name and company as the CRM holds them, written out here from the raw records (Salesforce
 * formats `Name` itself; HubSpot keeps the two parts, written out below by the script of the name).
 */
function labelInCrm(cut: CrmUnderTest, e: Episode): { name: string; company?: string } {
  let person: string;
  let company: string | undefined;
  if (cut.handle.kind === 'salesforce') {
    const store = cut.handle.emulator.store;
    const rec = store.get(e.objectType, e.leadId)!;
    person = String(rec.Name);
    company =
      e.objectType === 'Lead'
        ? (rec.Company as string | undefined)
        : (store.get('Account', String(rec.AccountId))?.Name as string | undefined);
  } else {
    const store = cut.handle.emulator.store;
    const props = store.get('contacts', e.leadId)!.props;
    // The world has Japanese and Western names: family name first only when the name is not all ASCII.
    const ascii = /^[\x20-\x7e]*$/.test(`${props.firstname}${props.lastname}`);
    person = ascii ? `${props.firstname} ${props.lastname}` : `${props.lastname} ${props.firstname}`;
    const companyId = props.associatedcompanyid;
    company =
      (companyId ? store.get('companies', companyId)?.props.name : undefined) ?? props.company ?? undefined;
  }
  return company ? { name: person, company } : { name: person };
}

function expectOneEpisodePerTask(cut: CrmUnderTest): void {
  const tasks = tasksOf(cut);
  const episodes = episodesOf(cut);
  expect(new Set(tasks.map((t) => t.key)).size).toBe(tasks.length);
  expect([...episodes.keys()].sort()).toEqual(tasks.map((t) => t.key).sort());
  for (const t of tasks) {
    const ep = episodes.get(t.key)!.episode;
    expect(ep.taskId, t.key).toBe(t.id);
    expect(ep.leadId, t.key).toBe(t.personId);
    // Recorded at the hand-off for the sweep's chat notices: the person's name and company, no more.
    expect(ep.lead, t.key).toEqual(labelInCrm(cut, ep));
    expect(ep.lead!.name, t.key).toMatch(/^\S+ \S+$/);
  }
}

describe.each(CRMS)('%s: tossup sync keeps toss-up episodes', (crm: Crm) => {
  it('one episode per task across a SIGKILL between tasks and fields; hold pauses, yes resumes, no supersedes', async () => {
    const cut = await lab.start(crm, 'episodes');
    try {
      // Killed as the first field write arrives: the tasks exist, the flags are not written yet.
      cut.arm({
        route: crm === 'salesforce' ? 'sf.collections.update' : 'hs.contacts.batch.update',
        nth: 1,
        mode: 'before',
      });
      const killed = await cut.sync({ killOnTrip: true, timeoutMs: 120_000 }).done;
      expect(killed).toMatchObject({ killedBy: 'trip', tripped: true });
      const before = tasksOf(cut);
      expect(before.length).toBeGreaterThan(0);
      // Recorded before the field write: every task the killed run created is already an episode.
      expectOneEpisodePerTask(cut);
      cut.clearFaults();

      const clean = await sync(cut);
      expect(clean.code, clean.output).toBe(0);
      expectOneEpisodePerTask(cut);
      const tasks = tasksOf(cut);
      const versionsOf = () => new Map([...episodesOf(cut)].map(([k, s]) => [k, s.version]));
      const versions = versionsOf();
      // Each hand-off was recorded with the SLA status the field write carried (one batch each).
      for (const s of episodesOf(cut).values()) expect(s.episode.slaWritten?.status).toBe('on_track');

      // A re-run changes nothing: no task, no episode, no new version.
      const again = await sync(cut);
      expect(again.code, again.output).toBe(0);
      expect(tasksOf(cut)).toHaveLength(tasks.length);
      expect(versionsOf()).toEqual(versions);

      // Toss-ups by the score rule (their reason starts with the attribute score), not an existing
      // customer's or a manual request's, which come before the strategic-target rule. One per
      // company, so a change to one company reaches no other candidate.
      const companies = new Set<string>();
      const candidates = [...episodesOf(cut).values()]
        .map((s) => s.episode)
        .filter(
          (e) =>
            e.nextAction === 'field_sales_tossup' && tossUpOf(cut, e.leadId).reason?.startsWith('属性スコア'),
        )
        .filter((e) => {
          const company = companyOf(cut, e);
          if (company !== null && companies.has(company)) return false;
          // A Salesforce Account change re-decides all its Contacts: only Accounts of one person.
          if (company !== null && crm === 'salesforce' && peopleAtCompany(cut, company) > 1) return false;
          if (company !== null) companies.add(company);
          return true;
        })
        .slice(0, 3);
      expect(candidates.length).toBeGreaterThan(0);

      // Hold: the company becomes a strategic target (held for IS/sales planning).
      for (const e of candidates) setStrategic(cut, e, true, 1);
      const held = await sync(cut);
      expect(held.code, held.output).toBe(0);
      const paused = candidates.filter((e) => isOnHold(episodesOf(cut).get(e.key)!.episode));
      expect(paused).toEqual(candidates);
      for (const e of paused) expect(decisionKeyOf(cut, e.leadId)).toBe(e.key);
      expect(tasksOf(cut)).toHaveLength(tasks.length);
      expect(episodesOf(cut).size).toBe(tasks.length);

      // Back to yes with the same next action: resumed, still one task.
      for (const e of paused) setStrategic(cut, e, false, 2);
      const resumed = await sync(cut);
      expect(resumed.code, resumed.output).toBe(0);
      for (const e of paused) {
        const ep = episodesOf(cut).get(e.key)!.episode;
        expect(ep.pauses).toHaveLength(1);
        expect(ep.pauses[0]!.to).not.toBeNull();
        expect(ep.status).toBe('open');
        expect(decisionKeyOf(cut, e.leadId)).toBe(e.key);
      }
      expect(tasksOf(cut)).toHaveLength(tasks.length);

      // Decided no (MA score 0): the episode is closed as superseded, and no task is added.
      const ended = paused[0]!;
      setMaScore(cut, ended, 0);
      const no = await sync(cut);
      expect(no.code, no.output).toBe(0);
      expect(episodesOf(cut).get(ended.key)!.episode).toMatchObject({
        status: 'closed',
        closeReason: 'superseded',
      });
      expect(decisionKeyOf(cut, ended.leadId)).not.toBe(ended.key);
      expect(tasksOf(cut)).toHaveLength(tasks.length);
      expect(episodesOf(cut).size).toBe(tasks.length);
    } finally {
      await cut.close();
    }
  }, 240_000);

  it('killed after the CRM applied the first task call but before it answered: the clean run records each task it finds', async () => {
    const cut = await lab.start(crm, 'episodes-mid-tasks');
    try {
      cut.arm({
        route: crm === 'salesforce' ? 'sf.collections.upsert' : 'hs.tasks.batch.create',
        nth: 1,
        mode: 'after',
      });
      const killed = await cut.sync({ killOnTrip: true, timeoutMs: 120_000 }).done;
      expect(killed).toMatchObject({ killedBy: 'trip', tripped: true });
      // The tasks exist, but the run never learned their ids: nothing could be recorded.
      expect(tasksOf(cut).length).toBeGreaterThan(0);
      expect(episodesOf(cut).size).toBe(0);
      cut.clearFaults();
      const clean = await sync(cut);
      expect(clean.code, clean.output).toBe(0);
      expectOneEpisodePerTask(cut);
    } finally {
      await cut.close();
    }
  }, 240_000);
});
