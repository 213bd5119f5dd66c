import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LeadSchema, TitleRankSchema } from '../../src/domain/lead.ts';
import { parseCrmDate, parseCrmDateTime } from '../../src/normalize/crm-date.ts';
import { parseCsvRows } from '../../src/normalize/csv.ts';
import { MAX_EMPLOYEES, parseEmployeeCount } from '../../src/normalize/employee-count.ts';
import { LeadInputSchema, normalizeLead } from '../../src/normalize/lead-input.ts';
import { MAX_REVENUE_JPY, parseRevenueJpy } from '../../src/normalize/revenue.ts';
import { titleRank } from '../../src/normalize/title-rank.ts';

/** Values as files really hold them, plus anything JSON can express. */
const messyValue = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '-',
    '不明',
    '1,200名',
    '50-99',
    '１２００人',
    'many',
    '10億円',
    '$3M',
    'あり',
    'なし',
    'はい',
    '✓',
    'maybe',
    '2026-02-30',
    '2026/11/20 10:00',
    '2026-11-20T01:00:00.000+0000',
    '1763600000000',
    '3ヶ月以内',
    '部長代理',
    'Head of Sales, Japan',
    'taro@example.co.jp',
    'not an email',
    '[{"type":"webinar","at":"2026-11-20"}]',
    '[broken',
    '{"type":"webinar"}',
  ),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
);

function section(keys: readonly string[]) {
  return fc.oneof(
    fc.record(Object.fromEntries(keys.map((key) => [key, messyValue])), { requiredKeys: [] }),
    messyValue,
  );
}

const activity = fc.oneof(
  fc.record(
    {
      type: fc.oneof(fc.constantFrom('webinar', '資料請求', 'page_view', 'phone call'), messyValue),
      at: fc.oneof(fc.constantFrom('2026-11-20T01:00:00Z', '2026/11/20', '2026-02-30'), messyValue),
      page: messyValue,
      source: messyValue,
    },
    { requiredKeys: [] },
  ),
  messyValue,
);

/** A lead-shaped object with a valid id and messy values everywhere else, flat aliases included. */
const leadish = fc.record(
  {
    id: fc.oneof(
      fc.string({ minLength: 1 }).filter((s) => s.trim() !== ''),
      fc.integer(),
    ),
    objectType: messyValue,
    ownerId: messyValue,
    modifiedAt: messyValue,
    company: section([
      'name',
      'employees',
      'revenueJpy',
      'industry',
      'region',
      'existingCustomer',
      'accountOwnerId',
      'strategicTarget',
    ]),
    person: section(['title', 'department', 'email', 'emailDomain']),
    activities: fc.oneof(fc.array(activity, { maxLength: 4 }), messyValue),
    maBehaviourScore: messyValue,
    hearing: section([
      'heardAt',
      'budget',
      'decisionMaker',
      'decisionInvolved',
      'clearProblem',
      'timelineMonths',
      'notes',
    ]),
    history: section(['previouslyLost', 'lastTossUpAt']),
    manualRequest: section(['requested', 'requestedBy', 'at']),
    current: section([
      'flag',
      'reason',
      'nextAction',
      'attributeScore',
      'behaviourScore',
      'dueAt',
      'decisionKey',
    ]),
    employees: messyValue,
    title: messyValue,
    budget: messyValue,
    'company.revenue_jpy': messyValue,
    email: messyValue,
  },
  { requiredKeys: ['id'] },
);

function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

function related(a: string, b: string): boolean {
  const within = (inner: string, outer: string) =>
    inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
  return within(a, b) || within(b, a);
}

describe('Property: normalizeLead', () => {
  it('never throws on arbitrary input and always yields a valid Lead or a typed error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.jsonValue(), leadish), (input) => {
        const result = normalizeLead(input);
        if (result.ok) LeadSchema.parse(result.lead);
        else expect(['not_an_object', 'missing_id']).toContain(result.error.code);
      }),
      { numRuns: 300 },
    );
  });

  it('always yields a valid Lead for an object with an id, whatever its values', () => {
    fc.assert(
      fc.property(leadish, (input) => {
        const result = normalizeLead(input);
        expect(result.ok).toBe(true);
        if (result.ok) LeadSchema.parse(result.lead);
      }),
      { numRuns: 300 },
    );
  });

  it('reports as a data issue every value LeadInputSchema rejects (schema and code agree)', () => {
    fc.assert(
      fc.property(leadish, (input) => {
        const schema = LeadInputSchema.safeParse(input);
        const result = normalizeLead(input);
        if (schema.success || !result.ok) return;
        const fields = result.lead.dataIssues.map((issue) => issue.field);
        for (const issue of schema.error.issues) {
          const path = pathText(issue.path);
          expect(
            fields.some((field) => related(field, path)),
            `schema rejects ${path}; issues: ${fields.join(', ')}`,
          ).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the e-mail address out of the Lead', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z]{6,12}$/u),
        fc.constantFrom('example.co.jp', 'acme.com', ''),
        (local, domain) => {
          const result = normalizeLead({ id: 'a', person: { email: `${local}@${domain}` } });
          expect(result.ok && JSON.stringify(result.lead)).not.toContain(local);
        },
      ),
    );
  });
});

const TITLE_FRAGMENTS = [
  '代表取締役',
  '社長',
  'CEO',
  'cio',
  '執行役員',
  'Vice President',
  'VP',
  '本部長',
  'Head of Sales',
  'Director',
  'General Manager',
  '部長',
  '部長代理',
  '次長',
  'Senior Manager',
  '課長',
  'Manager',
  '係長',
  'Team Lead',
  '主任',
  'Senior Engineer',
  '担当',
  'Staff',
  'Analyst',
  '営業部',
  'Sales',
  'Japan',
  'マネージャー',
];
const SEPARATORS = [' ', ' 兼 ', '/', ', ', '・', ' & ', '　'];
const title = fc
  .array(fc.tuple(fc.constantFrom(...TITLE_FRAGMENTS), fc.constantFrom(...SEPARATORS)), {
    minLength: 1,
    maxLength: 4,
  })
  .map((parts) => parts.map(([fragment, separator]) => fragment + separator).join(''));

/** The full-width form of printable ASCII, as Japanese IMEs produce it. */
function toFullWidth(text: string): string {
  return text
    .replace(/[!-~]/gu, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))
    .replaceAll(' ', '\u3000');
}

describe('Property: titleRank', () => {
  it('is total: any string gives a rank or null, never an exception', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })),
        (raw) => {
          const rank = titleRank(raw);
          expect(rank === null || TitleRankSchema.safeParse(rank).success).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('ignores letter case and character width', () => {
    fc.assert(
      fc.property(title, fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }), (raw, upper) => {
        const expected = titleRank(raw);
        const recased = [...raw]
          .map((c, i) => (upper[i % upper.length] ? c.toUpperCase() : c.toLowerCase()))
          .join('');
        expect(titleRank(recased)).toBe(expected);
        expect(titleRank(toFullWidth(raw))).toBe(expected);
        expect(titleRank(`  ${raw}  `)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('Property: figure parsers', () => {
  it('parseEmployeeCount never throws and yields a whole count in range, or null with or without an issue', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string(), fc.double(), messyValue), (raw) => {
        const result = parseEmployeeCount(raw);
        if (result.value === null) return;
        expect(result.issue).toBeUndefined();
        expect(Number.isInteger(result.value)).toBe(true);
        expect(result.value).toBeGreaterThanOrEqual(0);
        expect(result.value).toBeLessThanOrEqual(MAX_EMPLOYEES);
      }),
      { numRuns: 500 },
    );
  });

  it('parseEmployeeCount reads every formatted whole number back', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MAX_EMPLOYEES }),
        fc.constantFrom('名', '人', ' employees', ''),
        (n, unit) => {
          expect(parseEmployeeCount(`${n.toLocaleString('en-US')}${unit}`)).toEqual({ value: n });
          expect(parseEmployeeCount(toFullWidth(`${n}`) + unit)).toEqual({ value: n });
        },
      ),
    );
  });

  it('parseRevenueJpy never throws and stays in range', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string(), messyValue), (raw) => {
        const result = parseRevenueJpy(raw);
        if (result.value !== null) {
          expect(result.value).toBeGreaterThanOrEqual(0);
          expect(result.value).toBeLessThanOrEqual(MAX_REVENUE_JPY);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('parseRevenueJpy reads 億/万 figures as their yen value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 0, max: 9999 }), (oku, man) => {
        expect(parseRevenueJpy(`${oku}億${man}万円`)).toEqual({ value: oku * 1e8 + man * 1e4 });
      }),
    );
  });
});

describe('Property: parseCrmDateTime', () => {
  const instant = fc.date({
    min: new Date('1990-01-01T00:00:00Z'),
    max: new Date('2099-12-31T23:59:59Z'),
    noInvalidDate: true,
  });

  it('reads back ISO, Salesforce and epoch-millisecond renderings of the same instant', () => {
    fc.assert(
      fc.property(instant, (date) => {
        const iso = date.toISOString();
        const salesforce = iso.replace('Z', '+0000');
        expect(parseCrmDateTime(iso)).toEqual({ value: iso });
        expect(parseCrmDateTime(salesforce)).toEqual({ value: iso });
        expect(parseCrmDateTime(date.getTime())).toEqual({ value: iso });
        expect(parseCrmDateTime(String(date.getTime()))).toEqual({ value: iso });
      }),
    );
  });

  it('never throws, and a date-time always agrees with its Tokyo calendar date', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string(), messyValue), (raw) => {
        const time = parseCrmDateTime(raw);
        const date = parseCrmDate(raw);
        if (time.value !== null && date.value !== null && typeof raw !== 'string') {
          expect(new Date(Date.parse(time.value) + 9 * 3600_000).toISOString().slice(0, 10)).toBe(date.value);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('Property: parseCsvRows', () => {
  it('reads back any table written with RFC 4180 quoting', async () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'あ', ',', '"', '\n', ' ', 'x', '') });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 5 }),
        async (table) => {
          // Prepare
          const text = table
            .map((row) => row.map((value) => `"${value.replaceAll('"', '""')}"`).join(','))
            .join('\n');
          // Act
          const rows: string[][] = [];
          for await (const row of parseCsvRows(text.split('\n'))) if (row.ok) rows.push(row.fields);
          // Assess
          expect(rows).toEqual(table);
        },
      ),
      { numRuns: 200 },
    );
  });
});
