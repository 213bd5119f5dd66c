import { describe, expect, it } from 'vitest';
import { type Lead, LeadSchema } from '../../src/domain/lead.ts';
import { parseCsvRecords } from '../../src/normalize/csv.ts';
import { ISSUE_RAW_MAX_CHARS, normalizeLead } from '../../src/normalize/lead-input.ts';
import {
  resolveInputField,
  unknownInputColumns,
  unknownInputKeys,
} from '../../src/normalize/lead-input-fields.ts';

/** Normalizes and asserts the result is a valid Lead; failing here means the normalizer is wrong. */
function lead(input: unknown, options?: Parameters<typeof normalizeLead>[1]): Lead {
  const result = normalizeLead(input, options);
  if (!result.ok) throw new Error(`expected a lead, got ${result.error.code}: ${result.error.message}`);
  return LeadSchema.parse(result.lead);
}

async function csvLeads(lines: string[]): Promise<Lead[]> {
  const leads: Lead[] = [];
  for await (const row of parseCsvRecords(lines)) {
    if (!row.ok) throw new Error(row.error);
    leads.push(lead(row.record));
  }
  return leads;
}

describe('Function: normalizeLead', () => {
  it('normalizes a complete, messy JSONL lead into the strict Lead', () => {
    // Prepare
    const input = {
      id: 'L-001',
      objectType: 'Lead',
      ownerId: 5005,
      modifiedAt: '2026-11-20T01:00:00.000+0000',
      company: {
        name: ' 株式会社サンプル ',
        employees: '1,200名',
        revenueJpy: '10億円',
        industry: 'manufacturing',
        region: '東京都',
        existingCustomer: 'いいえ',
        accountOwnerId: null,
        strategicTarget: '✓',
      },
      person: { title: '取締役 営業本部長', department: '営業本部', email: 'taro.yamada@Sample.co.jp' },
      activities: [
        { type: '資料請求', at: '2026/11/18 10:00', source: 'whitepaper-2026' },
        { type: 'page_view', at: 1763600000000, page: 'pricing' },
      ],
      maBehaviourScore: '120',
      hearing: {
        heardAt: '2026-11-19',
        budget: 'あり',
        decisionMaker: '確認済',
        decisionInvolved: '',
        clearProblem: 'なし',
        timelineMonths: '3ヶ月以内',
        notes: '来期予算で検討',
      },
      history: { previouslyLost: false, lastTossUpAt: null },
      manualRequest: { requestedBy: '005xx0000012345', at: '2026-11-19T09:00:00+09:00' },
      current: { flag: '一時保留', reason: null, nextAction: 'inside_sales_hearing', attributeScore: '55' },
    };
    // Act
    const result = lead(input);
    // Assess
    expect(result).toEqual({
      id: 'L-001',
      crm: 'file',
      objectType: 'Lead',
      ownerId: '5005',
      modifiedAt: '2026-11-20T01:00:00.000Z',
      company: {
        name: '株式会社サンプル',
        employees: 1200,
        revenueJpy: 1_000_000_000,
        industry: 'manufacturing',
        region: '東京都',
        existingCustomer: false,
        accountOwnerId: null,
        strategicTarget: true,
      },
      person: {
        title: '取締役 営業本部長',
        titleRank: 'officer',
        department: '営業本部',
        emailDomain: 'sample.co.jp',
      },
      activities: [
        { type: 'document_request', at: '2026-11-18T01:00:00.000Z', source: 'whitepaper-2026' },
        { type: 'page_view', at: '2025-11-20T00:53:20.000Z', page: 'pricing' },
      ],
      maBehaviourScore: 120,
      hearing: {
        heardAt: '2026-11-18T15:00:00.000Z',
        budget: 'yes',
        decisionMaker: 'yes',
        decisionInvolved: 'unknown',
        clearProblem: 'no',
        timelineMonths: 3,
        notes: '来期予算で検討',
      },
      history: { previouslyLost: false, lastTossUpAt: null },
      manualRequest: { requestedBy: '005xx0000012345', at: '2026-11-19T00:00:00.000Z' },
      current: {
        flag: 'hold',
        reason: null,
        nextAction: 'inside_sales_hearing',
        attributeScore: 55,
        behaviourScore: null,
        dueAt: null,
        decisionKey: null,
      },
      dataIssues: [],
    });
  });

  it('fills every field of a lead that has nothing but an id', () => {
    expect(lead({ id: 'L-2' })).toEqual({
      id: 'L-2',
      crm: 'file',
      objectType: 'lead',
      ownerId: null,
      modifiedAt: null,
      company: {
        name: null,
        employees: null,
        revenueJpy: null,
        industry: null,
        region: null,
        existingCustomer: false,
        accountOwnerId: null,
        strategicTarget: false,
      },
      person: { title: null, titleRank: null, department: null, emailDomain: null },
      activities: [],
      maBehaviourScore: null,
      hearing: null,
      history: { previouslyLost: false, lastTossUpAt: null },
      manualRequest: null,
      current: {
        flag: null,
        reason: null,
        nextAction: null,
        attributeScore: null,
        behaviourScore: null,
        dueAt: null,
        decisionKey: null,
      },
      dataIssues: [],
    });
  });

  it('accepts the id under the header Salesforce exports use ("Id")', () => {
    expect(lead({ Id: '00Q5g00000AbCdE' }).id).toBe('00Q5g00000AbCdE');
  });

  it('takes crm and a default objectType from the options', () => {
    const result = lead({ id: 7 }, { crm: 'salesforce', objectType: 'Contact' });
    expect(result.id).toBe('7');
    expect(result.crm).toBe('salesforce');
    expect(result.objectType).toBe('Contact');
  });

  describe('refusing what cannot be a lead', () => {
    it.each([null, undefined, 'L-1', 42, true, [], [{ id: 'L-1' }], new Date()])(
      'refuses %j as not an object, without throwing',
      (input) => {
        const result = normalizeLead(input);
        expect(result).toEqual({
          ok: false,
          error: { code: 'not_an_object', message: expect.stringContaining('JSON object') },
        });
      },
    );

    it.each([{}, { id: '' }, { id: '   ' }, { id: null }, { id: {} }, { id: Number.NaN }, { name: 'L-1' }])(
      'refuses %j for a missing id and says how to fix it',
      (input) => {
        const result = normalizeLead(input);
        expect(result).toEqual({
          ok: false,
          error: { code: 'missing_id', message: expect.stringContaining('add an "id" field') },
        });
      },
    );
  });

  describe('hearing', () => {
    it('is null (not heard yet) when absent or null', () => {
      expect(lead({ id: 'a' }).hearing).toBeNull();
      expect(lead({ id: 'a', hearing: null }).hearing).toBeNull();
    });

    it('is heard with every answer unknown when the object is there but blank', () => {
      expect(
        lead({
          id: 'a',
          hearing: { budget: '', decisionMaker: null, decisionInvolved: '  ', timelineMonths: '未定' },
        }).hearing,
      ).toEqual({
        heardAt: null,
        budget: 'unknown',
        decisionMaker: 'unknown',
        decisionInvolved: 'unknown',
        clearProblem: 'unknown',
        timelineMonths: null,
        notes: null,
      });
      expect(lead({ id: 'a', hearing: {} }).hearing?.budget).toBe('unknown');
    });

    it('reads an answer it cannot place as unknown and reports it', () => {
      // Act
      const result = lead({ id: 'a', hearing: { budget: 'たぶんある' } });
      // Assess
      expect(result.hearing?.budget).toBe('unknown');
      expect(result.dataIssues).toEqual([
        { field: 'hearing.budget', raw: 'たぶんある', problem: 'unknown_value' },
      ]);
    });

    it('reports a hearing that is not an object and treats the lead as not heard', () => {
      const result = lead({ id: 'a', hearing: 'あり' });
      expect(result.hearing).toBeNull();
      expect(result.dataIssues).toEqual([{ field: 'hearing', raw: 'あり', problem: 'unparseable' }]);
    });
  });

  describe('data issues', () => {
    it('turns each unreadable value into null plus an issue naming the lead path', () => {
      // Prepare
      const input = {
        id: 'L-9',
        modifiedAt: '2026-02-30',
        company: { employees: 'many', revenueJpy: '$3M', existingCustomer: 'maybe' },
        maBehaviourScore: 'high',
        history: { lastTossUpAt: 'last week' },
      };
      // Act
      const result = lead(input);
      // Assess
      expect(result.modifiedAt).toBeNull();
      expect(result.company.employees).toBeNull();
      expect(result.company.revenueJpy).toBeNull();
      expect(result.company.existingCustomer).toBe(false);
      expect(result.maBehaviourScore).toBeNull();
      expect(result.dataIssues).toEqual([
        { field: 'modifiedAt', raw: '2026-02-30', problem: 'out_of_range' },
        { field: 'company.employees', raw: 'many', problem: 'unparseable' },
        { field: 'company.revenueJpy', raw: '$3M', problem: 'unparseable' },
        { field: 'company.existingCustomer', raw: 'maybe', problem: 'unknown_value' },
        { field: 'maBehaviourScore', raw: 'high', problem: 'unparseable' },
        { field: 'history.lastTossUpAt', raw: 'last week', problem: 'unparseable' },
      ]);
    });

    it(`truncates the raw value to ${ISSUE_RAW_MAX_CHARS} characters without splitting a character`, () => {
      // Prepare
      const raw = '𠮷'.repeat(50);
      // Act
      const [issue] = lead({ id: 'a', company: { employees: raw } }).dataIssues;
      // Assess
      expect(Array.from(issue!.raw)).toHaveLength(ISSUE_RAW_MAX_CHARS);
      expect(issue!.raw.endsWith('…')).toBe(true);
      expect(issue!.raw.startsWith('𠮷'.repeat(39))).toBe(true);
    });

    it('shows non-text raw values as JSON', () => {
      const result = lead({ id: 'a', company: { name: { first: 'x' }, employees: [1, 2] } });
      expect(result.dataIssues).toEqual([
        { field: 'company.name', raw: '{"first":"x"}', problem: 'unparseable' },
        { field: 'company.employees', raw: '[1,2]', problem: 'unparseable' },
      ]);
    });

    it('reports a section that is not an object and reads it as empty', () => {
      const result = lead({ id: 'a', person: 'Taro', history: [true] });
      expect(result.person.title).toBeNull();
      expect(result.dataIssues).toEqual([
        { field: 'person', raw: 'Taro', problem: 'unparseable' },
        { field: 'history', raw: '[true]', problem: 'unparseable' },
      ]);
    });
  });

  describe('personal data', () => {
    it('keeps only the domain of the e-mail address', () => {
      // Act
      const result = lead({ id: 'a', person: { email: 'Hanako.Suzuki@Example.CO.JP' } });
      // Assess
      expect(result.person.emailDomain).toBe('example.co.jp');
      expect(JSON.stringify(result).toLowerCase()).not.toContain('hanako');
    });

    it('does not put an unreadable address into the data issues either', () => {
      const result = lead({ id: 'a', email: 'hanako.suzuki@@' });
      expect(result.person.emailDomain).toBeNull();
      expect(result.dataIssues).toEqual([
        { field: 'person.email', raw: '(redacted)@', problem: 'unparseable' },
      ]);
      expect(JSON.stringify(result)).not.toContain('hanako');
    });

    it('prefers an explicit emailDomain and accepts it with a leading @', () => {
      expect(
        lead({ id: 'a', person: { emailDomain: '@Example.jp', email: 'x@other.jp' } }).person.emailDomain,
      ).toBe('example.jp');
    });

    it('drops personal fields that have no place in a Lead', () => {
      const result = lead({ id: 'a', firstName: '花子', lastName: '鈴木', phone: '03-1234-5678' });
      expect(JSON.stringify(result)).not.toMatch(/花子|鈴木|1234/u);
    });
  });

  describe('activities', () => {
    it('drops an activity without a usable type or time and says why', () => {
      // Prepare
      const activities = [
        { type: 'webinar', at: '2026-11-20T01:00:00Z' },
        { type: 'phone call', at: '2026-11-20T01:00:00Z' },
        { type: 'inquiry' },
        { type: 'inquiry', at: '2026-02-30' },
        'webinar',
      ];
      // Act
      const result = lead({ id: 'a', activities });
      // Assess
      expect(result.activities).toEqual([{ type: 'webinar_attendance', at: '2026-11-20T01:00:00.000Z' }]);
      expect(result.dataIssues).toEqual([
        { field: 'activities[1].type', raw: 'phone call', problem: 'unknown_value' },
        { field: 'activities[2].at', raw: '', problem: 'unparseable' },
        { field: 'activities[3].at', raw: '2026-02-30', problem: 'out_of_range' },
        { field: 'activities[4]', raw: 'webinar', problem: 'unparseable' },
      ]);
    });

    it('reads activities given as a JSON string (the CSV column) and reports broken JSON', () => {
      expect(lead({ id: 'a', activities: '[{"type":"資料請求","at":"2026-11-20"}]' }).activities).toEqual([
        { type: 'document_request', at: '2026-11-19T15:00:00.000Z' },
      ]);
      expect(lead({ id: 'a', activities: '[{"type":' }).dataIssues).toEqual([
        { field: 'activities', raw: '[{"type":', problem: 'unparseable' },
      ]);
      expect(lead({ id: 'a', activities: '{"type":"webinar"}' }).dataIssues).toEqual([
        { field: 'activities', raw: '{"type":"webinar"}', problem: 'unparseable' },
      ]);
    });
  });

  describe('manual request', () => {
    it.each([
      [undefined, null],
      [null, null],
      [false, null],
      ['いいえ', null],
      [true, { requestedBy: null, at: null }],
      ['はい', { requestedBy: null, at: null }],
      [{ requestedBy: 'u-1' }, { requestedBy: 'u-1', at: null }],
      [
        { requested: 'yes', requestedBy: 'u-1' },
        { requestedBy: 'u-1', at: null },
      ],
      [{ requested: false, requestedBy: 'u-1' }, null],
    ])('reads %j as %j', (manualRequest, expected) => {
      expect(lead({ id: 'a', manualRequest }).manualRequest).toEqual(expected);
    });
  });

  describe('flat and dotted keys', () => {
    it('maps common flat names and dotted paths to their nested place', () => {
      // Act
      const result = lead({
        id: 'a',
        company: 'Acme株式会社',
        employees: '50-99',
        title: 'Head of Sales',
        behaviour_score: '85',
        'hearing.budget': 'あり',
        timeline: '半年',
        'company.revenue_jpy': '3億',
        email: 'x@acme.jp',
      });
      // Assess
      expect(result.company.name).toBe('Acme株式会社');
      expect(result.company.employees).toBe(50);
      expect(result.company.revenueJpy).toBe(300_000_000);
      expect(result.person).toEqual({
        title: 'Head of Sales',
        titleRank: 'division_head',
        department: null,
        emailDomain: 'acme.jp',
      });
      expect(result.maBehaviourScore).toBe(85);
      expect(result.hearing?.budget).toBe('yes');
      expect(result.hearing?.timelineMonths).toBe(6);
    });

    it('lets a nested value win over a flat alias for the same field', () => {
      expect(lead({ id: 'a', employees: '10', company: { employees: 500 } }).company.employees).toBe(500);
    });

    it('does not make a lead heard from empty flat hearing keys', () => {
      expect(lead({ id: 'a', budget: '', decision_maker: null }).hearing).toBeNull();
    });

    it('leaves the caller’s object untouched', () => {
      // Prepare
      const input = { id: 'a', employees: '10', company: { name: 'x' } };
      const copy = structuredClone(input);
      // Act
      lead(input);
      // Assess
      expect(input).toEqual(copy);
    });
  });
});

describe('CSV input', () => {
  it('reads dotted headers, flat aliases and an activities JSON column', async () => {
    // Prepare
    const lines = [
      'id,company.name,employees,title,behaviour_score,activities,hearing.budget,hearing.timelineMonths',
      'L-1,"Acme, Inc.","1,200名",部長,120,"[{""type"":""webinar"",""at"":""2026-11-20T01:00:00Z""}]",あり,3',
      'L-2,Beta,50-99,Engineer,,,,',
    ];
    // Act
    const [first, second] = await csvLeads(lines);
    // Assess
    expect(first).toMatchObject({
      id: 'L-1',
      company: { name: 'Acme, Inc.', employees: 1200 },
      person: { title: '部長', titleRank: 'department_head' },
      maBehaviourScore: 120,
      activities: [{ type: 'webinar_attendance', at: '2026-11-20T01:00:00.000Z' }],
      hearing: { budget: 'yes', decisionMaker: 'unknown', timelineMonths: 3 },
      dataIssues: [],
    });
    expect(second).toMatchObject({
      id: 'L-2',
      company: { name: 'Beta', employees: 50 },
      person: { title: 'Engineer', titleRank: 'staff' },
      maBehaviourScore: null,
      activities: [],
      hearing: null,
      dataIssues: [],
    });
  });
});

describe('Function: resolveInputField / unknownInputColumns', () => {
  it.each([
    ['company.employees', 'company.employees'],
    ['Company.Employees', 'company.employees'],
    ['company.revenue_jpy', 'company.revenueJpy'],
    ['employees', 'company.employees'],
    ['Number Of Employees', 'company.employees'],
    ['従業員数', 'company.employees'],
    ['title', 'person.title'],
    ['job-title', 'person.title'],
    ['behaviour_score', 'maBehaviourScore'],
    ['maBehaviourScore', 'maBehaviourScore'],
    ['hearing_budget', 'hearing.budget'],
    ['ｅｍａｉｌ', 'person.email'],
    ['manual_request', 'manualRequest.requested'],
  ] as const)('maps %j to %s', (header, path) => {
    expect(resolveInputField(header)).toBe(path);
  });

  it('lists the columns that fill nothing', () => {
    expect(unknownInputColumns(['id', 'employees', 'emplyees', 'phone', '', 'company'])).toEqual([
      'emplyees',
      'phone',
    ]);
  });
});

describe('Function: unknownInputKeys', () => {
  it('lists misspelt keys at the top and inside sections, not computed fields of a re-fed lead', () => {
    expect(
      unknownInputKeys({
        id: 'L1',
        crm: 'file',
        dataIssues: [],
        titel: '部長',
        company: { employes: 3, name: 'x' },
        person: { title: '部長', titleRank: 'department_head' },
        hearing: { budjet: 'yes' },
      }),
    ).toEqual(['titel', 'company.employes', 'hearing.budjet']);
  });
});
