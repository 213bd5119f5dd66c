import { describe, expect, it } from 'vitest';
import type { TitleRank } from '../../src/domain/lead.ts';
import { titleRank, titleRankLabel } from '../../src/normalize/title-rank.ts';

const CASES: ReadonlyArray<readonly [string, TitleRank | null]> = [
  // executive
  ['代表取締役社長', 'executive'],
  ['代表取締役', 'executive'],
  ['社長', 'executive'],
  ['代表', 'executive'],
  ['会長', 'executive'],
  ['CEO', 'executive'],
  ['COO', 'executive'],
  ['CFO', 'executive'],
  ['CTO', 'executive'],
  ['CxO', 'executive'],
  ['Chief Executive Officer', 'executive'],
  ['Chief Technology Officer', 'executive'],
  ['President', 'executive'],
  ['President & CEO', 'executive'],
  ['Founder', 'executive'],
  ['Co-Founder & CEO', 'executive'],
  ['Owner', 'executive'],
  ['Chairman', 'executive'],
  ['Representative Director', 'executive'],
  ['執行役員 兼 CIO', 'executive'],
  ['執行役員CIO', 'executive'],
  ['代表取締役副社長', 'executive'],
  // officer
  ['取締役', 'officer'],
  ['執行役員', 'officer'],
  ['常務取締役', 'officer'],
  ['専務', 'officer'],
  ['役員', 'officer'],
  ['監査役', 'officer'],
  ['副社長', 'officer'],
  ['VP', 'officer'],
  ['Vice President', 'officer'],
  ['Vice-President of Sales', 'officer'],
  ['VP of Engineering', 'officer'],
  ['V.P. Sales', 'officer'],
  ['Sales VP', 'officer'],
  ['EVP', 'officer'],
  ['SVP, Marketing', 'officer'],
  ['Senior Vice President', 'officer'],
  ['Managing Director', 'officer'],
  ['Executive Director', 'officer'],
  ['Member of the Board', 'officer'],
  ['Executive Officer', 'officer'],
  ['Vice Chairman', 'officer'],
  ['取締役 営業本部長', 'officer'],
  ['取締役兼営業本部長', 'officer'],
  // division_head
  ['本部長', 'division_head'],
  ['営業本部長', 'division_head'],
  ['事業部長', 'division_head'],
  ['統括部長', 'division_head'],
  ['Head of Sales', 'division_head'],
  ['Head of Sales, Japan', 'division_head'],
  ['Head of IT', 'division_head'],
  ['General Manager', 'division_head'],
  ['GM, Sales', 'division_head'],
  ['Senior Director', 'division_head'],
  ['AVP', 'division_head'],
  ['ゼネラルマネージャー', 'division_head'],
  // department_head
  ['部長', 'department_head'],
  ['営業部 部長', 'department_head'],
  ['営業部部長', 'department_head'],
  ['情報システム部長', 'department_head'],
  ['室長', 'department_head'],
  ['社長室長', 'department_head'],
  ['センター長', 'department_head'],
  ['支店長', 'department_head'],
  ['担当部長', 'department_head'],
  ['副本部長', 'department_head'],
  ['Director', 'department_head'],
  ['Director of Sales', 'department_head'],
  ['Marketing Director', 'department_head'],
  ['Deputy Head of Sales', 'department_head'],
  ['ディレクター', 'department_head'],
  ['部長様', 'department_head'],
  ['営業・マーケティング部長', 'department_head'],
  // deputy_head
  ['次長', 'deputy_head'],
  ['部長代理', 'deputy_head'],
  ['情報システム部 部長代理', 'deputy_head'],
  ['副部長', 'deputy_head'],
  ['部長補佐', 'deputy_head'],
  ['Senior Manager', 'deputy_head'],
  ['Sr. Manager', 'deputy_head'],
  ['Deputy General Manager', 'deputy_head'],
  ['営業部 Deputy General Manager', 'deputy_head'],
  ['Associate Director', 'deputy_head'],
  ['シニアマネージャー', 'deputy_head'],
  // manager
  ['課長', 'manager'],
  ['営業課長', 'manager'],
  ['担当課長', 'manager'],
  ['Manager', 'manager'],
  ['Sales Manager', 'manager'],
  ['Manager, Sales Operations', 'manager'],
  ['マネージャー', 'manager'],
  ['マネジャー', 'manager'],
  ['課長 / Manager', 'manager'],
  ['Section Chief', 'manager'],
  // supervisor
  ['係長', 'supervisor'],
  ['課長代理', 'supervisor'],
  ['課長補佐', 'supervisor'],
  ['IT部門 課長代理', 'supervisor'],
  ['Supervisor', 'supervisor'],
  ['Team Lead', 'supervisor'],
  ['Team Leader', 'supervisor'],
  ['チームリーダー', 'supervisor'],
  ['Assistant Manager', 'supervisor'],
  ['主査', 'supervisor'],
  ['グループリーダー', 'supervisor'],
  ['アシスタントマネージャー', 'supervisor'],
  // senior_staff
  ['主任', 'senior_staff'],
  ['主任研究員', 'senior_staff'],
  ['主事', 'senior_staff'],
  ['情報システム部 Senior Engineer', 'senior_staff'],
  ['Senior Associate', 'senior_staff'],
  ['シニアスタッフ', 'senior_staff'],
  ['Senior Engineer', 'senior_staff'],
  ['Senior Software Engineer', 'senior_staff'],
  ['Lead Engineer', 'senior_staff'],
  ['Tech Lead', 'senior_staff'],
  ['Principal Consultant', 'senior_staff'],
  ['Account Manager', 'senior_staff'],
  ['Product Manager', 'senior_staff'],
  ['プロジェクトマネージャー', 'senior_staff'],
  ['Product Owner', 'senior_staff'],
  // staff
  ['担当', 'staff'],
  ['営業担当', 'staff'],
  ['ご担当者様', 'staff'],
  ['一般', 'staff'],
  ['一般社員', 'staff'],
  ['営業部 一般', 'staff'],
  ['営業部一般', 'staff'],
  ['一般社団法人 理事', 'officer'],
  ['Staff', 'staff'],
  ['Specialist', 'staff'],
  ['Marketing Specialist', 'staff'],
  ['Engineer', 'staff'],
  ['Associate', 'staff'],
  ['Analyst', 'staff'],
  ['Assistant', 'staff'],
  ['Account Executive', 'staff'],
  ['Assistant to the CEO', 'staff'],
  ['Executive Assistant to the CEO', 'staff'],
  ['社長秘書', 'staff'],
  ['部長付', 'staff'],
  ['Associate Product Manager', 'staff'],
  // unknown
  ['', null],
  ['   ', null],
  ['営業', null],
  ['一般社団法人', null],
  ['Japan', null],
  ['Office of the CEO', null],
  ['CEO室', null],
  ['パートナー', null],
  ['元社長', null],
  ['Ex-CEO', null],
  ['Former President', null],
  ['取締役会事務局', 'staff'],
];

describe('Function: titleRank', () => {
  it.each(CASES)('ranks %j as %s', (title, expected) => {
    expect(titleRank(title)).toBe(expected);
  });

  it.each([
    ['ＣＥＯ', 'executive'],
    ['ｍａｎａｇｅｒ', 'manager'],
    ['ﾏﾈｰｼﾞｬｰ', 'manager'],
    ['MANAGER', 'manager'],
    ['head OF sales', 'division_head'],
    ['  部長  ', 'department_head'],
    ['部長　代理', 'deputy_head'],
    ['ＶＰ　Ｓａｌｅｓ', 'officer'],
  ] as const)('ignores width, case and spacing: %j → %s', (title, expected) => {
    expect(titleRank(title)).toBe(expected);
  });

  it.each([
    ['Director / 取締役', 'officer'],
    ['部長（営業担当）', 'department_head'],
    ['Engineer & Team Lead', 'supervisor'],
    ['課長、係長', 'manager'],
    ['Manager; Supervisor', 'manager'],
    ['Head of Sales and Marketing', 'division_head'],
    ['部長 (元取締役)', 'department_head'],
  ] as const)('takes the most senior part of a compound title: %j → %s', (title, expected) => {
    expect(titleRank(title)).toBe(expected);
  });

  it('is null for null and undefined', () => {
    expect(titleRank(null)).toBeNull();
    expect(titleRank(undefined)).toBeNull();
  });
});

describe('Function: titleRankLabel', () => {
  it('names department_head as 部長 / Director, the wording of the small-company rule', () => {
    expect(titleRankLabel('department_head', 'ja')).toBe('部長');
    expect(titleRankLabel('department_head', 'en')).toBe('Director');
  });

  it('gives every rank a distinct label in each language', () => {
    // Prepare
    const ranks: TitleRank[] = [
      'staff',
      'senior_staff',
      'supervisor',
      'manager',
      'deputy_head',
      'department_head',
      'division_head',
      'officer',
      'executive',
    ];
    // Act
    const ja = ranks.map((rank) => titleRankLabel(rank, 'ja'));
    const en = ranks.map((rank) => titleRankLabel(rank, 'en'));
    // Assess
    expect(new Set(ja).size).toBe(ranks.length);
    expect(new Set(en).size).toBe(ranks.length);
  });

  it('labels a title with the rank it is given back (round trip through titleRank)', () => {
    for (const rank of ['manager', 'deputy_head', 'department_head', 'division_head'] as const) {
      expect(titleRank(titleRankLabel(rank, 'ja'))).toBe(rank);
    }
  });
});
