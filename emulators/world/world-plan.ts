import { generateCampaigns } from './generate-campaigns.ts';
import { type CompanyFacts, generateCompanies } from './generate-companies.ts';
import { generateUsers } from './generate-users.ts';
import { SeededRandom } from './seeded-random.ts';
import type { World } from './world.ts';
import { businessMoment, isoFromSeconds, SECONDS_PER_DAY } from './world-time.ts';

/**
 * Everything about a world except its people, plus the hidden facts the people generator needs.
 * Planning is cheap (companies are a third of the people); people are then produced one at a time
 * from the plan, so a 1M-lead world can be streamed to a file without holding it in memory.
 */

export interface WorldOptions {
  /** Any safe integer; the same seed, size and asOf always give the same world. */
  seed: number;
  /** Number of people (Salesforce Leads plus Contacts). */
  leads: number;
  /** The "now" of the data set: nothing happens after it. */
  asOf: string | Date;
}

export type WorldFrame = Omit<World, 'people'>;

export interface WorldPlan {
  readonly frame: WorldFrame;
  readonly leads: number;
  readonly asOfSeconds: number;
  readonly facts: readonly CompanyFacts[];
  /** Company index of each person, in person order. */
  readonly personCompany: Int32Array;
  /** Chance that a person at a non-customer account is a Contact rather than an unconverted Lead. */
  readonly contactShareAtProspectAccounts: number;
  /** Moments of mass updates (data loads, workflow re-runs), sorted: the source of same-second ties. */
  readonly bulkEditMoments: Float64Array;
}

/** Share of people who are Contacts (people at accounts); the rest are Leads. */
const TARGET_CONTACT_SHARE = 0.3;
/** Share of people whose last change came from a mass update shared with other records. */
const BULK_EDIT_SHARE = 0.055;

function parseOptions(options: WorldOptions): { seed: number; leads: number; asOfSeconds: number } {
  const { seed, leads, asOf } = options;
  if (!Number.isSafeInteger(seed))
    throw new RangeError(`generateWorld: seed must be a safe integer (got ${seed})`);
  if (!Number.isSafeInteger(leads) || leads < 1) {
    throw new RangeError(`generateWorld: leads must be an integer >= 1 (got ${leads})`);
  }
  const ms = asOf instanceof Date ? asOf.getTime() : Date.parse(asOf);
  if (!Number.isFinite(ms)) {
    throw new RangeError(`generateWorld: asOf must be an ISO 8601 date-time (got ${String(asOf)})`);
  }
  return { seed, leads, asOfSeconds: Math.floor(ms / 1000) };
}

export function companyCountFor(leads: number): number {
  return Math.max(4, Math.round(leads / 3));
}

/**
 * How many people each company gets: at least one each when there are enough people, the rest in
 * proportion to size (enterprises have dozens of contacts, micro firms one), with accounts and
 * customers weighted up because sales has met more of their people. Systematic sampling gives each
 * company the floor or ceiling of its expected share, so proportions hold at every size.
 */
function allocatePeople(random: SeededRandom, leads: number, weights: Float64Array): Int32Array {
  const counts = new Int32Array(weights.length);
  const base = leads >= weights.length ? 1 : 0;
  counts.fill(base);
  const remaining = leads - base * weights.length;
  if (remaining === 0) return counts;
  let total = 0;
  for (const w of weights) total += w;
  const step = total / remaining;
  let point = random.next() * step;
  let cumulative = 0;
  let assigned = 0;
  for (let c = 0; c < weights.length && assigned < remaining; c++) {
    cumulative += weights[c] as number;
    while (point < cumulative && assigned < remaining) {
      counts[c] = (counts[c] as number) + 1;
      point += step;
      assigned++;
    }
  }
  // Floating-point rounding can leave the last point just past the end.
  for (let c = weights.length - 1; assigned < remaining; c = (c + weights.length - 1) % weights.length) {
    counts[c] = (counts[c] as number) + 1;
    assigned++;
  }
  return counts;
}

export function planWorld(options: WorldOptions): WorldPlan {
  const { seed, leads, asOfSeconds } = parseOptions(options);
  const { users, queues } = generateUsers(seed, leads);
  const campaigns = generateCampaigns(seed, asOfSeconds);
  const { companies, facts } = generateCompanies(seed, companyCountFor(leads), users, asOfSeconds);

  const random = new SeededRandom(seed, 'allocation');
  const weights = new Float64Array(companies.length);
  companies.forEach((company, i) => {
    const f = facts[i] as CompanyFacts;
    weights[i] = f.trueEmployees ** 0.4 * (f.isAccount ? 1.5 : 1) * (company.existingCustomer ? 1.1 : 1);
  });
  const counts = allocatePeople(random, leads, weights);

  const personCompany = new Int32Array(leads);
  let cursor = 0;
  let customerPeople = 0;
  let prospectAccountPeople = 0;
  counts.forEach((n, c) => {
    personCompany.fill(c, cursor, cursor + n);
    cursor += n;
    if (companies[c]?.existingCustomer) customerPeople += n;
    else if (facts[c]?.isAccount) prospectAccountPeople += n;
  });
  // Shuffle so people of one company are spread over the key range, as CRM records are.
  for (let i = leads - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    const t = personCompany[i] as number;
    personCompany[i] = personCompany[j] as number;
    personCompany[j] = t;
  }
  const contactShareAtProspectAccounts =
    prospectAccountPeople === 0
      ? 0
      : Math.min(
          0.95,
          Math.max(0.2, (TARGET_CONTACT_SHARE * leads - customerPeople) / prospectAccountPeople),
        );

  // About a dozen records per mass update, spread over the last year.
  const bulkEditMoments = new Float64Array(Math.max(1, Math.round((leads * BULK_EDIT_SHARE) / 12)));
  for (let i = 0; i < bulkEditMoments.length; i++) {
    bulkEditMoments[i] = businessMoment(random, asOfSeconds - 365 * SECONDS_PER_DAY, asOfSeconds);
  }
  bulkEditMoments.sort();

  return {
    frame: { seed, asOf: isoFromSeconds(asOfSeconds), users, queues, companies, campaigns },
    leads,
    asOfSeconds,
    facts,
    personCompany,
    contactShareAtProspectAccounts,
    bulkEditMoments,
  };
}
