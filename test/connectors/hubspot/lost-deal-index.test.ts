import { expect, it } from 'vitest';
import { LostDealIndex } from '../../../connectors/hubspot/lost-deal-index.ts';

it('gives each company its lost deals in the order read and each deal its stage, numeric ids or not', () => {
  const b = LostDealIndex.builder();
  b.addDeal('900', 'closedlost', 1_000);
  b.addDeal('35', 'closedlost', 1_000);
  b.addDeal('12345678901234', 'churned', 2_000);
  b.addDeal('deal-x', null, 2_000);
  b.addAssociation('77', '900');
  b.addAssociation('5', '35');
  b.addAssociation('77', '12345678901234');
  b.addAssociation('5', '900'); // one deal, two companies
  b.addAssociation('acme', 'deal-x');
  b.addAssociation('77', 'deal-x');
  const index = b.build();

  expect(index.size).toBe(4);
  expect(index.dealsOf('77')).toEqual(['900', '12345678901234', 'deal-x']);
  expect(index.dealsOf('5')).toEqual(['35', '900']);
  expect(index.dealsOf('acme')).toEqual(['deal-x']);
  expect(index.dealsOf('6')).toEqual([]);
  expect(index.dealsOf('0')).toEqual([]);

  expect(index.stageOf('900')).toEqual({ s: 'closedlost', at: 1_000 });
  expect(index.stageOf('12345678901234')).toEqual({ s: 'churned', at: 2_000 });
  expect(index.stageOf('deal-x')).toEqual({ s: null, at: 2_000 });
  expect(index.stageOf('36')).toBeUndefined();
  expect(index.stageOf('1')).toBeUndefined();
  expect(index.stageOf('99999')).toBeUndefined();
  // Deals read at once in one stage share one stage object (what the facts cache keeps per deal).
  expect(index.stageOf('900')).toBe(index.stageOf('35'));
});

it('finds every deal and association of a large index', () => {
  const b = LostDealIndex.builder();
  // Ids read in ascending order, companies in no order: company c has the deals d with d % 97 === c.
  for (let d = 1; d <= 5_000; d++) b.addDeal(String(d * 3), d % 2 ? 'closedlost' : 'churned', 5);
  for (let d = 1; d <= 5_000; d++) b.addAssociation(String(1 + (d % 97)), String(d * 3));
  const index = b.build();
  for (let c = 1; c <= 97; c++) {
    const want = [];
    for (let d = 1; d <= 5_000; d++) if (1 + (d % 97) === c) want.push(String(d * 3));
    expect(index.dealsOf(String(c))).toEqual(want);
  }
  for (let d = 1; d <= 5_000; d++) {
    expect(index.stageOf(String(d * 3))?.s).toBe(d % 2 ? 'closedlost' : 'churned');
    expect(index.stageOf(String(d * 3 + 1))).toBeUndefined();
  }
});
