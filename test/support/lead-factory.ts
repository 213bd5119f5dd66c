import { type Activity, EMPTY_CURRENT, type Hearing, type Lead } from '../../src/domain/lead.ts';

/** A complete, valid lead with neutral values; tests override only what they are about. */
export function makeLead(
  over: Partial<Omit<Lead, 'company' | 'person' | 'history'>> & {
    company?: Partial<Lead['company']>;
    person?: Partial<Lead['person']>;
    history?: Partial<Lead['history']>;
  } = {},
): Lead {
  const { company, person, history, ...rest } = over;
  return {
    id: 'L-1',
    crm: 'file',
    objectType: 'Lead',
    ownerId: null,
    modifiedAt: null,
    activities: [],
    maBehaviourScore: null,
    hearing: null,
    manualRequest: null,
    current: EMPTY_CURRENT,
    dataIssues: [],
    ...rest,
    company: {
      name: 'テスト株式会社',
      employees: 500,
      revenueJpy: null,
      industry: null,
      region: null,
      existingCustomer: false,
      accountOwnerId: null,
      strategicTarget: false,
      ...company,
    },
    person: { title: null, titleRank: null, department: null, emailDomain: null, ...person },
    history: { previouslyLost: false, lastTossUpAt: null, ...history },
  };
}

export function heard(over: Partial<Hearing> = {}): Hearing {
  return {
    heardAt: '2026-11-10T02:00:00.000Z',
    budget: 'unknown',
    decisionMaker: 'unknown',
    decisionInvolved: 'unknown',
    clearProblem: 'unknown',
    timelineMonths: null,
    notes: null,
    ...over,
  };
}

/** `n` activities of `type`, `daysAgo` calendar days (JST) before `now`, at 10:00 JST. */
export function activitiesAgo(
  now: string,
  daysAgo: number,
  type: Activity['type'],
  n = 1,
  page?: string,
): Activity[] {
  // Anchor on the JST date of `now`, then step back whole days; 10:00 JST (01:00Z) keeps clear of midnight.
  const jstDay = Math.floor((new Date(now).getTime() + 9 * 3_600_000) / 86_400_000);
  const at = new Date((jstDay - daysAgo) * 86_400_000 + 1 * 3_600_000).toISOString();
  return Array.from({ length: n }, () => ({ type, at, ...(page ? { page } : {}) }));
}
