import fc from 'fast-check';
import { ActivityTypeSchema, type Lead, TitleRankSchema } from '../../src/domain/lead.ts';

const answer = fc.constantFrom('yes' as const, 'no' as const, 'unknown' as const);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });

/**
 * Leads as connectors produce them, including every kind of gap and extreme, with timestamps from
 * 400 days before `nowMs` to 5 days after it.
 */
export function leadArbitrary(nowMs: number): fc.Arbitrary<Lead> {
  const when = fc
    .integer({ min: nowMs - 400 * 86_400_000, max: nowMs + 5 * 86_400_000 })
    .map((t) => new Date(t).toISOString());
  return fc.record({
    id: fc.string({ minLength: 1, maxLength: 18 }),
    crm: fc.constantFrom('salesforce' as const, 'hubspot' as const, 'file' as const),
    objectType: fc.constant('Lead'),
    ownerId: maybe(fc.string()),
    modifiedAt: maybe(when),
    company: fc.record({
      name: maybe(fc.string()),
      employees: maybe(fc.integer({ min: 0, max: 10_000_000 })),
      revenueJpy: maybe(fc.double({ min: 0, max: 1e15, noNaN: true })),
      industry: maybe(fc.constantFrom('manufacturing', 'finance', 'retail', 'other', '')),
      region: maybe(fc.constantFrom('東京都', '大阪府', '北海道', '')),
      existingCustomer: fc.boolean(),
      accountOwnerId: maybe(fc.string({ minLength: 1 })),
      strategicTarget: fc.boolean(),
    }),
    person: fc.record({
      title: maybe(fc.string()),
      titleRank: maybe(fc.constantFrom(...TitleRankSchema.options)),
      department: maybe(fc.string()),
      emailDomain: maybe(fc.domain()),
    }),
    activities: fc.array(
      fc.record(
        {
          type: fc.constantFrom(...ActivityTypeSchema.options),
          at: when,
          page: fc.constantFrom('pricing', 'blog', 'case_studies'),
        },
        { requiredKeys: ['type', 'at'] },
      ),
      { maxLength: 40 },
    ),
    maBehaviourScore: maybe(fc.double({ min: -50, max: 100_000, noNaN: true })),
    hearing: maybe(
      fc.record({
        heardAt: maybe(when),
        budget: answer,
        decisionMaker: answer,
        decisionInvolved: answer,
        clearProblem: answer,
        timelineMonths: maybe(fc.integer({ min: 0, max: 60 })),
        notes: maybe(fc.string()),
      }),
    ),
    history: fc.record({ previouslyLost: fc.boolean(), lastTossUpAt: maybe(when) }),
    manualRequest: maybe(fc.record({ requestedBy: maybe(fc.string({ minLength: 1 })), at: maybe(when) })),
    current: fc.constant({
      flag: null,
      reason: null,
      nextAction: null,
      attributeScore: null,
      behaviourScore: null,
      dueAt: null,
      decisionKey: null,
    }),
    dataIssues: fc.constant([]),
  });
}
