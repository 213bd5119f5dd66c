import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createHubspotAdmin, formatSchemaCheck, formatSetup } from '../../../connectors/hubspot/index.ts';
import { parseHubspotMapping } from '../../../connectors/hubspot/mapping.ts';
import type { HubspotEmulator } from '../../../emulators/hubspot/index.ts';
import { startPortal } from './harness.ts';

/** `tossup validate --crm hubspot` and `tossup setup hubspot`, against the emulator's schema API. */

function admin(hs: HubspotEmulator, mappingText?: string) {
  return createHubspotAdmin(
    { auth: { kind: 'private_app', accessToken: hs.accessToken }, basePath: hs.basePath },
    mappingText ? { mapping: parseHubspotMapping(mappingText, 'test.yaml') } : {},
  );
}

describe('HubSpot schema check and setup', () => {
  it('passes on a portal that has every mapped property', async () => {
    const hs = await startPortal();
    const result = await admin(hs).checkSchema();
    expect(result.problems).toEqual([]);
    expect(result.checked).toBeGreaterThan(40);
    expect(formatSchemaCheck(result)).toMatch(/^HubSpot schema OK: \d+ mapped properties checked\.$/);
  });

  it('lists every problem at once: missing, wrong type, read-only, missing options, not unique', async () => {
    const hs = await startPortal({ withCustomProperties: 'inputs-only' });
    // The admin made the key property without "unique", and mapped the reason to a number property.
    hs.store.properties.create('tasks', {
      name: 'tossup_task_key',
      label: 'k',
      type: 'string',
      fieldType: 'text',
      groupName: 'task',
    });
    const text = readFileSync('mappings/hubspot.yaml', 'utf8')
      .replace('  reason: tossup_reason', '  reason: hs_analytics_num_visits')
      .replace('    values: [customer]', '    values: [customer, vip]')
      .replace('  title: jobtitle', '  title: job_title_jp');
    const result = await admin(hs, text).checkSchema();
    const summary = result.problems.map((p) => `${p.kind} ${p.object}.${p.property}`).sort();
    expect(summary).toEqual(
      [
        'missing contacts.job_title_jp',
        'missing contacts.tossup_flag',
        'missing contacts.tossup_next_action',
        'missing contacts.tossup_attribute_score',
        'missing contacts.tossup_behaviour_score',
        'missing contacts.tossup_due_at',
        'missing contacts.tossup_decision_key',
        'missing contacts.tossup_sla_status',
        'missing contacts.tossup_first_response_at',
        'missing contacts.tossup_result',
        'missing contacts.tossup_sent_back_reason',
        'missing contacts.tossup_feedback_note',
        'missing contacts.tossup_opportunity',
        'missing contacts.tossup_opportunity_date',
        'missing contacts.tossup_approval',
        'missing contacts.tossup_rejection_reason',
        'missing contacts.tossup_override',
        'wrong_type contacts.hs_analytics_num_visits',
        'read_only contacts.hs_analytics_num_visits',
        'missing_options companies.lifecyclestage',
        'not_unique tasks.tossup_task_key',
      ].sort(),
    );
    const byKind = Object.fromEntries(result.problems.map((p) => [`${p.kind}:${p.property}`, p]));
    expect(byKind['missing:tossup_flag']!.fix).toContain('tossup setup hubspot');
    expect(byKind['missing:job_title_jp']).toMatchObject({ mappingPath: 'contact.title' });
    expect(byKind['missing:job_title_jp']!.fix).toContain('change contact.title in mappings/hubspot.yaml');
    expect(byKind['missing_options:lifecyclestage']!.message).toContain('"vip"');
    const printed = formatSchemaCheck(result);
    expect(printed.split('\n')[0]).toBe(
      `HubSpot schema: 21 problem(s) in ${result.checked} mapped properties`,
    );
    expect(printed).toContain('fix: ');
  });

  it('creates the group and the connector properties, then finds them all there (idempotent)', async () => {
    const hs = await startPortal({ withCustomProperties: 'inputs-only' });
    const first = await admin(hs).setup();
    const created = first.actions
      .filter((a) => a.result === 'created')
      .map((a) => `${a.object}.${a.what}.${a.name}`);
    expect(created.sort()).toEqual(
      [
        'contacts.group.tossup',
        'contacts.property.tossup_flag',
        'contacts.property.tossup_reason',
        'contacts.property.tossup_next_action',
        'contacts.property.tossup_attribute_score',
        'contacts.property.tossup_behaviour_score',
        'contacts.property.tossup_due_at',
        'contacts.property.tossup_decision_key',
        'contacts.property.tossup_sla_status',
        'contacts.property.tossup_first_response_at',
        'contacts.property.tossup_result',
        'contacts.property.tossup_sent_back_reason',
        'contacts.property.tossup_feedback_note',
        'contacts.property.tossup_opportunity',
        'contacts.property.tossup_opportunity_date',
        'contacts.property.tossup_approval',
        'contacts.property.tossup_rejection_reason',
        'contacts.property.tossup_override',
        'tasks.group.tossup',
        'tasks.property.tossup_task_key',
      ].sort(),
    );
    expect(first.check.ok).toBe(true);
    const flag = hs.store.properties.get('contacts', 'tossup_flag')!;
    expect(flag).toMatchObject({ type: 'enumeration', fieldType: 'select', groupName: 'tossup' });
    expect(flag.options.map((o) => [o.value, o.label])).toEqual([
      ['yes', 'はい'],
      ['no', 'いいえ'],
      ['hold', '一時保留'],
    ]);
    expect(hs.store.properties.get('tasks', 'tossup_task_key')!.hasUniqueValue).toBe(true);
    // The sweep's SLA fields (issue 13): the eight statuses with Japanese labels, and a datetime.
    const sla = hs.store.properties.get('contacts', 'tossup_sla_status')!;
    expect(sla).toMatchObject({ type: 'enumeration', fieldType: 'select', groupName: 'tossup' });
    expect(sla.options.map((o) => [o.value, o.label])).toEqual([
      ['on_track', '期限内'],
      ['due_soon', '期限間近'],
      ['overdue', '期限超過'],
      ['escalated', 'エスカレーション済'],
      ['reassigned', '再割当済'],
      ['met', '期限内に対応'],
      ['late', '期限後に対応'],
      ['paused', '一時停止中'],
    ]);
    expect(hs.store.properties.get('contacts', 'tossup_first_response_at')).toMatchObject({
      type: 'datetime',
      fieldType: 'date',
    });

    const second = await admin(hs).setup();
    expect(second.actions.every((a) => a.result === 'exists')).toBe(true);
    expect(second.actions).toHaveLength(first.actions.length);
    expect(formatSetup(second)).toMatch(/^HubSpot setup: 0 created, 20 already there/);
  });

  it('counts a 409 (created meanwhile by someone else) as already there', async () => {
    const hs = await startPortal({ withCustomProperties: 'inputs-only' });
    // Another setup creates tossup_reason between our listing and our create.
    hs.app.guard((req) => {
      if (req.route === 'hs.properties.create' && req.body.toString().includes('"tossup_reason"')) {
        if (!hs.store.properties.has('contacts', 'tossup_reason')) {
          hs.store.properties.create('contacts', {
            name: 'tossup_reason',
            label: 'r',
            type: 'string',
            fieldType: 'textarea',
            groupName: 'tossup',
          });
        }
      }
      return undefined;
    });
    const result = await admin(hs).setup();
    expect(result.actions.find((a) => a.name === 'tossup_reason')).toMatchObject({ result: 'exists' });
    expect(result.check.ok).toBe(true);
  });
});
