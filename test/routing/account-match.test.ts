import { describe, expect, it } from 'vitest';
import { freeMailDomains } from '../../src/normalize/free-mail-domains.ts';
import {
  type AccountFacts,
  buildAccountIndex,
  matchAccount,
  withAccountFacts,
} from '../../src/routing/account-match.ts';
import { AMBIGUOUS_SAMPLE_CAP, countMatch, emptyTally } from '../../src/routing/account-match-tally.ts';
import { makeLead } from '../support/lead-factory.ts';

function account(id: string, name: string | null, website: string | null): AccountFacts {
  return {
    id,
    name,
    website,
    ownerId: `owner-${id}`,
    existingCustomer: id.startsWith('cust'),
    strategicTarget: id.endsWith('strategic'),
    previouslyLost: null,
  };
}

const index = buildAccountIndex(
  [
    account('cust-yamada', '株式会社山田製作所', 'https://www.yamada-ss.co.jp/'),
    account('cust-acme', 'Acme Co., Ltd.', 'acme.example.com'),
    account('prospect-hitachi-sys', '日立システムズ株式会社', 'https://www.hitachi-systems.example.jp'),
    // Two accounts for one domain (a duplicate, or two divisions): never pick one.
    account('cust-twin-a', 'ツイン工業株式会社', 'twin.example.jp'),
    account('cust-twin-b', 'ツイン工業 東日本支社', 'https://twin.example.jp/east'),
    // Same name, two different companies (one in Osaka, one in Tokyo).
    account('cust-sakura-osaka', '株式会社さくら商事', 'sakura-osaka.example.jp'),
    account('cust-sakura-tokyo', 'さくら商事株式会社', 'sakura-tokyo.example.jp'),
    // Same name, only one with a website.
    account('cust-kaede', '楓物産株式会社', null),
    // Google as a customer: its website is a free-mail domain and is never matched by domain.
    account('cust-google', 'Google LLC', 'https://www.gmail.com'),
    account('x-strategic', 'Strategic Partner Inc.', 'partner.example.com'),
  ],
  freeMailDomains(),
);

describe('matchAccount', () => {
  it.each([
    // [e-mail domain, company as typed on the lead, expected]
    ['yamada-ss.co.jp', null, 'domain:cust-yamada'],
    ['YAMADA-SS.CO.JP', '全然違う名前', 'domain:cust-yamada'],
    [null, '山田製作所', 'name:cust-yamada'],
    [null, '（株）山田製作所', 'name:cust-yamada'],
    [null, '㈱山田製作所', 'name:cust-yamada'],
    ['gmail.com', '山田製作所株式会社', 'name:cust-yamada'],
    ['yahoo.co.jp', '株式会社　山田製作所', 'name:cust-yamada'],
    ['docomo.ne.jp', null, 'none'],
    ['gmail.com', 'Google', 'name:cust-google'],
    ['gmail.com', null, 'none'],
    ['acme.example.com', null, 'domain:cust-acme'],
    [null, 'ACME CO.,LTD', 'name:cust-acme'],
    [null, 'Ａｃｍｅ Ｃｏ．， Ｌｔｄ．', 'name:cust-acme'],
    // Group company: the parent name alone is not the subsidiary's.
    [null, '日立製作所', 'none'],
    ['hitachi-systems.example.jp', '日立システムズ', 'domain:prospect-hitachi-sys'],
    // Subdomain of an account's domain: not folded (could be a group company).
    ['east.acme.example.com', null, 'none'],
    ['twin.example.jp', 'ツイン工業株式会社', 'ambiguous-domain:cust-twin-a,cust-twin-b'],
    [null, 'さくら商事', 'ambiguous-name:cust-sakura-osaka,cust-sakura-tokyo'],
    // The lead's own company domain tells the two apart.
    ['sakura-tokyo.example.jp', 'さくら商事', 'domain:cust-sakura-tokyo'],
    // Same name, but the lead's company domain is another company's: not that account.
    ['other-yamada.example.jp', '山田製作所', 'none'],
    // An account without a website may still match by name when the lead has a company domain.
    ['kaede.example.jp', '楓物産', 'name:cust-kaede'],
    ['unknown.example.jp', 'Unknown Inc.', 'none'],
    [null, null, 'none'],
    ['partner.example.com', null, 'domain:x-strategic'],
  ])('%s / %s → %s', (emailDomain, companyName, expected) => {
    const m = matchAccount(index, { emailDomain, companyName });
    const got =
      m.kind === 'matched'
        ? `${m.via}:${m.account.id}`
        : m.kind === 'ambiguous'
          ? `ambiguous-${m.via}:${m.candidateIds.join(',')}`
          : 'none';
    expect(got).toBe(expected);
  });

  it('keeps every account of a key, however many (one, then a second, then more)', () => {
    const three = buildAccountIndex(
      [
        account('t-1', 'Triple KK', 'triple.example.jp'),
        account('t-2', 'Triple KK', 'https://triple.example.jp/a'),
        account('t-3', 'Triple KK', 'https://www.triple.example.jp/b'),
      ],
      freeMailDomains(),
    );
    expect(matchAccount(three, { emailDomain: 'triple.example.jp', companyName: null })).toEqual({
      kind: 'ambiguous',
      via: 'domain',
      candidateIds: ['t-1', 't-2', 't-3'],
    });
    expect(matchAccount(three, { emailDomain: null, companyName: 'Triple' })).toEqual({
      kind: 'ambiguous',
      via: 'name',
      candidateIds: ['t-1', 't-2', 't-3'],
    });
    expect(three.size).toBe(3);
  });

  it('honours extra free-mail domains from the mapping', () => {
    const own = buildAccountIndex([account('cust-isp', 'ISP Example', 'example-isp.jp')], freeMailDomains());
    const withExtra = buildAccountIndex(
      [account('cust-isp', 'ISP Example', 'example-isp.jp')],
      freeMailDomains(['example-isp.jp']),
    );
    expect(matchAccount(own, { emailDomain: 'example-isp.jp', companyName: null }).kind).toBe('matched');
    expect(matchAccount(withExtra, { emailDomain: 'example-isp.jp', companyName: null }).kind).toBe('none');
  });
});

describe('withAccountFacts', () => {
  it('takes customer status and owner from the account, ORs the strategic tag and previously lost', () => {
    const lead = makeLead({ company: { strategicTarget: true } });
    const out = withAccountFacts(lead, account('cust-yamada', 'x', null), false);
    expect(out.company).toMatchObject({
      existingCustomer: true,
      accountOwnerId: 'owner-cust-yamada',
      strategicTarget: true,
    });
    expect(out.history.previouslyLost).toBe(lead.history.previouslyLost);
    expect(withAccountFacts(lead, account('p', 'x', null), true).history.previouslyLost).toBe(true);
    expect(withAccountFacts(lead, account('p', 'x', null), true).company.existingCustomer).toBe(false);
  });
});

describe('account match tally', () => {
  it('counts each kind and keeps a capped number of ambiguous samples with ids only', () => {
    const t = emptyTally();
    countMatch(t, 'L1', { kind: 'none' });
    countMatch(t, 'L2', { kind: 'matched', via: 'domain', account: account('a', null, null) });
    countMatch(t, 'L3', { kind: 'matched', via: 'name', account: account('a', null, null) });
    for (let i = 0; i < AMBIGUOUS_SAMPLE_CAP + 5; i++)
      countMatch(t, `A${i}`, {
        kind: 'ambiguous',
        via: 'name',
        candidateIds: ['1', '2', '3', '4', '5', '6'],
      });
    expect(t).toMatchObject({ none: 1, matchedByDomain: 1, matchedByName: 1, ambiguous: 25 });
    expect(t.ambiguousSamples).toHaveLength(AMBIGUOUS_SAMPLE_CAP);
    expect(t.ambiguousSamples[0]).toEqual({
      leadId: 'A0',
      via: 'name',
      candidateIds: ['1', '2', '3', '4', '5'],
    });
  });
});
