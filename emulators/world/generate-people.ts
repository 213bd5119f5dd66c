import { TITLE_RANKS, type TitleRank } from '../../src/domain/lead.ts';
import { pickDepartment, TARGET_DEPARTMENT_PATTERN } from './departments.ts';
import { ActivityGenerator, type Conversion, type EngagementTier } from './generate-activities.ts';
import { EMAIL_PATTERN_WEIGHTS } from './generate-companies.ts';
import { generateHearing } from './generate-hearing.ts';
import { type PersonName, pickPersonName } from './japanese-names.ts';
import { composeTitle, pickTitleRank } from './job-titles.ts';
import type { Prefecture } from './prefectures.ts';
import { SeededRandom, WeightedChoice } from './seeded-random.ts';
import type { WorldActivity, WorldCompany, WorldPerson, WorldUser } from './world.ts';
import type { WorldPlan } from './world-plan.ts';
import { businessMoment, isoFromSeconds, SECONDS_PER_DAY, secondsFromIso } from './world-time.ts';

/**
 * People, generated one at a time from a plan. Who a person is (rank, department, title) follows
 * company size; how engaged they are follows whether their company is evaluating right now; IS
 * hearing, MA score, manual toss-up requests and the record's timestamps follow engagement. This
 * is the one implementation behind both `generateWorld` and streaming.
 */

const TIER_WEIGHTS = {
  prospect: [0.52, 0.34, 0.1, 0.04],
  evaluating: [0.12, 0.3, 0.33, 0.25],
  newLead: [0.3, 0.4, 0.2, 0.1],
  customer: [0.55, 0.3, 0.1, 0.05],
} as const;
const SENIOR_RANK_INDEX = TITLE_RANKS.indexOf('department_head');
const HEARING_CHANCE_BY_TIER = [0.06, 0.22, 0.45, 0.6] as const;

const OLDER_LEAD_SOURCE = new WeightedChoice<string | null>([
  ['Web', 30],
  ['展示会', 12],
  ['セミナー', 8],
  ['紹介', 6],
  ['Partner Referral', 4],
  ['テレアポ', 8],
  ['名刺交換', 8],
  ['Purchased List', 4],
  ['Other', 5],
  [null, 15],
]);
const CUSTOMER_LEAD_SOURCE = new WeightedChoice<string | null>([
  [null, 50],
  ['既存顧客', 25],
  ['紹介', 10],
  ['Other', 15],
]);

/** Points per action of a typical MA tool's behaviour score (cumulative, no decay). */
const MA_POINTS: Readonly<Record<string, number>> = {
  email_open: 1,
  email_click: 3,
  page_view: 1,
  'page_view:pricing': 5,
  'page_view:case_studies': 3,
  'page_view:careers': 0,
  document_request: 10,
  webinar_attendance: 15,
  event_attendance: 15,
  form_submission: 10,
  inquiry: 30,
};

function tierFrom(random: SeededRandom, weights: readonly number[]): EngagementTier {
  let roll = random.next();
  for (let t = 0; t < 3; t++) {
    roll -= weights[t] as number;
    if (roll < 0) return t as EngagementTier;
  }
  return 3;
}

function emailLocal(pattern: number, name: PersonName): string {
  const first = name.first.romaji;
  const last = name.last.romaji;
  const initial = first.charAt(0);
  switch (pattern) {
    case 0:
      return `${first}.${last}`;
    case 1:
      return `${last}.${first}`;
    case 2:
      return `${initial}.${last}`;
    case 3:
      return last;
    case 4:
      return `${initial}${last}`;
    case 5:
      return `${last}-${initial}`;
    case 6:
      return `${first}_${last}`;
    case 7:
      return `${last}_${first}`;
    default:
      return `${initial}-${last}`;
  }
}

const MOBILE_PREFIXES = ['090', '080', '070'] as const;

function digits(random: SeededRandom, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(random.int(0, 9));
  return s;
}

/** Japanese numbers are 10 digits (11 for mobiles), typed in whatever format the person likes. */
function phoneFor(random: SeededRandom, prefecture: Prefecture): string | null {
  if (random.chance(0.15)) return null;
  let parts: string[];
  if (random.chance(0.2)) {
    parts = [random.pick(MOBILE_PREFIXES), digits(random, 4), digits(random, 4)];
  } else {
    const area = prefecture.areaCode;
    const local = 10 - area.length;
    const head = area.length === 2 ? 4 : area.length === 3 ? 3 : 2;
    parts = [area, String(random.int(2, 9)) + digits(random, head - 1), digits(random, local - head)];
  }
  const roll = random.next();
  if (roll < 0.85) return parts.join('-');
  if (roll < 0.92) return parts.join('');
  if (roll < 0.96) return `+81-${parts[0]?.slice(1)}-${parts[1]}-${parts[2]}`;
  if (roll < 0.99) return `${parts[0]}(${parts[1]})${parts[2]}`;
  return parts.join('-').replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
}

function maScoreOf(
  random: SeededRandom,
  activities: readonly WorldActivity[],
  createdBeforeWindow: boolean,
): number {
  let points = 0;
  for (const a of activities) {
    points += (a.page ? MA_POINTS[`page_view:${a.page}`] : undefined) ?? MA_POINTS[a.type] ?? 0;
  }
  const history = createdBeforeWindow ? random.exponential(12) : 0;
  return Math.min(300, Math.max(0, Math.round(points * (0.8 + 0.4 * random.next()) + history)));
}

/** Seconds of the last action that moves an MA score (plain opens and blog reads usually do not). */
function lastScoredActivity(activities: readonly WorldActivity[]): number | null {
  for (let i = activities.length - 1; i >= 0; i--) {
    const a = activities[i] as WorldActivity;
    if (
      a.type === 'email_open' ||
      (a.type === 'page_view' && a.page !== 'pricing' && a.page !== 'case_studies')
    )
      continue;
    return secondsFromIso(a.at);
  }
  return null;
}

/** Users grouped for owner assignment. */
class OwnerDirectory {
  readonly insideSales: WorldUser[];
  readonly fieldByTerritory = new Map<string, WorldUser[]>();
  readonly field: WorldUser[];
  readonly inactive: WorldUser[];
  private readonly byKey = new Map<string, WorldUser>();

  constructor(users: readonly WorldUser[]) {
    this.insideSales = users.filter((u) => u.active && u.role === 'inside_sales');
    this.field = users.filter((u) => u.active && (u.role === 'field_sales' || u.role === 'account_manager'));
    this.inactive = users.filter((u) => !u.active);
    for (const u of users) this.byKey.set(u.key, u);
    for (const u of this.field) {
      if (u.role === 'field_sales')
        this.fieldByTerritory.set(u.territory, [...(this.fieldByTerritory.get(u.territory) ?? []), u]);
    }
  }

  fieldRep(random: SeededRandom, territory: string): WorldUser {
    const local = this.fieldByTerritory.get(territory);
    return random.pick(local?.length ? local : this.field);
  }

  get(key: string): WorldUser | undefined {
    return this.byKey.get(key);
  }
}

class PersonFactory {
  private readonly plan: WorldPlan;
  private readonly random: SeededRandom;
  private readonly activitiesFor: ActivityGenerator;
  private readonly owners: OwnerDirectory;
  /** How often each plain address was handed out so far. */
  private readonly emailsSeen = new Map<string, number>();
  private readonly asOf: number;

  constructor(plan: WorldPlan) {
    this.plan = plan;
    this.random = new SeededRandom(plan.frame.seed, 'people');
    this.activitiesFor = new ActivityGenerator(plan.frame.campaigns, plan.asOfSeconds);
    this.owners = new OwnerDirectory(plan.frame.users);
    this.asOf = plan.asOfSeconds;
  }

  make(index: number): WorldPerson {
    const random = this.random;
    const companyIndex = this.plan.personCompany[index] as number;
    const company = this.plan.frame.companies[companyIndex] as WorldCompany;
    const facts = this.plan.facts[companyIndex];
    if (!facts) throw new Error(`generate-people: no facts for company ${companyIndex}`);
    const customer = company.existingCustomer;

    const kind =
      facts.isAccount && (customer || random.chance(this.plan.contactShareAtProspectAccounts))
        ? 'contact'
        : 'lead';
    const name = pickPersonName(random, facts.englishNamed ? 0.3 : 0.01);
    const rank: TitleRank = pickTitleRank(random, facts.trueEmployees);
    const rankIndex = TITLE_RANKS.indexOf(rank);
    const department = pickDepartment(random, facts.industry, rank);
    const englishTitle = facts.englishNamed
      ? random.chance(0.6)
      : facts.industry === 'it_software' && random.chance(0.1);
    const title = composeTitle(random, rank, department, englishTitle);

    // Creation: recent inbound leads carry the action that created them; the rest are older records.
    const isNew = random.chance(customer ? 0.08 : kind === 'contact' ? 0.25 : 0.42);
    let conversion: Conversion | null = null;
    let createdAt: number;
    let leadSource: string | null;
    if (isNew) {
      conversion = this.activitiesFor.newLead(random);
      createdAt = conversion.createdAtSeconds;
      leadSource = conversion.leadSource;
    } else {
      const ageDays = 181 + Math.min(random.exponential(420), 1280);
      const around = this.asOf - ageDays * SECONDS_PER_DAY;
      createdAt = businessMoment(random, around - SECONDS_PER_DAY, around);
      leadSource = (customer ? CUSTOMER_LEAD_SOURCE : OLDER_LEAD_SOURCE).pick(random);
    }

    const tierWeights = facts.inEvaluation
      ? TIER_WEIGHTS.evaluating
      : customer
        ? TIER_WEIGHTS.customer
        : isNew
          ? TIER_WEIGHTS.newLead
          : TIER_WEIGHTS.prospect;
    let tier = tierFrom(random, tierWeights);
    // Fit and engagement correlate: marketing targets larger firms and the departments that buy,
    // and decision makers come to seminars once a project is real.
    const bump =
      (facts.trueEmployees >= 300 ? 0.22 : 0) +
      (department !== null && TARGET_DEPARTMENT_PATTERN.test(department) ? 0.2 : 0) +
      (rankIndex >= SENIOR_RANK_INDEX ? 0.25 : 0);
    if (tier < 3 && random.chance(bump)) tier = (tier + 1) as EngagementTier;
    const activities = this.activitiesFor.generate(random, tier, createdAt, conversion?.activity ?? null);
    const lastScored = lastScoredActivity(activities);

    const hasMa = random.chance(kind === 'lead' ? 0.68 : 0.42);
    const maScore = hasMa ? maScoreOf(random, activities, !isNew) : null;

    let hearingAt: number | null = null;
    const hearingChance = (HEARING_CHANCE_BY_TIER[tier] as number) * (customer ? 0.3 : 1);
    if (random.chance(hearingChance)) {
      const anchor =
        activities.length > 0
          ? secondsFromIso((random.pick(activities) as WorldActivity).at)
          : Math.max(createdAt, this.asOf - 150 * SECONDS_PER_DAY);
      const from = Math.max(anchor, createdAt) + 3600;
      if (from < this.asOf)
        hearingAt = businessMoment(random, from, Math.min(this.asOf, from + 10 * SECONDS_PER_DAY));
    }
    const hearing = hearingAt === null ? null : generateHearing(random, rankIndex, tier, hearingAt);

    let ownerKey: string;
    if (kind === 'contact') {
      ownerKey = random.chance(0.88) ? company.ownerKey : this.owners.fieldRep(random, company.territory).key;
    } else {
      const roll = random.next();
      ownerKey =
        roll < 0.02 && this.owners.inactive.length > 0
          ? random.pick(this.owners.inactive).key
          : roll < 0.67 && this.owners.insideSales.length > 0
            ? random.pick(this.owners.insideSales).key
            : this.owners.fieldRep(random, company.territory).key;
    }

    const manualChance =
      0.005 + (company.strategicTarget ? 0.03 : 0) + (tier >= 2 ? 0.008 : 0) + (rankIndex >= 6 ? 0.008 : 0);
    let manualRequestByKey: string | null = null;
    if (random.chance(manualChance)) {
      const companyOwner = this.owners.get(company.ownerKey);
      manualRequestByKey =
        companyOwner?.active &&
        (companyOwner.role === 'field_sales' || companyOwner.role === 'account_manager')
          ? companyOwner.key
          : this.owners.fieldRep(random, company.territory).key;
    }

    const modifiedAt = this.modifiedAt(
      random,
      // The MA tool writes its score back after each scored action, touching the record.
      Math.max(createdAt, hearingAt ?? 0, hasMa ? (lastScored ?? 0) : 0),
    );

    return {
      key: `p${String(index + 1).padStart(7, '0')}`,
      companyKey: company.key,
      kind,
      lastName: name.last.kanji,
      firstName: name.first.kanji,
      email: this.uniqueEmail(random, facts.emailPattern, name, company.domain),
      phone: phoneFor(random, facts.prefecture),
      title,
      department,
      ownerKey,
      leadSource,
      maScore,
      hearing,
      manualRequestByKey,
      createdAt: isoFromSeconds(createdAt),
      modifiedAt: isoFromSeconds(modifiedAt),
      activities,
    };
  }

  /**
   * The last change: some records are untouched since their last automated update, most were
   * edited later, and a share were caught in a mass update that stamped many records with the
   * same second (the tie case incremental sync must handle).
   */
  private modifiedAt(random: SeededRandom, notBefore: number): number {
    const moments = this.plan.bulkEditMoments;
    if (random.chance(0.055)) {
      let lo = 0;
      let hi = moments.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((moments[mid] as number) < notBefore) lo = mid + 1;
        else hi = mid;
      }
      if (lo < moments.length) return moments[random.int(lo, moments.length - 1)] as number;
    }
    if (random.chance(0.45)) return notBefore;
    const until = Math.min(this.asOf, notBefore + random.exponential(20) * SECONDS_PER_DAY);
    return businessMoment(random, notBefore, until);
  }

  private uniqueEmail(
    random: SeededRandom,
    companyPattern: number,
    name: PersonName,
    domain: string,
  ): string {
    // One address scheme per company, with the odd exception (older accounts, aliases).
    const pattern = random.chance(0.9) ? companyPattern : random.int(0, EMAIL_PATTERN_WEIGHTS.length - 1);
    const base = `${emailLocal(pattern, name)}@${domain}`;
    // Local parts are letters and separators only, so a numbered twin (taro.yamada2@) never
    // collides with another person's plain address.
    const seen = this.emailsSeen.get(base) ?? 0;
    this.emailsSeen.set(base, seen + 1);
    return seen === 0 ? base : base.replace('@', `${seen + 1}@`);
  }
}

/** All people of the plan, in key order. Each call starts over and yields the same sequence. */
export function* generatePeople(plan: WorldPlan): Generator<WorldPerson, void, undefined> {
  const factory = new PersonFactory(plan);
  for (let i = 0; i < plan.leads; i++) yield factory.make(i);
}
