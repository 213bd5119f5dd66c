import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadRuleSet, PRESETS, parseRuleSet } from '../../src/config/load-rule-set.ts';
import { type Condition, type RuleSet, RuleSetSchema } from '../../src/config/rule-set-schema.ts';
import { ActivityTypeSchema, type Lead, TITLE_RANKS } from '../../src/domain/lead.ts';
import { compileRuleSet } from '../../src/scoring/compile-rule-set.ts';
import { type DecideOptions, decide, decideGeneric } from '../../src/scoring/decide.ts';
import { ANSWERS, FACTS, OPS_BY_TYPE } from '../../src/scoring/facts.ts';
import { specialisedSource } from '../../src/scoring/specialised-decide.ts';
import { leadArbitrary } from '../support/lead-arbitrary.ts';
import { ALL_FEATURES_RULES, REFERENCE_INSTANTS } from './reference-decisions.ts';

/**
 * The rule set's specialised decide function (generated code) against the generic interpreter it
 * replaces on the hot path: deep-equal decisions — flag, outcome, scores, owner, every reason with
 * its parameters, missing fields, hold expiry — on arbitrary leads, at instants before, during and
 * after a campaign override, with quota and hold-start options, for every preset, the all-features
 * rule set and arbitrary rule sets; and admin text that would break out of a string literal in the
 * generated source stays data.
 */
const NOW = REFERENCE_INSTANTS[0]!;
const leadArb = leadArbitrary(NOW);

const optionsArb: fc.Arbitrary<DecideOptions> = fc.oneof(
  fc.constant({}),
  fc.integer({ min: 0, max: 12 }).map((used) => ({ quotaUsed: () => used })),
  fc.integer({ min: 0, max: 60 }).map((days) => ({ holdSince: NOW - days * 86_400_000 })),
);
const instantArb = fc.constantFrom(...REFERENCE_INSTANTS);
/** Leads whose numbers sit on the arbitrary rule sets' thresholds and literals, where `>` and `>=` differ. */
const boundaryLeadArb: fc.Arbitrary<Lead> = fc
  .tuple(leadArb, fc.constantFrom(null, 0, 10, 40, 70, 100), fc.constantFrom(null, 0, 10, 40, 70, 1_000))
  .map(([lead, ma, employees]) => ({
    ...lead,
    maBehaviourScore: ma,
    company: { ...lead.company, employees },
  }));
const anyLeadArb = fc.oneof(leadArb, boundaryLeadArb);

function expectSameDecisions(rs: RuleSet, numRuns: number): void {
  const rules = compileRuleSet(rs);
  fc.assert(
    fc.property(
      fc.array(leadArb, { minLength: 1, maxLength: 8 }),
      optionsArb,
      instantArb,
      (leads, options, at) => {
        // Several leads in a row: the specialised function keeps per-instant state between calls.
        for (const lead of leads)
          expect(decide(lead, rules, at, options)).toEqual(decideGeneric(lead, rules, at, options));
      },
    ),
    { numRuns },
  );
  // The comparison above compared the generated code, not the generic path with itself.
  expect(typeof rules.specialised).toBe('function');
}

describe('specialised decide: the same decisions as the generic interpreter', () => {
  for (const preset of PRESETS) {
    it(`${preset} preset, on arbitrary leads, instants and options`, () => {
      expectSameDecisions(loadRuleSet(preset), 300);
    }, 120_000);
  }

  it('the all-features rule set (any/not, activity counts, texts, ranks, quotas, hold expiry, owners)', () => {
    expectSameDecisions(parseRuleSet(ALL_FEATURES_RULES, 'all-features.yaml'), 300);
  });

  it('arbitrary rule sets', () => {
    fc.assert(
      fc.property(
        ruleSetArb,
        fc.array(anyLeadArb, { minLength: 1, maxLength: 10 }),
        optionsArb,
        instantArb,
        (rs, leads, options, at) => {
          const rules = compileRuleSet(rs);
          for (const lead of leads)
            expect(decide(lead, rules, at, options)).toEqual(decideGeneric(lead, rules, at, options));
          expect(typeof rules.specialised).toBe('function');
        },
      ),
      { numRuns: 150 },
    );
    // A few seconds; the limit is generous for a loaded machine.
  }, 120_000);

  it('a decision inside another (a quota callback deciding) is the generic one, and so is the outer', () => {
    const rules = compileRuleSet(parseRuleSet(ALL_FEATURES_RULES, 'all-features.yaml'));
    const [outer, inner] = fc.sample(leadArb, { seed: 3, numRuns: 2 }) as [Lead, Lead];
    let nested: ReturnType<typeof decide> | undefined;
    const options = {
      quotaUsed: () => {
        nested = decide(inner, rules, NOW);
        return 0;
      },
    };
    const requested = { ...outer, manualRequest: { requestedBy: 'u001', at: null } };
    expect(decide(requested, rules, NOW, options)).toEqual(decideGeneric(requested, rules, NOW, {}));
    expect(nested).toEqual(decideGeneric(inner, rules, NOW));
  });
});

describe('specialised decide: admin text stays data in the generated source', () => {
  // Each would end a string literal, a template or a comment, or start a new statement, if spliced raw.
  const HOSTILE = [
    `"; globalThis.__tossupPwned = 1; "`,
    `'; globalThis.__tossupPwned = 1; '`,
    '`; globalThis.__tossupPwned = 1; `',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of a template literal, on purpose
    '${globalThis.__tossupPwned = 1}',
    '*/ globalThis.__tossupPwned = 1; /*',
    'line\nglobalThis.__tossupPwned = 1;\n// ',
    '\u2028globalThis.__tossupPwned = 1;\u2029',
    '\\"; globalThis.__tossupPwned = 1; //',
  ];
  const yaml = (s: string) => JSON.stringify(s); // a JSON string is a YAML double-quoted scalar
  const rulesYaml = `version: 1
name: hostile
timeZone: Asia/Tokyo
thresholds: { behaviour: 5 }
attributeScore:
  groups:
    - id: industry
      fact: company.industry
      tiers:
        - { op: in, value: [${HOSTILE.map(yaml).join(', ')}], points: 40 }
    - id: region
      fact: company.region
      tiers:
        - { op: eq, value: ${yaml(HOSTILE[0]!)}, points: 7 }
        - { op: contains, value: ${yaml(HOSTILE[4]!)}, points: 3 }
behaviourScore:
  source: activities
  weights: { page_view: 1 }
  pageWeights: { ${HOSTILE.map((h, i) => `${yaml(h)}: ${i + 10}`).join(', ')} }
overrides:
  - { id: odd, label: ${yaml(HOSTILE[2]!)}, from: 2026-12-01, to: 2026-12-20, thresholds: { behaviour: 3 } }
rules:
  - id: named
    description: ${yaml(HOSTILE[5]!)}
    when:
      any:
        - { fact: person.department, op: in, value: [${HOSTILE.map(yaml).join(', ')}] }
        - { fact: person.department, op: matches, value: ${yaml('^\\$\\{')} }
        - { fact: person.emailDomain, op: eq, value: ${yaml(HOSTILE[3]!)} }
    flag: yes
    nextAction: field_sales_tossup
    owner: { queue: odd_queue }
  - id: scored
    when: { fact: score.behaviour, op: gte, threshold: behaviour }
    flag: yes
    nextAction: inside_sales_follow_up
    explainWhenNotMet: true
otherwise: { flag: no, nextAction: nurture }
`;

  it('compiles, runs no injected statement, and scores and matches the hostile texts as values', () => {
    const rs = parseRuleSet(rulesYaml, 'hostile.yaml');
    const rules = compileRuleSet(rs);
    const source = specialisedSource(rules);
    expect(source).toBeDefined();
    // A hostile text is in the source only as a JSON string literal (switch cases), if at all.
    let outsideLiterals = source!.code;
    for (const h of HOSTILE) outsideLiterals = outsideLiterals.split(JSON.stringify(h)).join('""');
    for (const h of HOSTILE) expect(outsideLiterals).not.toContain(h);
    const [base] = fc.sample(leadArb, { seed: 9, numRuns: 1 }) as [Lead];
    const leads: Lead[] = HOSTILE.flatMap((h): Lead[] => [
      {
        ...base,
        company: { ...base.company, industry: h, region: h, existingCustomer: false, strategicTarget: false },
        person: { ...base.person, department: h, emailDomain: null },
        maBehaviourScore: null,
        activities: [{ type: 'page_view', at: new Date(NOW - 86_400_000).toISOString(), page: h }],
      },
      { ...base, person: { ...base.person, department: 'none', emailDomain: h } },
    ]);
    for (const at of REFERENCE_INSTANTS)
      for (const lead of leads) expect(decide(lead, rules, at)).toEqual(decideGeneric(lead, rules, at));
    expect(typeof rules.specialised).toBe('function');
    expect((globalThis as { __tossupPwned?: unknown }).__tossupPwned).toBeUndefined();
    // The hostile texts were compared as data: every one of them named the department, scored the industry.
    const first = decide(leads[0]!, rules, NOW);
    expect(first.ruleId).toBe('named');
    expect(first.scores.attribute).toBe(47);
    HOSTILE.forEach((_, i) => {
      // The e-mail domain is compared with one of them only (a literal through the constants).
      expect(decide(leads[2 * i + 1]!, rules, NOW).ruleId === 'named').toBe(i === 3);
      const d = decide(leads[2 * i]!, rules, NOW);
      expect(d.ruleId).toBe('named');
      // The page weight of that hostile page name (10 + i) plus the page view's 1, a day ago (no half-life).
      expect(d.scores.behaviour).toBe(11 + i);
    });
  });
});

// ── arbitrary rule sets ───────────────────────────────────────────────────────────────────────────

const THRESHOLDS = { low: 10, mid: 40, high: 70 };
const TEXTS = ['manufacturing', 'finance', 'retail', '東京都', '大阪府', 'IT', 'sales', '', 'gmail.com'];
const PAGES = ['pricing', 'blog', 'case_studies'];
const factNames = Object.keys(FACTS);

function literalArb(type: string, op: string): fc.Arbitrary<unknown> {
  const one: fc.Arbitrary<string | number | boolean> =
    type === 'number'
      ? fc.integer({ min: -5, max: 2_000 })
      : type === 'rank'
        ? fc.constantFrom(...TITLE_RANKS)
        : type === 'answer'
          ? fc.constantFrom(...ANSWERS)
          : type === 'boolean'
            ? fc.boolean()
            : op === 'matches'
              ? fc.constantFrom('^(営業|sales)', 'IT|DX', 'finance$', '.')
              : fc.constantFrom(...TEXTS);
  return op === 'in' || op === 'notIn' ? fc.array(one, { minLength: 1, maxLength: 4 }) : one;
}

const leafArb: fc.Arbitrary<Condition> = fc.constantFrom(...factNames).chain((fact) => {
  const type = FACTS[fact]!.type;
  return fc.constantFrom(...OPS_BY_TYPE[type]).chain((op): fc.Arbitrary<Condition> => {
    const numeric = type === 'number' && !['in', 'notIn'].includes(op);
    const base =
      numeric && fact !== 'activities.count'
        ? fc.oneof(
            fc.constantFrom(...Object.keys(THRESHOLDS)).map((threshold) => ({ fact, op, threshold })),
            literalArb(type, op).map((value) => ({ fact, op, value })),
          )
        : literalArb(type, op).map((value) => ({ fact, op, value }));
    if (fact !== 'activities.count') return base as fc.Arbitrary<Condition>;
    return fc
      .record(
        {
          value: fc.integer({ min: 0, max: 4 }),
          withinDays: fc.integer({ min: 1, max: 120 }),
          types: fc.subarray([...ActivityTypeSchema.options], { minLength: 1 }),
          page: fc.constantFrom(...PAGES),
        },
        { requiredKeys: ['value'] },
      )
      .map((extra) => ({ fact, op: numeric ? op : 'gte', ...extra }) as Condition);
  });
});

const conditionArb: fc.Arbitrary<Condition> = fc.letrec<{ c: Condition }>((tie) => ({
  c: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.array(tie('c'), { minLength: 1, maxLength: 3 }).map((all) => ({ all })),
    fc.array(tie('c'), { minLength: 1, maxLength: 3 }).map((any) => ({ any })),
    tie('c').map((not) => ({ not })),
  ),
})).c;

const outcomeArb = fc.record({
  flag: fc.constantFrom('yes' as const, 'no' as const, 'hold' as const),
  nextAction: fc.constantFrom(
    'field_sales_tossup' as const,
    'nurture' as const,
    'inside_sales_hearing' as const,
  ),
  priority: fc.constantFrom('high' as const, 'medium' as const, 'low' as const),
});

const ruleArb = (i: number) =>
  fc
    .record({
      when: conditionArb,
      outcome: outcomeArb,
      owner: fc.constantFrom(undefined, 'account_owner' as const, 'requester' as const, { queue: `q${i}` }),
      onMissing: fc.constantFrom('hold' as const, 'skip' as const),
      explainWhenNotMet: fc.boolean(),
      quota: fc.boolean(),
      expires: fc.constantFrom(undefined, '3 days', '2 businessDays'),
      intent: fc.option(conditionArb, { nil: undefined }),
    })
    .map((r) => ({
      id: `rule_${i}`,
      when: r.quota ? { all: [{ fact: 'manualRequest.requested', op: 'eq', value: true }, r.when] } : r.when,
      ...r.outcome,
      ...(r.owner ? { owner: r.owner } : {}),
      onMissing: r.onMissing,
      explainWhenNotMet: r.explainWhenNotMet,
      ...(r.quota ? { quotaPerMonth: 3 } : {}),
      ...(r.outcome.flag === 'hold' && r.expires ? { holdExpiresAfter: r.expires } : {}),
      ...(r.intent ? { intent: { when: r.intent } } : {}),
    }));

const groupFacts = factNames.filter((f) => !f.startsWith('score.') && f !== 'activities.count');
const groupArb = (i: number) =>
  fc.constantFrom(...groupFacts).chain((fact) =>
    fc.record({
      id: fc.constant(`group_${i}`),
      fact: fc.constant(fact),
      required: fc.boolean(),
      tiers: fc.array(
        fc.constantFrom(...OPS_BY_TYPE[FACTS[fact]!.type]).chain((op) =>
          fc.record({
            op: fc.constant(op),
            value: literalArb(FACTS[fact]!.type, op),
            points: fc.integer({ min: -5, max: 40 }),
          }),
        ),
        { minLength: 1, maxLength: 4 },
      ),
    }),
  );

const ruleSetArb: fc.Arbitrary<RuleSet> = fc
  .record({
    groups: fc
      .integer({ min: 0, max: 4 })
      .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => groupArb(i)))),
    cap: fc.integer({ min: 1, max: 120 }),
    source: fc.constantFrom('activities' as const, 'ma' as const, 'ma_or_activities' as const),
    windowDays: fc.integer({ min: 1, max: 120 }),
    halfLifeDays: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
    behaviourCap: fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }),
    weights: fc.dictionary(fc.constantFrom(...ActivityTypeSchema.options), fc.integer({ min: 0, max: 30 })),
    pageWeights: fc.dictionary(fc.constantFrom(...PAGES), fc.integer({ min: 0, max: 10 })),
    override: fc.boolean(),
    rules: fc
      .integer({ min: 1, max: 5 })
      .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => ruleArb(i)))),
    otherwise: outcomeArb,
    missingExpires: fc.constantFrom(undefined, '5 days'),
  })
  .map((r) =>
    RuleSetSchema.parse({
      version: 1,
      name: 'arbitrary',
      timeZone: 'Asia/Tokyo',
      thresholds: THRESHOLDS,
      attributeScore: { cap: r.cap, groups: r.groups },
      behaviourScore: {
        source: r.source,
        windowDays: r.windowDays,
        ...(r.halfLifeDays ? { halfLifeDays: r.halfLifeDays } : {}),
        ...(r.behaviourCap ? { cap: r.behaviourCap } : {}),
        weights: r.weights,
        pageWeights: r.pageWeights,
      },
      overrides: r.override
        ? [{ id: 'push', label: 'Push', from: '2026-12-01', to: '2026-12-20', thresholds: { mid: 20 } }]
        : [],
      rules: r.rules,
      otherwise: r.otherwise,
      missingData: {
        flag: 'hold',
        nextAction: 'inside_sales_hearing',
        ...(r.missingExpires ? { holdExpiresAfter: r.missingExpires } : {}),
      },
    }),
  );
