import { describe, expect, it } from 'vitest';
import { generatePeople, generateWorld, planWorld } from '../../emulators/world/generate.ts';
import { PREFECTURES } from '../../emulators/world/prefectures.ts';
import type { World } from '../../emulators/world/world.ts';
import { findWorldIssues } from '../../emulators/world/world-integrity.ts';
import { profileWorld } from '../../emulators/world/world-profile.ts';

const AS_OF = '2026-09-01T00:00:00.000Z';
const world20k = generateWorld({ seed: 1, leads: 20_000, asOf: AS_OF });

/**
 * The invariants every generated world keeps, checked record by record here (independently of
 * `findWorldIssues`, which must also find nothing). Problems are collected, then asserted once.
 */
function expectSound(world: World, leads: number): void {
  expect(world.people).toHaveLength(leads);
  expect(findWorldIssues(world)).toEqual([]);
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok && problems.length < 20) problems.push(what);
  };
  const companies = new Map(world.companies.map((c) => [c.key, c]));
  const users = new Set(world.users.map((u) => u.key));
  const campaigns = new Set(world.campaigns.map((c) => c.key));
  const asOf = Date.parse(world.asOf);
  const emails = new Set<string>();
  const pages = new Set(['pricing', 'case_studies', 'product', 'blog', 'careers']);
  for (const p of world.people) {
    const company = companies.get(p.companyKey);
    check(company !== undefined, `${p.key} company ${p.companyKey}`);
    check(p.email.endsWith(`@${company?.domain}`), `${p.key} email ${p.email} not at ${company?.domain}`);
    check(users.has(p.ownerKey), `${p.key} owner ${p.ownerKey}`);
    check(p.manualRequestByKey === null || users.has(p.manualRequestByKey), `${p.key} requester`);
    emails.add(p.email.toLowerCase());
    check(Date.parse(p.modifiedAt) >= Date.parse(p.createdAt), `${p.key} modifiedAt < createdAt`);
    check(Date.parse(p.modifiedAt) <= asOf, `${p.key} modifiedAt after asOf`);
    check(p.activities.length <= 30, `${p.key} has ${p.activities.length} activities`);
    let previous = Number.NEGATIVE_INFINITY;
    for (const a of p.activities) {
      const at = Date.parse(a.at);
      check(at <= asOf, `${p.key} activity after asOf: ${a.at}`);
      check(at >= asOf - 181 * 86_400_000, `${p.key} activity older than 180 days: ${a.at}`);
      check(at >= previous, `${p.key} activities out of order`);
      previous = at;
      check(
        a.campaignKey === undefined || campaigns.has(a.campaignKey),
        `${p.key} campaign ${a.campaignKey}`,
      );
      check(a.type !== 'page_view' || pages.has(a.page ?? ''), `${p.key} page ${a.page}`);
    }
    if (p.hearing) {
      check(Date.parse(p.hearing.heardAt) <= asOf, `${p.key} heard after asOf`);
      const t = p.hearing.timelineMonths;
      check(t === null || (t >= 1 && t <= 12), `${p.key} timeline ${t}`);
    }
    check(p.maScore === null || (p.maScore >= 0 && p.maScore <= 300), `${p.key} maScore ${p.maScore}`);
  }
  check(emails.size === world.people.length, 'e-mails are not unique');
  for (const c of world.companies) check(users.has(c.ownerKey), `${c.key} owner ${c.ownerKey}`);
  for (const q of world.queues) for (const m of q.memberKeys) check(users.has(m), `${q.key} member ${m}`);
  const yearBefore = asOf - 365 * 86_400_000;
  for (const c of world.campaigns) {
    const start = Date.parse(`${c.startDate}T00:00:00+09:00`);
    check(start >= yearBefore && start <= asOf, `${c.key} starts ${c.startDate}`);
  }
  expect(problems).toEqual([]);
}

describe('generateWorld: determinism', () => {
  it('gives the identical world for the same seed, size and asOf', () => {
    const a = generateWorld({ seed: 42, leads: 800, asOf: AS_OF });
    const b = generateWorld({ seed: 42, leads: 800, asOf: new Date(AS_OF) });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('gives a different world for a different seed', () => {
    const a = generateWorld({ seed: 42, leads: 800, asOf: AS_OF });
    const b = generateWorld({ seed: 43, leads: 800, asOf: AS_OF });
    expect(b.companies.map((c) => c.name)).not.toEqual(a.companies.map((c) => c.name));
    expect(b.people.map((p) => p.email)).not.toEqual(a.people.map((p) => p.email));
  });

  it('streams exactly the people generateWorld holds, and each iteration starts over', () => {
    const plan = planWorld({ seed: 5, leads: 600, asOf: AS_OF });
    const first = Array.from(generatePeople(plan));
    const second = Array.from(generatePeople(plan));
    expect(second).toEqual(first);
    expect(first).toEqual(generateWorld({ seed: 5, leads: 600, asOf: AS_OF }).people);
  });

  it('refuses bad options with a message naming the option', () => {
    expect(() => generateWorld({ seed: 1, leads: 0, asOf: AS_OF })).toThrow(/leads must be an integer >= 1/);
    expect(() => generateWorld({ seed: 1.5, leads: 10, asOf: AS_OF })).toThrow(/seed must be a safe integer/);
    expect(() => generateWorld({ seed: 1, leads: 10, asOf: 'yesterday' })).toThrow(
      /asOf must be an ISO 8601/,
    );
  });
});

describe('generateWorld: referential integrity and time', () => {
  it('holds for the smallest world (10 leads)', () => {
    const world = generateWorld({ seed: 9, leads: 10, asOf: AS_OF });
    expectSound(world, 10);
    expect(world.companies.length).toBeGreaterThanOrEqual(4);
    expect(world.users.length).toBe(12);
    expect(world.campaigns.length).toBe(20);
  });

  it('holds at 20,000 leads', () => {
    expectSound(world20k, 20_000);
  });

  it('never dates anything after asOf, whatever the time of day asOf is', () => {
    const asOf = '2026-03-10T05:17:42.000Z';
    const world = generateWorld({ seed: 3, leads: 2000, asOf });
    expect(world.asOf).toBe(asOf);
    expectSound(world, 2000);
  });
});

describe('generateWorld: proportions at 20,000 leads (wide bands)', () => {
  const profile = profileWorld(world20k);
  const { rates } = profile;

  it('has a sales org of reps with 1-2 inactive and the IS/Sales planning queue', () => {
    expect(profile.counts.users).toBeGreaterThanOrEqual(12);
    expect(profile.counts.users).toBeLessThanOrEqual(40);
    expect([1, 2]).toContain(profile.counts.inactiveUsers);
    const roles = new Set(world20k.users.map((u) => u.role));
    expect(roles).toEqual(new Set(['field_sales', 'inside_sales', 'sales_planning', 'account_manager']));
    const territories = new Set(
      world20k.users.filter((u) => u.active && u.role === 'field_sales').map((u) => u.territory),
    );
    expect(territories).toEqual(new Set(['kanto', 'kansai', 'chubu', 'kyushu', 'tohoku', 'other']));
    const queue = world20k.queues.find((q) => q.key === 'q_is_planning');
    expect(queue?.name).toBe('IS/Sales planning');
    expect(queue?.memberKeys.length).toBeGreaterThan(0);
  });

  it('has about a third as many companies, many SMEs and few enterprises', () => {
    expect(profile.counts.companies).toBe(Math.round(20_000 / 3));
    const sizes = world20k.companies.flatMap((c) => (c.employees === null ? [] : [c.employees]));
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(5);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(50_000);
    const under100 = sizes.filter((s) => s < 100).length / sizes.length;
    const over1000 = sizes.filter((s) => s >= 1000).length / sizes.length;
    expect(under100).toBeGreaterThan(0.35);
    expect(over1000).toBeGreaterThan(0.05);
    expect(over1000).toBeLessThan(0.25);
  });

  it('ties revenue to size', () => {
    const pairs = world20k.companies.filter((c) => c.employees !== null && c.revenueJpy !== null);
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const small = median(pairs.filter((c) => (c.employees ?? 0) < 50).map((c) => c.revenueJpy ?? 0));
    const large = median(pairs.filter((c) => (c.employees ?? 0) >= 1000).map((c) => c.revenueJpy ?? 0));
    expect(large).toBeGreaterThan(small * 20);
  });

  it('weights prefectures by business population, Tokyo first, and maps them to territories', () => {
    const byPrefecture = new Map<string, number>();
    for (const c of world20k.companies) {
      if (c.prefecture) byPrefecture.set(c.prefecture, (byPrefecture.get(c.prefecture) ?? 0) + 1);
    }
    const ranked = [...byPrefecture.entries()].sort((a, b) => b[1] - a[1]);
    expect(ranked[0]?.[0]).toBe('東京都');
    expect((ranked[0]?.[1] ?? 0) / world20k.companies.length).toBeGreaterThan(0.2);
    for (const c of world20k.companies) {
      if (c.prefecture) expect(c.territory).toBe(PREFECTURES.find((p) => p.name === c.prefecture)?.territory);
    }
  });

  it('has customers, strategic targets, lost and open deals at about the intended rates', () => {
    expect(rates.companyCustomer).toBeGreaterThan(0.06);
    expect(rates.companyCustomer).toBeLessThan(0.1);
    expect(rates.companyStrategic).toBeGreaterThan(0.02);
    expect(rates.companyStrategic).toBeLessThan(0.04);
    expect(rates.companyClosedLost).toBeGreaterThan(0.08);
    expect(rates.companyClosedLost).toBeLessThan(0.12);
    expect(rates.companyOpenOpportunity).toBeGreaterThan(0.03);
    for (const c of world20k.companies.filter((x) => x.existingCustomer)) {
      expect(c.opportunities.some((o) => o.stage === 'Closed Won')).toBe(true);
    }
  });

  it('makes about 30% contacts, including every person at an existing customer', () => {
    expect(rates.contact).toBeGreaterThan(0.25);
    expect(rates.contact).toBeLessThan(0.35);
    const customers = new Set(world20k.companies.filter((c) => c.existingCustomer).map((c) => c.key));
    for (const p of world20k.people) if (customers.has(p.companyKey)) expect(p.kind).toBe('contact');
  });

  it('has MA scores for ~60%, IS hearings for ~25%, manual requests for ~1%', () => {
    expect(rates.maScore).toBeGreaterThan(0.5);
    expect(rates.maScore).toBeLessThan(0.7);
    expect(rates.hearing).toBeGreaterThan(0.18);
    expect(rates.hearing).toBeLessThan(0.33);
    expect(rates.manualRequest).toBeGreaterThan(0.004);
    expect(rates.manualRequest).toBeLessThan(0.02);
  });

  it('makes hearing answers correlate (decision makers are senior, short timelines come with budgets)', () => {
    const heard = world20k.people.flatMap((p) => (p.hearing ? [p.hearing] : []));
    const budgetYes = (xs: typeof heard) => xs.filter((h) => h.budget === 'yes').length / xs.length;
    const short = heard.filter((h) => h.timelineMonths !== null && h.timelineMonths <= 3);
    const none = heard.filter((h) => h.timelineMonths === null);
    expect(budgetYes(short)).toBeGreaterThan(budgetYes(none) + 0.2);
    const dmYes = heard.filter((h) => h.decisionMaker === 'yes');
    expect(dmYes.every((h) => h.decisionInvolved === 'yes')).toBe(true);
  });

  it('gives about 5% of people a modifiedAt shared with someone else', () => {
    expect(rates.sharedModifiedAt).toBeGreaterThan(0.03);
    expect(rates.sharedModifiedAt).toBeLessThan(0.1);
  });

  it('spreads modifiedAt so incremental syncs see a trickle, not everything at once', () => {
    const asOf = Date.parse(AS_OF);
    const within = (days: number) =>
      world20k.people.filter((p) => asOf - Date.parse(p.modifiedAt) <= days * 86_400_000).length / 20_000;
    expect(within(1)).toBeGreaterThan(0.001);
    expect(within(1)).toBeLessThan(0.08);
    expect(within(30)).toBeGreaterThan(within(7));
    expect(within(365)).toBeLessThan(1);
  });

  it('has heavy-tailed activity counts, with engaged people clustering in evaluating companies', () => {
    const { activitiesPerPerson } = profile;
    expect(activitiesPerPerson.zero).toBeGreaterThan(0.05);
    expect(activitiesPerPerson.median).toBeLessThanOrEqual(8);
    expect(activitiesPerPerson.max).toBeGreaterThanOrEqual(25);
    // Companies whose people are engaged have more engaged colleagues than chance would give.
    const byCompany = new Map<string, number[]>();
    for (const p of world20k.people) {
      byCompany.set(p.companyKey, [
        ...(byCompany.get(p.companyKey) ?? []),
        p.activities.length >= 10 ? 1 : 0,
      ]);
    }
    const hotShare = world20k.people.filter((p) => p.activities.length >= 10).length / 20_000;
    let colleagues = 0;
    let hotColleagues = 0;
    for (const flags of byCompany.values()) {
      const hot = flags.reduce((a, b) => a + b, 0);
      // For each hot person, how many of their colleagues are hot too.
      colleagues += hot * (flags.length - 1);
      hotColleagues += hot * (hot - 1);
    }
    expect(hotColleagues / colleagues).toBeGreaterThan(hotShare * 1.2);
  });

  it('uses every activity type and links campaign responses to campaigns of the right type', () => {
    const types = new Set(world20k.people.flatMap((p) => p.activities.map((a) => a.type)));
    expect(types.size).toBe(8);
    const campaignType = new Map(world20k.campaigns.map((c) => [c.key, c.type]));
    const expected: Record<string, string> = {
      webinar_attendance: 'Webinar',
      event_attendance: 'Seminar / Conference',
      document_request: 'Content',
      email_open: 'Email',
      email_click: 'Email',
    };
    for (const p of world20k.people) {
      for (const a of p.activities) {
        const want = expected[a.type];
        if (want) expect(campaignType.get(a.campaignKey ?? '')).toBe(want);
      }
    }
  });
});

describe('generateWorld: dirty values at 20,000 leads', () => {
  const texts = world20k.companies.map((c) => c.employeesText ?? '');

  it('has blank employee counts and every free-text variant', () => {
    expect(world20k.companies.some((c) => c.employees === null && c.employeesText === '')).toBe(true);
    for (const pattern of [
      /^[\d,]+名$/,
      /^\d+-\d+$/,
      /^\d+人以上$/,
      /^約\d+名$/,
      /^about \d+$/,
      /^不明$/,
      /[０-９]/,
    ]) {
      expect(
        texts.some((t) => pattern.test(t)),
        String(pattern),
      ).toBe(true);
    }
    expect(texts.some((t) => t === '1,200名' || /^\d{1,2},\d{3}名$/.test(t))).toBe(true);
  });

  it('has mixed, compound and blank titles', () => {
    const titles = world20k.people.map((p) => p.title);
    expect(titles).toContain(null);
    expect(titles).toContain('');
    for (const t of ['課長代理', 'CEO', 'マネージャー', 'Head of IT']) expect(titles).toContain(t);
    expect(titles.some((t) => t !== null && /^取締役[\s\u3000]?営業本部長$/.test(t))).toBe(true);
    expect(titles.some((t) => t !== null && /^[A-Za-z][A-Za-z &,]+$/.test(t))).toBe(true);
    expect(titles.some((t) => t !== null && /部[\s\u3000]/.test(t))).toBe(true);
  });

  it('leaves some industries, prefectures, revenues and phones empty, and some names English', () => {
    expect(world20k.companies.some((c) => c.industry === null)).toBe(true);
    expect(world20k.companies.some((c) => c.prefecture === null)).toBe(true);
    expect(world20k.companies.some((c) => c.revenueJpy === null)).toBe(true);
    expect(world20k.people.some((p) => p.phone === null)).toBe(true);
    expect(world20k.companies.some((c) => /^[A-Za-z]/.test(c.name))).toBe(true);
    expect(world20k.companies.some((c) => /ホールディングス/.test(c.name))).toBe(true);
    expect(world20k.companies.some((c) => /工業/.test(c.name))).toBe(true);
  });
});
