import { pickPersonName } from './japanese-names.ts';
import { TERRITORIES, type Territory } from './prefectures.ts';
import { assignResponseProfiles } from './rep-response.ts';
import { assignVerdictProfiles } from './rep-verdict.ts';
import { assignManagers } from './sales-managers.ts';
import { SeededRandom, WeightedChoice } from './seeded-random.ts';
import type { SalesRole, WorldQueue, WorldUser } from './world.ts';

/**
 * The vendor's own sales organisation. A base roster covers every territory with one field rep
 * and staffs inside sales, sales planning and account management; bigger worlds add reps
 * (12 users at 10 leads, about 40 at 1M), and one or two users have left (inactive) but still
 * own records, as in every real org. Each user has a manager (the sales head), a response profile
 * (how they answer toss-ups, `rep-response.ts`) and, when active, a verdict profile (how they judge
 * them, `rep-verdict.ts`).
 */

/** The vendor's own domain: reserved for documentation (RFC 2606), so no real mailbox is addressed. */
export const VENDOR_EMAIL_DOMAIN = 'example.com';
export const IS_PLANNING_QUEUE_KEY = 'q_is_planning';

const BASE_ROSTER: ReadonlyArray<readonly [SalesRole, Territory]> = [
  ...TERRITORIES.map((t) => ['field_sales', t] as const),
  ['inside_sales', 'kanto'],
  ['inside_sales', 'kansai'],
  ['sales_planning', 'kanto'],
  ['account_manager', 'kanto'],
  ['account_manager', 'kansai'],
];

const EXTRA_ROLE = new WeightedChoice<SalesRole>([
  ['field_sales', 40],
  ['inside_sales', 30],
  ['account_manager', 18],
  ['sales_planning', 12],
]);
const FIELD_TERRITORY = new WeightedChoice<Territory>([
  ['kanto', 50],
  ['kansai', 20],
  ['chubu', 15],
  ['kyushu', 8],
  ['tohoku', 4],
  ['other', 3],
]);

export function userCountFor(leads: number): number {
  const scaled = Math.round(12 + 5.6 * Math.log10(Math.max(leads, 10) / 10));
  return Math.min(40, Math.max(12, scaled));
}

export function generateUsers(seed: number, leads: number): { users: WorldUser[]; queues: WorldQueue[] } {
  const random = new SeededRandom(seed, 'users');
  const total = userCountFor(leads);
  const inactiveCount = total >= 20 ? 2 : 1;

  const roster: Array<{ role: SalesRole; territory: Territory; active: boolean }> = BASE_ROSTER.map(
    ([role, territory]) => ({ role, territory, active: true }),
  );
  while (roster.length < total - inactiveCount) {
    const role = EXTRA_ROLE.pick(random);
    const territory =
      role === 'inside_sales' || role === 'sales_planning'
        ? random.chance(0.7)
          ? 'kanto'
          : 'kansai'
        : FIELD_TERRITORY.pick(random);
    roster.push({ role, territory, active: true });
  }
  // Departed reps are extras, so every territory keeps an active field rep.
  roster.push({ role: 'field_sales', territory: 'kanto', active: false });
  if (inactiveCount === 2) roster.push({ role: 'inside_sales', territory: 'kansai', active: false });

  // Shuffle so key order does not reveal role or status.
  for (let i = roster.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [roster[i], roster[j]] = [roster[j] as (typeof roster)[number], roster[i] as (typeof roster)[number]];
  }

  const usedEmails = new Set<string>();
  const staff: WorldUser[] = roster.map((member, i) => {
    let name = pickPersonName(random, 0);
    let local = `${name.first.romaji}.${name.last.romaji}`;
    while (usedEmails.has(local)) {
      name = pickPersonName(random, 0);
      local = `${name.first.romaji}.${name.last.romaji}`;
    }
    usedEmails.add(local);
    return {
      key: `u${String(i + 1).padStart(3, '0')}`,
      lastName: name.last.kanji,
      firstName: name.first.kanji,
      email: `${local}@${VENDOR_EMAIL_DOMAIN}`,
      role: member.role,
      territory: member.territory,
      active: member.active,
    };
  });

  const users = assignVerdictProfiles(seed, assignResponseProfiles(seed, assignManagers(staff)));

  const queues: WorldQueue[] = [
    {
      key: IS_PLANNING_QUEUE_KEY,
      name: 'IS/Sales planning',
      memberKeys: users
        .filter((u) => u.active && (u.role === 'inside_sales' || u.role === 'sales_planning'))
        .map((u) => u.key),
    },
  ];
  return { users, queues };
}
