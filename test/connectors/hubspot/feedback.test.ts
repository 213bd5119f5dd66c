import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toLead, toLeadContext } from '../../../connectors/hubspot/contact-to-lead.ts';
import { createHubspotAdmin } from '../../../connectors/hubspot/index.ts';
import { loadHubspotMapping, optionMaps, parseHubspotMapping } from '../../../connectors/hubspot/mapping.ts';
import type { HubspotEmulator } from '../../../emulators/hubspot/index.ts';
import { EmulatorClock } from '../../../emulators/shared/emulator-clock.ts';
import type { EmuRequest } from '../../../emulators/shared/http-app.ts';
import { generateWorld } from '../../../emulators/world/generate.ts';
import { ConfigError } from '../../../src/domain/errors.ts';
import type { Lead } from '../../../src/domain/lead.ts';
import { runSync } from '../../../src/pipeline/run-sync.ts';
import { MemoryStateStore } from '../../../src/state/memory-state-store.ts';
import { RESULT_OPTIONS, SENT_BACK_REASON_OPTIONS } from '../../support/feedback-options.ts';
import { connect, startPortal, T0 } from './harness.ts';
import { addRoutingOwners, syncOptions } from './pipeline-kit.ts';

/**
 * The rep's feedback properties on HubSpot (issue 14, first slice): created by `tossup setup
 * hubspot` (idempotent), checked by the schema check, read into `lead.current.feedback` in the same
 * search, never written by a sync.
 */

const FEEDBACK = ['tossup_result', 'tossup_sent_back_reason', 'tossup_feedback_note'];
const AS_OF = '2026-09-01T01:00:00.000Z';

async function readLeads(hs: HubspotEmulator): Promise<Map<string, Lead>> {
  const connector = await connect(hs);
  const out = new Map<string, Lead>();
  for await (const page of connector.source.readChanges({ since: null })) {
    for (const l of page.leads) out.set(l.id, l);
  }
  return out;
}

describe('HubSpot feedback properties', () => {
  it('the mapping section: shipped names, the same defaults for a mapping written before it, no sharing with a written property', () => {
    const text = readFileSync('mappings/hubspot.yaml', 'utf8');
    const shipped = loadHubspotMapping().feedback;
    expect(shipped).toEqual({
      result: 'tossup_result',
      sentBackReason: 'tossup_sent_back_reason',
      note: 'tossup_feedback_note',
    });
    const without = text.replace(/\nfeedback:\n(?:(?: {2}.*)?\n)+?(?=\n#)/, '\n');
    expect(without).not.toContain('tossup_result');
    expect(parseHubspotMapping(without, 'old.yaml').feedback).toEqual(shipped);
    const clash = text.replace('  note: tossup_feedback_note', '  note: tossup_reason');
    try {
      parseHubspotMapping(clash, 'clash.yaml');
      expect.unreachable('a feedback property shared with the reason must be refused');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).issues.map((i) => i.path)).toContain('feedback.note');
    }
  });

  it('setup creates them with the Japanese option labels and English values; a second setup finds them there', async () => {
    const hs = await startPortal({ withCustomProperties: 'inputs-only' });
    const connector = createHubspotAdmin({
      auth: { kind: 'private_app', accessToken: hs.accessToken },
      basePath: hs.basePath,
    });
    const before = await connector.checkSchema();
    const missing = before.problems.filter((p) => p.mappingPath.startsWith('feedback.'));
    expect(missing.map((p) => `${p.kind} ${p.property}`)).toEqual([
      'missing tossup_result',
      'missing tossup_sent_back_reason',
      'missing tossup_feedback_note',
    ]);
    for (const p of missing) expect(p.fix).toContain('tossup setup hubspot');

    const first = await connector.setup();
    const ours = (a: { what: string; name: string }) => a.what === 'property' && FEEDBACK.includes(a.name);
    const created = first.actions.filter(ours);
    expect(created.map((a) => a.result)).toEqual(['created', 'created', 'created']);
    const result = hs.store.properties.get('contacts', 'tossup_result')!;
    expect(result).toMatchObject({ type: 'enumeration', fieldType: 'select', groupName: 'tossup' });
    expect(result.options.map((o) => [o.value, o.label])).toEqual(RESULT_OPTIONS);
    expect(
      hs.store.properties.get('contacts', 'tossup_sent_back_reason')!.options.map((o) => [o.value, o.label]),
    ).toEqual(SENT_BACK_REASON_OPTIONS);
    expect(hs.store.properties.get('contacts', 'tossup_feedback_note')).toMatchObject({
      type: 'string',
      fieldType: 'textarea',
    });
    const second = await connector.setup();
    expect(second.actions.filter(ours).map((a) => a.result)).toEqual(['exists', 'exists', 'exists']);
    expect((await connector.checkSchema()).ok).toBe(true);
  });

  it("reads the rep's verdict into lead.current.feedback from the same search", async () => {
    const hs = await startPortal();
    const a = hs.store.create(
      'contacts',
      {
        firstname: 'a',
        tossup_result: 'sent_back',
        tossup_sent_back_reason: 'no_decision_maker',
        tossup_feedback_note: '決裁者に会えず',
      },
      { system: true, at: T0 },
    ).id;
    const b = hs.store.create(
      'contacts',
      { firstname: 'b', tossup_result: 'opportunity' },
      { system: true, at: T0 + 1 },
    ).id;
    const c = hs.store.create('contacts', { firstname: 'c' }, { system: true, at: T0 + 2 }).id;
    const before = hs.app.apiRequests();
    const leads = await readLeads(hs);
    expect(leads.get(a)!.current.feedback).toEqual({
      result: 'sent_back',
      sentBackReason: 'no_decision_maker',
      note: '決裁者に会えず',
    });
    expect(leads.get(b)!.current.feedback).toEqual({
      result: 'opportunity',
      sentBackReason: null,
      note: null,
    });
    expect(leads.get(c)!.current.feedback).toBeUndefined();
    // Three contacts without companies: one search, nothing else.
    expect(hs.app.apiRequests() - before).toBe(1);
  });

  it('an option value the connector does not know is a data issue, not a crash', () => {
    const mapping = loadHubspotMapping();
    const ctx = toLeadContext(mapping, optionMaps(mapping));
    const lead = toLead(
      {
        id: '1',
        properties: { tossup_result: 'TU_MAYBE', tossup_sent_back_reason: 'too_early' },
      } as unknown as Parameters<typeof toLead>[0],
      null,
      ctx,
    );
    expect(lead.current.feedback).toEqual({ result: null, sentBackReason: 'too_early', note: null });
    expect(lead.dataIssues).toContainEqual({
      field: 'current.feedback.result',
      raw: 'TU_MAYBE',
      problem: 'unknown_value',
    });
  });

  it("a sync never writes them: batch updates never name them and the rep's values survive", async () => {
    const world = generateWorld({ seed: 11, leads: 60, asOf: AS_OF });
    const clock = new EmulatorClock();
    // 2 s after asOf: open deals are stamped at asOf, and a sync within a second of them would rightly
    // re-decide their companies' contacts in the next run (the account phase's horizon is now - 1 s).
    clock.advance(Date.parse(world.asOf) + 2000 - Date.now());
    const hs = await startPortal({ world, clock });
    addRoutingOwners(hs);
    const contacts = hs.store.list('contacts').slice(0, 4);
    const verdicts = [
      { tossup_result: 'sent_back', tossup_sent_back_reason: 'too_early', tossup_feedback_note: '来期' },
      { tossup_result: 'accepted' },
      { tossup_result: 'lost', tossup_feedback_note: '競合に決定' },
      { tossup_feedback_note: 'メモのみ' },
    ];
    contacts.forEach((c, i) => {
      hs.store.update('contacts', c.id, verdicts[i], { system: true });
    });
    const bodies: { route: string; body: string }[] = [];
    hs.app.guard((req: EmuRequest) => {
      if (req.method !== 'GET') bodies.push({ route: req.route, body: req.body.toString('utf8') });
      return undefined;
    });
    const state = new MemoryStateStore();
    const run1 = await runSync(syncOptions(await connect(hs, { pageSize: 200 }), state, AS_OF));
    expect(run1.status).toBe('completed');
    expect(run1.counts.written).toBe(60);

    // Someone also clears the flag on those contacts: the next run writes it back, and only it, where
    // no verdict stands; a sent-back or lost contact is left as people left it (docs/sales-in-the-loop.md).
    hs.clock.advance(60_000);
    for (const c of contacts) hs.store.update('contacts', c.id, { tossup_flag: '' }, { system: true });
    hs.clock.advance(60_000);
    const run2 = await runSync(syncOptions(await connect(hs, { pageSize: 200 }), state, AS_OF));
    expect(run2.status).toBe('completed');
    expect(run2.counts.written).toBe(4);
    const flags = contacts.map((c) => hs.store.get('contacts', c.id)!.props.tossup_flag ?? '');
    expect(flags.map((f) => f !== '')).toEqual([false, true, false, true]);

    const updates = bodies.filter((b) => b.route === 'hs.contacts.batch.update');
    expect(updates.length).toBe(2);
    for (const u of updates) {
      expect(u.body).toContain('tossup_flag');
      for (const f of FEEDBACK) expect(u.body).not.toContain(f);
    }
    contacts.forEach((c, i) => {
      const now = hs.store.get('contacts', c.id)!;
      for (const [k, v] of Object.entries(verdicts[i]!)) expect(now.props[k]).toBe(v);
    });
  });
});
