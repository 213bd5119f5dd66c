import { pickCompanyIdentity } from './company-names.ts';
import { recordEmployees } from './employee-count-text.ts';
import { estimateRevenueJpy, type IndustryCode, pickEmployeeCount, pickIndustry } from './industries.ts';
import { type Prefecture, pickPrefecture } from './prefectures.ts';
import { pickWeightedIndexes, SeededRandom } from './seeded-random.ts';
import type { OpportunityStage, WorldCompany, WorldOpportunity, WorldUser } from './world.ts';
import { jstDateFromSeconds, SECONDS_PER_DAY } from './world-time.ts';

/**
 * Companies of the market and the vendor's history with them: about 8% are customers (with won
 * deals and an account manager), about 3% are tagged strategic targets, about 10% have a lost deal
 * (失注) and about 6% an open one. Some facts stay hidden from the World (the true head count behind
 * a blank field, whether the company is evaluating right now); the people generator uses them so
 * that engagement clusters by company and person counts follow company size.
 */

export interface CompanyFacts {
  trueEmployees: number;
  industry: IndustryCode;
  prefecture: Prefecture;
  englishNamed: boolean;
  /** Held as a Salesforce Account (customers, deals, strategic, some prospects); others only as Leads. */
  isAccount: boolean;
  /** Actively evaluating tools now: its people engage more. */
  inEvaluation: boolean;
  /** Index of the company-wide e-mail address pattern. */
  emailPattern: number;
}

export interface GeneratedCompanies {
  companies: WorldCompany[];
  facts: CompanyFacts[];
}

export const EMAIL_PATTERN_WEIGHTS: readonly number[] = [35, 10, 15, 5, 10, 5, 5, 5, 10];

const RATES = {
  customer: 0.08,
  strategic: 0.03,
  lost: 0.1,
  open: 0.06,
  extraAccount: 0.08,
  blankIndustry: 0.04,
  blankPrefecture: 0.04,
  blankRevenue: 0.1,
  inactiveOwner: 0.015,
} as const;

function legalFormStripped(name: string): string {
  return name.replace(/株式会社|有限会社|合同会社|（株）|\(株\)|\s*K\.K\.|\s*Inc\./g, '').trim();
}

function pickEmailPattern(random: SeededRandom): number {
  const total = EMAIL_PATTERN_WEIGHTS.reduce((a, b) => a + b, 0);
  let roll = random.next() * total;
  for (let i = 0; i < EMAIL_PATTERN_WEIGHTS.length; i++) {
    roll -= EMAIL_PATTERN_WEIGHTS[i] as number;
    if (roll < 0) return i;
  }
  return 0;
}

class OwnerPools {
  private readonly byRoleTerritory = new Map<string, WorldUser[]>();
  private readonly byRole = new Map<string, WorldUser[]>();
  readonly inactive: WorldUser[];

  constructor(users: readonly WorldUser[]) {
    for (const u of users) {
      if (!u.active) continue;
      const key = `${u.role}/${u.territory}`;
      this.byRoleTerritory.set(key, [...(this.byRoleTerritory.get(key) ?? []), u]);
      this.byRole.set(u.role, [...(this.byRole.get(u.role) ?? []), u]);
    }
    this.inactive = users.filter((u) => !u.active);
  }

  /** An active user of `role`, preferring the territory; falls back to any active user of the role. */
  pick(random: SeededRandom, role: WorldUser['role'], territory: string): WorldUser {
    const local = this.byRoleTerritory.get(`${role}/${territory}`);
    const pool = local?.length ? local : this.byRole.get(role);
    if (!pool?.length) throw new Error(`generate-companies: no active ${role} user`);
    return random.pick(pool);
  }
}

export function generateCompanies(
  seed: number,
  count: number,
  users: readonly WorldUser[],
  asOfSeconds: number,
): GeneratedCompanies {
  const random = new SeededRandom(seed, 'companies');
  const pools = new OwnerPools(users);
  const usedDomains = new Set<string>();
  const domainSuffixCounters = new Map<string, number>();
  const companies: WorldCompany[] = [];
  const facts: CompanyFacts[] = [];

  for (let i = 0; i < count; i++) {
    const industry = pickIndustry(random);
    const trueEmployees = pickEmployeeCount(random, industry);
    const prefecture = pickPrefecture(random, trueEmployees);
    let identity = pickCompanyIdentity(random, industry, trueEmployees, prefecture);
    // Retry a few names before disambiguating, so big worlds do not fill up with 〇〇-2 domains.
    for (
      let retry = 0;
      retry < 6 && usedDomains.has(`${identity.domainLabel}.${identity.domainSuffix}`);
      retry++
    ) {
      identity = pickCompanyIdentity(random, industry, trueEmployees, prefecture, retry + 1);
    }
    let domain = `${identity.domainLabel}.${identity.domainSuffix}`;
    if (usedDomains.has(domain))
      domain = `${identity.domainLabel}-${prefecture.romaji}.${identity.domainSuffix}`;
    if (usedDomains.has(domain)) {
      // A per-name counter instead of probing 2, 3, 4 ...: popular names repeat thousands of times at 1M.
      const base = `${identity.domainLabel}.${identity.domainSuffix}`;
      let n = domainSuffixCounters.get(base) ?? 1;
      do {
        n++;
        domain = `${identity.domainLabel}${n}.${identity.domainSuffix}`;
      } while (usedDomains.has(domain));
      domainSuffixCounters.set(base, n);
    }
    usedDomains.add(domain);

    const recorded = recordEmployees(random, trueEmployees);
    const revenue = estimateRevenueJpy(random, industry, trueEmployees);
    companies.push({
      key: `c${String(i + 1).padStart(6, '0')}`,
      name: identity.name,
      domain,
      employees: recorded.employees,
      employeesText: recorded.employeesText,
      revenueJpy: revenue !== null && random.chance(RATES.blankRevenue) ? null : revenue,
      industry: random.chance(RATES.blankIndustry) ? null : industry,
      prefecture: random.chance(RATES.blankPrefecture) ? null : prefecture.name,
      territory: prefecture.territory,
      ownerKey: '',
      existingCustomer: false,
      strategicTarget: false,
      opportunities: [],
    });
    facts.push({
      trueEmployees,
      industry,
      prefecture,
      englishNamed: identity.englishNamed,
      isAccount: false,
      inEvaluation: false,
      emailPattern: pickEmailPattern(random),
    });
  }

  const sizes = facts.map((f) => f.trueEmployees);
  const quota = (rate: number, min: number) => Math.min(count, Math.max(min, Math.round(rate * count)));
  const customers = new Set(
    pickWeightedIndexes(
      random,
      sizes.map((s) => s ** 0.3),
      quota(RATES.customer, 1),
    ),
  );
  const strategic = new Set(
    pickWeightedIndexes(
      random,
      sizes.map((s) => s ** 0.8),
      quota(RATES.strategic, 1),
      (i) => !customers.has(i),
    ),
  );
  const lost = new Set(
    pickWeightedIndexes(
      random,
      sizes.map((s) => s ** 0.3),
      quota(RATES.lost, 1),
      (i) => !customers.has(i),
    ),
  );
  const open = new Set(
    pickWeightedIndexes(
      random,
      sizes.map((s) => s ** 0.4),
      quota(RATES.open, count >= 10 ? 1 : 0),
      (i) => !customers.has(i),
    ),
  );

  let opportunitySeq = 0;
  const opportunity = (
    index: number,
    stage: OpportunityStage,
    closeSeconds: number,
    what: string,
  ): WorldOpportunity => {
    const company = companies[index] as WorldCompany;
    const f = facts[index] as CompanyFacts;
    const seats = Math.min(3000, Math.max(5, Math.round(f.trueEmployees * (0.01 + random.next() * 0.04))));
    opportunitySeq += 1;
    return {
      key: `o${String(opportunitySeq).padStart(6, '0')}`,
      name: `${legalFormStripped(company.name)} - ${what}`,
      stage,
      closeDate: jstDateFromSeconds(closeSeconds),
      amountJpy: Math.round((seats * 5000 * 12) / 10_000) * 10_000,
    };
  };
  const daysFromAsOf = (days: number) => asOfSeconds + Math.round(days) * SECONDS_PER_DAY;

  companies.forEach((company, i) => {
    const f = facts[i] as CompanyFacts;
    const territory = company.territory;
    company.existingCustomer = customers.has(i);
    company.strategicTarget = strategic.has(i);
    f.isAccount =
      company.existingCustomer ||
      company.strategicTarget ||
      lost.has(i) ||
      open.has(i) ||
      random.chance(RATES.extraAccount);

    if (company.existingCustomer) {
      company.ownerKey = pools.pick(random, 'account_manager', territory).key;
      const won = random.int(1, 3);
      for (let w = 0; w < won; w++) {
        const what = w === 0 ? 'トスアップ連携 新規導入' : random.chance(0.5) ? '追加ライセンス' : '年間更新';
        company.opportunities.push(opportunity(i, 'Closed Won', daysFromAsOf(-random.int(30, 1400)), what));
      }
      if (random.chance(0.2)) {
        const stage = random.chance(0.5) ? 'Prospecting' : 'Negotiation';
        company.opportunities.push(
          opportunity(i, stage, daysFromAsOf(random.int(20, 180)), '追加ライセンス'),
        );
      }
    } else if (company.strategicTarget || f.isAccount) {
      company.ownerKey = pools.pick(random, 'field_sales', territory).key;
    } else {
      company.ownerKey = pools.pick(
        random,
        random.chance(0.5) ? 'inside_sales' : 'field_sales',
        territory,
      ).key;
    }
    if (random.chance(RATES.inactiveOwner) && pools.inactive.length > 0) {
      company.ownerKey = random.pick(pools.inactive).key;
    }

    if (lost.has(i)) {
      const deals = random.chance(0.8) ? 1 : 2;
      for (let d = 0; d < deals; d++) {
        company.opportunities.push(
          opportunity(i, 'Closed Lost', daysFromAsOf(-random.int(30, 720)), 'トスアップ連携 新規導入'),
        );
      }
    }
    if (open.has(i)) {
      const stage = random.chance(0.6) ? 'Prospecting' : 'Negotiation';
      company.opportunities.push(
        opportunity(i, stage, daysFromAsOf(random.int(15, 180)), 'トスアップ連携 新規導入'),
      );
    }
    company.opportunities.sort((a, b) => a.closeDate.localeCompare(b.closeDate));

    const evaluationChance = open.has(i) ? 0.6 : company.strategicTarget ? 0.35 : lost.has(i) ? 0.12 : 0.1;
    f.inEvaluation = random.chance(evaluationChance);
  });

  return { companies, facts };
}
