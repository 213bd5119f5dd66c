import { describe, expect, it } from 'vitest';
import { EmulatorClock } from '../../../emulators/shared/emulator-clock.ts';
import { rawFetch, sdk, startEmulator, tinyWorld } from './fixtures.ts';

/**
 * Batch semantics (crm-apis.md B2, README "Batch outcomes"): 100 inputs per call, 200/201 on full
 * success, 207 with errors[] + numErrors for per-record failures, 400 for invalid values.
 */

async function apiError(p: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  const error = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as { code?: number; body?: Record<string, unknown> } | undefined;
  expect(error, 'expected the SDK call to throw').toBeDefined();
  return { code: error!.code!, body: error!.body! };
}

function pinnedClock(): EmulatorClock {
  const clock = new EmulatorClock();
  clock.pin('2025-04-01T00:00:00.000Z');
  return clock;
}

describe('Batch update', () => {
  it('caps a batch at 100 inputs with a 400 VALIDATION_ERROR', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const client = sdk(hs);
    const inputs = (n: number) =>
      Array.from({ length: n }, () => ({ id: '1001', properties: { tossup_reason: 'x' } }));
    const over = await apiError(client.crm.contacts.batchApi.update({ inputs: inputs(101) }));
    expect(over.code).toBe(400);
    expect(over.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(String(over.body.message)).toContain('100');
    // 100 distinct ids are fine (they need not exist: missing ones become per-record errors).
    const hundred = Array.from({ length: 100 }, (_, i) => ({
      id: String(1001 + i),
      properties: { tossup_reason: 'x' },
    }));
    const res = await client.crm.contacts.batchApi.update({ inputs: hundred });
    expect(res.results).toHaveLength(6);
  });

  it('surfaces a partial failure as a 207 with errors[] and numErrors, writing the good records', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    hs.store.archive('contacts', '1004');
    const client = sdk(hs);
    const res = await client.crm.contacts.batchApi.update({
      inputs: [
        { id: '1001', properties: { tossup_flag: 'yes', tossup_reason: '行動スコア 120 ≥ 100' } },
        { id: '1004', properties: { tossup_flag: 'no' } },
        { id: '424242', properties: { tossup_flag: 'no' } },
      ],
    });
    expect(res.status).toBe('COMPLETE');
    expect(res.results.map((r) => r.id)).toEqual(['1001']);
    expect(res.results[0]!.properties.tossup_flag).toBe('yes');
    expect(res.results[0]!.updatedAt).toBeInstanceOf(Date);
    const withErrors = res as typeof res & { numErrors?: number; errors?: Array<Record<string, unknown>> };
    expect(withErrors.numErrors).toBe(1);
    expect(withErrors.errors?.[0]).toMatchObject({
      status: 'error',
      category: 'OBJECT_NOT_FOUND',
      context: { ids: ['1004', '424242'] },
    });
    expect(hs.store.get('contacts', '1001')!.props.tossup_flag).toBe('yes');

    const wire = await rawFetch(hs, '/crm/v3/objects/contacts/batch/update', {
      method: 'POST',
      body: { inputs: [{ id: '999999', properties: { tossup_flag: 'no' } }] },
    });
    expect(wire.status).toBe(207);
  });

  it('rejects the whole batch with 400 when any value is invalid, naming each problem', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const client = sdk(hs);
    const before = hs.store.get('contacts', '1001')!.updatedAt;
    const bad = await apiError(
      client.crm.contacts.batchApi.update({
        inputs: [
          { id: '1001', properties: { tossup_flag: 'yes' } },
          {
            id: '1002',
            properties: {
              no_such_field: 'x',
              hs_object_id: '5',
              tossup_flag: 'maybe',
              tossup_attribute_score: ' 80',
              tossup_due_at: 'next friday',
              is_heard_at: '2025-03-01',
            },
          },
        ],
      }),
    );
    expect(bad.code).toBe(400);
    expect(bad.body.category).toBe('VALIDATION_ERROR');
    expect(String(bad.body.message)).toMatch(/^Property values were not valid: \[/);
    const codes = (bad.body.errors as Array<{ code: string; context: { propertyName: string[] } }>).map(
      (e) => `${e.context.propertyName[0]}:${e.code}`,
    );
    expect(codes).toEqual([
      'no_such_field:PROPERTY_DOESNT_EXIST',
      'hs_object_id:READ_ONLY_VALUE',
      'tossup_flag:INVALID_OPTION',
      'tossup_attribute_score:INVALID_NUMBER',
      'tossup_due_at:INVALID_LONG',
    ]);
    // Nothing from the batch was written, not even the valid first input.
    expect(hs.store.get('contacts', '1001')!.props.tossup_flag).toBeUndefined();
    expect(hs.store.get('contacts', '1001')!.updatedAt).toBe(before);
  });

  it('keeps values as strings, maintains lastmodifieddate only on real changes, and ties under a pinned clock', async () => {
    const clock = pinnedClock();
    const hs = await startEmulator({ world: tinyWorld(), clock, rateLimits: { enabled: false } });
    const client = sdk(hs);
    const res = await client.crm.contacts.batchApi.update({
      inputs: [
        {
          id: '1001',
          properties: {
            tossup_attribute_score: 80 as unknown as string,
            tossup_due_at: String(Date.parse('2025-04-03T00:00:00Z')),
          },
        },
        { id: '1002', properties: { sales_tossup_request: true as unknown as string } },
      ],
    });
    const [a, b] = res.results;
    expect(a!.properties.tossup_attribute_score).toBe('80');
    expect(a!.properties.tossup_due_at).toBe('2025-04-03T00:00:00.000Z');
    expect(b!.properties.sales_tossup_request).toBe('true');
    expect(a!.properties.lastmodifieddate).toBe('2025-04-01T00:00:00.000Z');
    expect(b!.properties.lastmodifieddate).toBe(a!.properties.lastmodifieddate);
    const read = await client.crm.contacts.basicApi.getById('1001', [
      'hs_lastmodifieddate',
      'tossup_attribute_score',
    ]);
    expect(read.properties.hs_lastmodifieddate).toBe('2025-04-01T00:00:00.000Z');
    expect(read.updatedAt.toISOString()).toBe('2025-04-01T00:00:00.000Z');

    clock.advance(5_000);
    await client.crm.contacts.batchApi.update({
      inputs: [{ id: '1001', properties: { tossup_attribute_score: '80' } }],
    });
    expect(new Date(hs.store.get('contacts', '1001')!.updatedAt).toISOString()).toBe(
      '2025-04-01T00:00:00.000Z',
    );
    await client.crm.contacts.batchApi.update({
      inputs: [{ id: '1001', properties: { tossup_attribute_score: '' } }],
    });
    const cleared = await client.crm.contacts.basicApi.getById('1001', ['tossup_attribute_score']);
    expect(cleared.properties.tossup_attribute_score).toBeNull();
    expect(cleared.properties.lastmodifieddate).toBe('2025-04-01T00:00:05.000Z');
  });

  it('refuses duplicate ids in one batch', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const dup = await apiError(
      sdk(hs).crm.contacts.batchApi.update({
        inputs: [
          { id: '1001', properties: { tossup_reason: 'a' } },
          { id: '1001', properties: { tossup_reason: 'b' } },
        ],
      }),
    );
    expect(dup.code).toBe(400);
  });
});

describe('Batch read, create and upsert', () => {
  it('reads by id, reports missing ids in a 207 and reads by a unique idProperty', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const client = sdk(hs);
    const res = await client.crm.contacts.batchApi.read({
      inputs: [{ id: '1001' }, { id: '5' }],
      properties: ['jobtitle', 'company_size'],
      propertiesWithHistory: [],
    });
    expect(res.results).toHaveLength(1);
    expect(res.results[0]!.properties).toMatchObject({
      jobtitle: '取締役 営業本部長',
      company_size: '1,200名',
    });
    expect((res as { numErrors?: number }).numErrors).toBe(1);
    const byEmail = await client.crm.contacts.batchApi.read({
      inputs: [{ id: 'HANAKO@alpha.example.jp' }],
      idProperty: 'email',
      properties: [],
      propertiesWithHistory: [],
    });
    expect(byEmail.results[0]!.id).toBe('1002');
  });

  it('creates with 201, reports unique-value conflicts per input in a 207', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const client = sdk(hs);
    const task = (key: string) => ({
      properties: {
        hs_timestamp: '2025-04-02T00:00:00Z',
        hs_task_subject: `Toss-up ${key}`,
        tossup_task_key: key,
      },
      associations: [],
    });
    const created = await client.crm.objects.tasks.batchApi.create({ inputs: [task('k1'), task('k2')] });
    expect(created.results).toHaveLength(2);
    const wire = await rawFetch(hs, '/crm/v3/objects/tasks/batch/create', {
      method: 'POST',
      body: {
        inputs: [
          { ...task('k3'), objectWriteTraceId: 't3' },
          { ...task('k1'), objectWriteTraceId: 't1' },
        ],
      },
    });
    expect(wire.status).toBe(207);
    const body = wire.body as {
      results: unknown[];
      numErrors: number;
      errors: Array<Record<string, unknown>>;
    };
    expect(body.results).toHaveLength(1);
    expect(body.numErrors).toBe(1);
    expect(body.errors[0]).toMatchObject({ category: 'CONFLICT', context: { objectWriteTraceId: ['t1'] } });
    expect(hs.store.count('tasks')).toBe(3);
  });

  it('upserts by a unique-value property and refuses a non-unique idProperty', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const client = sdk(hs);
    const up = (subject: string) =>
      client.crm.objects.tasks.batchApi.upsert({
        inputs: [
          {
            id: 'decision-1001-2025-04-01',
            idProperty: 'tossup_task_key',
            properties: { hs_timestamp: '2025-04-02T00:00:00Z', hs_task_subject: subject },
          },
        ],
      });
    const first = await up('first');
    const second = await up('second');
    expect(first.results[0]!._new).toBe(true);
    expect(second.results[0]!._new).toBe(false);
    expect(second.results[0]!.id).toBe(first.results[0]!.id);
    expect(hs.store.count('tasks')).toBe(1);
    expect(hs.store.get('tasks', first.results[0]!.id)!.props.hs_task_subject).toBe('second');

    const nonUnique = await apiError(
      client.crm.contacts.batchApi.upsert({
        inputs: [{ id: '部長', idProperty: 'jobtitle', properties: {} }],
      }),
    );
    expect(nonUnique.code).toBe(400);
    expect(String(nonUnique.body.message)).toContain('non-unique 0-1 property jobtitle');
  });
});
