import { type SeededRandom, WeightedChoice } from './seeded-random.ts';

/**
 * The 47 prefectures with the facts the generator needs. `weight` approximates the share of
 * companies a Tokyo-based SaaS vendor sees in its lead database (business-establishment counts
 * from the Economic Census, tilted further towards Tokyo where head offices sit). `territory` is
 * the sales-territory code the routing pools use.
 */

export const TERRITORIES = ['kanto', 'kansai', 'chubu', 'kyushu', 'tohoku', 'other'] as const;
export type Territory = (typeof TERRITORIES)[number];

export interface Prefecture {
  name: string;
  romaji: string;
  territory: Territory;
  weight: number;
  /** Prefectural capital, used for public-sector names (〇〇市役所) and their domains. */
  capital: string;
  capitalRomaji: string;
  /** Area code of the capital, for landline numbers. */
  areaCode: string;
}

type Row = readonly [string, string, Territory, number, string, string, string];

const ROWS: readonly Row[] = [
  ['北海道', 'hokkaido', 'other', 3.0, '札幌市', 'sapporo', '011'],
  ['青森県', 'aomori', 'tohoku', 0.5, '青森市', 'aomori', '017'],
  ['岩手県', 'iwate', 'tohoku', 0.5, '盛岡市', 'morioka', '019'],
  ['宮城県', 'miyagi', 'tohoku', 1.5, '仙台市', 'sendai', '022'],
  ['秋田県', 'akita', 'tohoku', 0.4, '秋田市', 'akita', '018'],
  ['山形県', 'yamagata', 'tohoku', 0.5, '山形市', 'yamagata', '023'],
  ['福島県', 'fukushima', 'tohoku', 0.9, '福島市', 'fukushima', '024'],
  ['茨城県', 'ibaraki', 'kanto', 1.5, '水戸市', 'mito', '029'],
  ['栃木県', 'tochigi', 'kanto', 1.0, '宇都宮市', 'utsunomiya', '028'],
  ['群馬県', 'gunma', 'kanto', 1.0, '前橋市', 'maebashi', '027'],
  ['埼玉県', 'saitama', 'kanto', 3.5, 'さいたま市', 'saitama', '048'],
  ['千葉県', 'chiba', 'kanto', 3.0, '千葉市', 'chiba', '043'],
  ['東京都', 'tokyo', 'kanto', 30.0, '新宿区', 'shinjuku', '03'],
  ['神奈川県', 'kanagawa', 'kanto', 6.0, '横浜市', 'yokohama', '045'],
  ['新潟県', 'niigata', 'chubu', 1.3, '新潟市', 'niigata', '025'],
  ['富山県', 'toyama', 'chubu', 0.7, '富山市', 'toyama', '076'],
  ['石川県', 'ishikawa', 'chubu', 0.7, '金沢市', 'kanazawa', '076'],
  ['福井県', 'fukui', 'chubu', 0.4, '福井市', 'fukui', '0776'],
  ['山梨県', 'yamanashi', 'chubu', 0.4, '甲府市', 'kofu', '055'],
  ['長野県', 'nagano', 'chubu', 1.2, '長野市', 'nagano', '026'],
  ['岐阜県', 'gifu', 'chubu', 1.1, '岐阜市', 'gifu', '058'],
  ['静岡県', 'shizuoka', 'chubu', 2.2, '静岡市', 'shizuoka', '054'],
  ['愛知県', 'aichi', 'chubu', 6.5, '名古屋市', 'nagoya', '052'],
  ['三重県', 'mie', 'chubu', 0.9, '津市', 'tsu', '059'],
  ['滋賀県', 'shiga', 'kansai', 0.6, '大津市', 'otsu', '077'],
  ['京都府', 'kyoto', 'kansai', 1.8, '京都市', 'kyoto', '075'],
  ['大阪府', 'osaka', 'kansai', 9.0, '大阪市', 'osaka', '06'],
  ['兵庫県', 'hyogo', 'kansai', 3.0, '神戸市', 'kobe', '078'],
  ['奈良県', 'nara', 'kansai', 0.5, '奈良市', 'nara', '0742'],
  ['和歌山県', 'wakayama', 'kansai', 0.4, '和歌山市', 'wakayama', '073'],
  ['鳥取県', 'tottori', 'other', 0.25, '鳥取市', 'tottori', '0857'],
  ['島根県', 'shimane', 'other', 0.3, '松江市', 'matsue', '0852'],
  ['岡山県', 'okayama', 'other', 1.0, '岡山市', 'okayama', '086'],
  ['広島県', 'hiroshima', 'other', 1.8, '広島市', 'hiroshima', '082'],
  ['山口県', 'yamaguchi', 'other', 0.6, '山口市', 'yamaguchi', '083'],
  ['徳島県', 'tokushima', 'other', 0.3, '徳島市', 'tokushima', '088'],
  ['香川県', 'kagawa', 'other', 0.5, '高松市', 'takamatsu', '087'],
  ['愛媛県', 'ehime', 'other', 0.6, '松山市', 'matsuyama', '089'],
  ['高知県', 'kochi', 'other', 0.3, '高知市', 'kochi', '088'],
  ['福岡県', 'fukuoka', 'kyushu', 3.5, '福岡市', 'fukuoka', '092'],
  ['佐賀県', 'saga', 'kyushu', 0.3, '佐賀市', 'saga', '0952'],
  ['長崎県', 'nagasaki', 'kyushu', 0.6, '長崎市', 'nagasaki', '095'],
  ['熊本県', 'kumamoto', 'kyushu', 0.8, '熊本市', 'kumamoto', '096'],
  ['大分県', 'oita', 'kyushu', 0.5, '大分市', 'oita', '097'],
  ['宮崎県', 'miyazaki', 'kyushu', 0.4, '宮崎市', 'miyazaki', '0985'],
  ['鹿児島県', 'kagoshima', 'kyushu', 0.8, '鹿児島市', 'kagoshima', '099'],
  ['沖縄県', 'okinawa', 'kyushu', 0.6, '那覇市', 'naha', '098'],
];

export const PREFECTURES: readonly Prefecture[] = ROWS.map(
  ([name, romaji, territory, weight, capital, capitalRomaji, areaCode]) => ({
    name,
    romaji,
    territory,
    weight,
    capital,
    capitalRomaji,
    areaCode,
  }),
);

const anyCompany = new WeightedChoice<Prefecture>(PREFECTURES.map((p) => [p, p.weight] as const));
// Head offices of large enterprises concentrate in Tokyo and Osaka even more than companies do.
const largeCompany = new WeightedChoice<Prefecture>(
  PREFECTURES.map(
    (p) =>
      [p, p.name === '東京都' ? p.weight * 2.5 : p.name === '大阪府' ? p.weight * 1.3 : p.weight] as const,
  ),
);

export function pickPrefecture(random: SeededRandom, employees: number): Prefecture {
  return employees >= 1000 ? largeCompany.pick(random) : anyCompany.pick(random);
}

export function prefectureByName(name: string): Prefecture | undefined {
  return PREFECTURES.find((p) => p.name === name);
}
