import { describe, expect, it } from 'vitest';
import { composeTitle, pickTitleRank } from '../../emulators/world/job-titles.ts';
import { SeededRandom } from '../../emulators/world/seeded-random.ts';
import { TITLE_RANKS } from '../../src/domain/lead.ts';
import { titleRank } from '../../src/normalize/title-rank.ts';

describe('generated job titles', () => {
  it('carry the rank they were generated for, as the product normalizer reads them', () => {
    const random = new SeededRandom(7, 'titles-test');
    const departments = [null, '営業部', '営業本部', '情報システム部', 'Sales'];
    let total = 0;
    const misread: string[] = [];
    for (const rank of TITLE_RANKS) {
      for (let i = 0; i < 400; i++) {
        const title = composeTitle(random, rank, random.pick(departments), random.chance(0.3));
        if (!title?.trim()) continue;
        total++;
        if (titleRank(title) !== rank) misread.push(`${title} (${rank} read as ${titleRank(title)})`);
      }
    }
    expect(total).toBeGreaterThan(3000);
    // A handful of compound forms may read higher (e.g. an officer with a CxO function).
    expect(misread.length / total, misread.slice(0, 10).join(', ')).toBeLessThan(0.02);
  });

  it('are blank (null or empty) about 5% of the time', () => {
    const random = new SeededRandom(8, 'titles-blank');
    let blank = 0;
    for (let i = 0; i < 10_000; i++) if (!composeTitle(random, 'manager', '営業部', false)) blank++;
    expect(blank / 10_000).toBeGreaterThan(0.03);
    expect(blank / 10_000).toBeLessThan(0.07);
  });

  it('skew senior at small firms (the president is the contact) and junior at enterprises', () => {
    const random = new SeededRandom(9, 'ranks');
    const executiveShare = (employees: number) => {
      let n = 0;
      for (let i = 0; i < 5000; i++) if (pickTitleRank(random, employees) === 'executive') n++;
      return n / 5000;
    };
    expect(executiveShare(10)).toBeGreaterThan(executiveShare(5000) * 5);
  });
});
