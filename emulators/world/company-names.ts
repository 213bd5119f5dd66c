import type { IndustryCode } from './industries.ts';
import { pickSurname } from './japanese-names.ts';
import type { Prefecture } from './prefectures.ts';
import type { SeededRandom } from './seeded-random.ts';

/**
 * Company names as Japanese CRMs hold them: 株式会社 before or after the name (前株/後株),
 * 〇〇工業, 〇〇製作所, カタカナ brands, ホールディングス for groups, English-named subsidiaries,
 * banks and 信用金庫, 医療法人, city halls and universities, and the occasional (株) shorthand.
 * Stems are common surnames and auspicious or regional words; names deliberately avoid the
 * well-known zaibatsu brands so no generated record looks like a real listed company.
 */

type Word = readonly [ja: string, romaji: string];

const STEMS: readonly Word[] = [
  ['東洋', 'toyo'],
  ['日本', 'nihon'],
  ['大和', 'yamato'],
  ['東邦', 'toho'],
  ['三協', 'sankyo'],
  ['協和', 'kyowa'],
  ['大成', 'taisei'],
  ['昭和', 'showa'],
  ['太陽', 'taiyo'],
  ['富士', 'fuji'],
  ['日東', 'nitto'],
  ['東亜', 'toa'],
  ['共栄', 'kyoei'],
  ['三栄', 'sanei'],
  ['第一', 'daiichi'],
  ['中央', 'chuo'],
  ['北陸', 'hokuriku'],
  ['関西', 'kansai'],
  ['九州', 'kyushu'],
  ['東北', 'tohoku'],
  ['中部', 'chubu'],
  ['新日本', 'shinnihon'],
  ['丸和', 'maruwa'],
  ['明和', 'meiwa'],
  ['旭', 'asahi'],
  ['光', 'hikari'],
  ['信越', 'shinetsu'],
  ['山陽', 'sanyo'],
  ['湘南', 'shonan'],
  ['武蔵野', 'musashino'],
  ['京浜', 'keihin'],
  ['阪神', 'hanshin'],
  ['千代田', 'chiyoda'],
  ['平和', 'heiwa'],
  ['大同', 'daido'],
  ['日進', 'nisshin'],
  ['三和', 'sanwa'],
  ['北斗', 'hokuto'],
  ['高砂', 'takasago'],
  ['若葉', 'wakaba'],
  ['青葉', 'aoba'],
  ['双葉', 'futaba'],
  ['泉', 'izumi'],
  ['桜', 'sakura'],
];

const KATAKANA_BRANDS: readonly Word[] = [
  ['アクシス', 'axis'],
  ['ネクスト', 'next'],
  ['グローバル', 'global'],
  ['クレスト', 'crest'],
  ['ブライト', 'bright'],
  ['フロンティア', 'frontier'],
  ['アーク', 'arc'],
  ['リンク', 'link'],
  ['ユニオン', 'union'],
  ['ビジョン', 'vision'],
  ['スマート', 'smart'],
  ['クラウド', 'cloud'],
  ['プラス', 'plus'],
  ['トラスト', 'trust'],
  ['ライズ', 'rise'],
  ['ミライ', 'mirai'],
  ['エース', 'ace'],
  ['アルファ', 'alpha'],
  ['ノヴァ', 'nova'],
  ['サンライズ', 'sunrise'],
  ['オリオン', 'orion'],
  ['テラ', 'terra'],
  ['ルミナ', 'lumina'],
  ['シグマ', 'sigma'],
  ['ベクトル', 'vector'],
];

const ENGLISH_BRANDS: readonly string[] = [
  'Nexus',
  'Bright',
  'Bluewave',
  'Summit',
  'Vertex',
  'Harbor',
  'Pioneer',
  'Apex',
  'Lumen',
  'Quantum',
  'Cedar',
  'Maple',
  'Atlas',
  'Meridian',
  'Horizon',
  'Polaris',
  'Sterling',
  'Northstar',
  'Evergreen',
  'Silverline',
  'Bluebird',
  'Crescent',
  'Falcon',
  'Granite',
  'Ironwood',
  'Keystone',
  'Lighthouse',
  'Oakridge',
  'Redwood',
  'Riverstone',
  'Skyline',
  'Trident',
  'Westbrook',
  'Zenith',
];

const KANJI_WORDS: Readonly<Record<IndustryCode, readonly Word[]>> = {
  manufacturing: [
    ['工業', 'kogyo'],
    ['製作所', 'seisakusho'],
    ['精機', 'seiki'],
    ['電機', 'denki'],
    ['化学', 'kagaku'],
    ['金属', 'kinzoku'],
    ['機械', 'kikai'],
    ['産業', 'sangyo'],
    ['精工', 'seiko'],
    ['電子', 'denshi'],
    ['食品', 'foods'],
    ['製菓', 'seika'],
    ['樹脂', 'jushi'],
    ['鉄工所', 'tekko'],
  ],
  it_software: [
    ['情報システム', 'joho'],
    ['電算', 'densan'],
    ['情報サービス', 'infoservice'],
    ['計算センター', 'keisan'],
  ],
  finance: [
    ['証券', 'sec'],
    ['リース', 'lease'],
    ['保険サービス', 'hoken'],
    ['信販', 'shinpan'],
  ],
  retail: [
    ['商事', 'shoji'],
    ['商店', 'shoten'],
    ['物産', 'bussan'],
    ['商会', 'shokai'],
    ['百貨店', 'dept'],
    ['薬局', 'pharmacy'],
  ],
  healthcare: [
    ['製薬', 'seiyaku'],
    ['薬品', 'yakuhin'],
    ['医療器', 'iryoki'],
  ],
  logistics: [
    ['運輸', 'unyu'],
    ['物流', 'butsuryu'],
    ['倉庫', 'soko'],
    ['通運', 'tsuun'],
    ['海運', 'kaiun'],
    ['運送', 'unso'],
  ],
  construction: [
    ['建設', 'kensetsu'],
    ['工務店', 'komuten'],
    ['組', 'gumi'],
    ['設備', 'setsubi'],
    ['土木', 'doboku'],
    ['建工', 'kenko'],
    ['住宅', 'jutaku'],
  ],
  public: [],
  other: [
    ['企画', 'kikaku'],
    ['広告', 'kokoku'],
    ['不動産', 'fudosan'],
    ['興業', 'kogyo'],
    ['総研', 'soken'],
    ['観光', 'kanko'],
    ['出版', 'shuppan'],
    ['人材センター', 'jinzai'],
    ['サービス', 'service'],
  ],
};

const KATAKANA_WORDS: Readonly<Record<IndustryCode, readonly Word[]>> = {
  manufacturing: [
    ['テック', 'tech'],
    ['エンジニアリング', 'engineering'],
    ['マテリアル', 'material'],
    ['プロダクツ', 'products'],
  ],
  it_software: [
    ['システムズ', 'systems'],
    ['ソリューションズ', 'solutions'],
    ['テクノロジーズ', 'technologies'],
    ['ネットワークス', 'networks'],
    ['ソフト', 'soft'],
    ['データ', 'data'],
    ['デジタル', 'digital'],
    ['ラボ', 'lab'],
  ],
  finance: [
    ['キャピタル', 'capital'],
    ['ファイナンス', 'finance'],
    ['アセット', 'asset'],
  ],
  retail: [
    ['ストア', 'store'],
    ['コマース', 'commerce'],
    ['トレーディング', 'trading'],
  ],
  healthcare: [
    ['メディカル', 'medical'],
    ['ヘルスケア', 'healthcare'],
    ['ファーマ', 'pharma'],
  ],
  logistics: [
    ['ロジスティクス', 'logistics'],
    ['エクスプレス', 'express'],
    ['ロジ', 'logi'],
  ],
  construction: [
    ['ホーム', 'home'],
    ['ハウジング', 'housing'],
    ['エンジニアリング', 'engineering'],
  ],
  public: [],
  other: [
    ['コンサルティング', 'consulting'],
    ['パートナーズ', 'partners'],
    ['エージェンシー', 'agency'],
    ['マーケティング', 'marketing'],
    ['クリエイト', 'create'],
  ],
};

const ENGLISH_SUFFIXES: Readonly<Record<IndustryCode, readonly string[]>> = {
  manufacturing: ['Industries', 'Manufacturing', 'Precision'],
  it_software: ['Systems', 'Technologies', 'Labs', 'Software', 'Digital'],
  finance: ['Capital', 'Financial', 'Partners'],
  retail: ['Retail', 'Trading', 'Brands'],
  healthcare: ['Medical', 'Healthcare', 'Pharma'],
  logistics: ['Logistics', 'Express', 'Transport'],
  construction: ['Construction', 'Homes', 'Engineering'],
  public: ['Foundation'],
  other: ['Consulting', 'Partners', 'Agency', 'Group'],
};

export interface CompanyIdentity {
  name: string;
  /** Left part of the domain, e.g. `yamada-kogyo`; the caller makes it unique. */
  domainLabel: string;
  /** Right part, e.g. `co.jp`. */
  domainSuffix: string;
  /** English-named (often foreign-affiliated) companies have more non-Japanese staff. */
  englishNamed: boolean;
}

/** Two-kanji auspicious stems (東和, 三栄, 大興 ...): hundreds of combinations, read by their on-yomi. */
const STEM_HEADS: readonly Word[] = [
  ['東', 'to'],
  ['西', 'sei'],
  ['南', 'nan'],
  ['北', 'hoku'],
  ['中', 'chu'],
  ['新', 'shin'],
  ['大', 'dai'],
  ['高', 'ko'],
  ['丸', 'maru'],
  ['三', 'san'],
  ['日', 'nichi'],
  ['明', 'mei'],
  ['共', 'kyo'],
  ['協', 'kyo'],
  ['富', 'fu'],
  ['永', 'ei'],
  ['朝', 'cho'],
  ['千', 'sen'],
  ['万', 'man'],
  ['和', 'wa'],
  ['栄', 'ei'],
  ['昭', 'sho'],
  ['平', 'hei'],
  ['正', 'sei'],
  ['信', 'shin'],
  ['誠', 'sei'],
];
const STEM_TAILS: readonly Word[] = [
  ['和', 'wa'],
  ['栄', 'ei'],
  ['洋', 'yo'],
  ['邦', 'ho'],
  ['陽', 'yo'],
  ['光', 'ko'],
  ['進', 'shin'],
  ['成', 'sei'],
  ['友', 'yu'],
  ['伸', 'shin'],
  ['興', 'ko'],
  ['電', 'den'],
  ['産', 'san'],
  ['精', 'sei'],
  ['星', 'sei'],
  ['峰', 'ho'],
  ['葉', 'yo'],
  ['輪', 'rin'],
  ['宝', 'ho'],
  ['盛', 'sei'],
];

function japaneseStem(random: SeededRandom): Word {
  const roll = random.next();
  if (roll < 0.45) {
    const surname = pickSurname(random);
    return [surname.kanji, surname.romaji];
  }
  if (roll < 0.7) return random.pick(STEMS);
  const [headJa, headRomaji] = random.pick(STEM_HEADS);
  const [tailJa, tailRomaji] = random.pick(STEM_TAILS);
  return [`${headJa}${tailJa}`, `${headRomaji}${tailRomaji}`];
}

function join(random: SeededRandom, left: string, right: string): string {
  return random.chance(0.55) ? `${left}-${right}` : `${left}${right}`;
}

/** Legal form placement plus the small-company forms and the (株) shorthand found in real data. */
function withLegalForm(random: SeededRandom, core: string, employees: number): string {
  if (employees < 30 && random.chance(0.08))
    return random.chance(0.6) ? `有限会社${core}` : `${core}合同会社`;
  const roll = random.next();
  if (roll < 0.012) return `(株)${core}`;
  if (roll < 0.024) return `${core}（株）`;
  return random.chance(0.5) ? `株式会社${core}` : `${core}株式会社`;
}

function corporateSuffix(random: SeededRandom): string {
  const roll = random.next();
  return roll < 0.72 ? 'co.jp' : roll < 0.85 ? 'com' : roll < 0.96 ? 'jp' : 'net';
}

/**
 * Public-sector bodies. A prefecture has one government and one capital city hall (real names,
 * so they are tried first and only once each); the rest are fictional but typical bodies
 * (学校法人, 社会福祉法人, 公益財団法人, 一般社団法人) so large worlds do not repeat one city hall.
 */
function publicBody(random: SeededRandom, prefecture: Prefecture, retry: number): CompanyIdentity {
  const roll = retry > 0 ? 0.28 + 0.72 * random.next() : random.next();
  if (roll < 0.2) {
    return {
      name: `${prefecture.capital}役所`,
      domainLabel: `city.${prefecture.capitalRomaji}`,
      domainSuffix: 'lg.jp',
      englishNamed: false,
    };
  }
  if (roll < 0.28) {
    const name = prefecture.name === '北海道' ? '北海道庁' : `${prefecture.name}庁`;
    return { name, domainLabel: `pref.${prefecture.romaji}`, domainSuffix: 'lg.jp', englishNamed: false };
  }
  const [ja, romaji] = japaneseStem(random);
  if (roll < 0.5) {
    return {
      name: `学校法人${ja}学園`,
      domainLabel: `${romaji}-gakuen`,
      domainSuffix: 'ac.jp',
      englishNamed: false,
    };
  }
  if (roll < 0.68) {
    return {
      name: `社会福祉法人${ja}福祉会`,
      domainLabel: `${romaji}-fukushi`,
      domainSuffix: 'or.jp',
      englishNamed: false,
    };
  }
  if (roll < 0.84) {
    const [field, fieldRomaji] = random.pick(PUBLIC_FIELDS);
    return {
      name: `公益財団法人${ja}${field}振興財団`,
      domainLabel: `${romaji}-${fieldRomaji}`,
      domainSuffix: 'or.jp',
      englishNamed: false,
    };
  }
  const [field, fieldRomaji] = random.pick(PUBLIC_FIELDS);
  return {
    name: `一般社団法人${ja}${field}協会`,
    domainLabel: `${romaji}-${fieldRomaji}-kyokai`,
    domainSuffix: 'or.jp',
    englishNamed: false,
  };
}

const PUBLIC_FIELDS: readonly Word[] = [
  ['産業', 'sangyo'],
  ['地域', 'chiiki'],
  ['文化', 'bunka'],
  ['観光', 'kanko'],
  ['技術', 'gijutsu'],
  ['環境', 'kankyo'],
];

const BANK_KINDS: readonly Word[] = [
  ['', ''],
  ['中央', '-chuo'],
  ['第一', '-daiichi'],
  ['産業', '-sangyo'],
  ['みらい', '-mirai'],
];

function financeName(
  random: SeededRandom,
  prefecture: Prefecture,
  employees: number,
  retry: number,
): CompanyIdentity | null {
  // Banks and 信用金庫 are few in reality; a name already taken is not reused.
  if (retry > 0) return null;
  const place = prefecture.name.replace(/[都府県]$/, '');
  if (employees >= 300 && random.chance(0.12)) {
    const [kind, kindRomaji] = random.pick(BANK_KINDS);
    return {
      name: withLegalForm(random, `${place}${kind}銀行`, employees),
      domainLabel: `${prefecture.romaji}${kindRomaji}-bank`,
      domainSuffix: 'co.jp',
      englishNamed: false,
    };
  }
  if (employees >= 100 && random.chance(0.3)) {
    const [ja, romaji] = random.chance(0.5) ? [place, prefecture.romaji] : random.pick(STEMS);
    return {
      name: `${ja}信用金庫`,
      domainLabel: `${romaji}-shinkin`,
      domainSuffix: 'co.jp',
      englishNamed: false,
    };
  }
  return null;
}

function healthcareName(random: SeededRandom): CompanyIdentity | null {
  if (!random.chance(0.4)) return null;
  const [ja, romaji] = japaneseStem(random);
  return random.chance(0.6)
    ? { name: `医療法人社団${ja}会`, domainLabel: `${romaji}kai`, domainSuffix: 'or.jp', englishNamed: false }
    : {
        name: `医療法人${ja}会 ${ja}病院`,
        domainLabel: `${romaji}-hp`,
        domainSuffix: 'or.jp',
        englishNamed: false,
      };
}

/** `retry` > 0 when the previous pick's domain was taken: prefer forms with more variety. */
export function pickCompanyIdentity(
  random: SeededRandom,
  industry: IndustryCode,
  employees: number,
  prefecture: Prefecture,
  retry = 0,
): CompanyIdentity {
  if (industry === 'public') return publicBody(random, prefecture, retry);
  const special =
    industry === 'finance'
      ? financeName(random, prefecture, employees, retry)
      : industry === 'healthcare'
        ? healthcareName(random)
        : null;
  if (special) return special;

  const roll = random.next();
  if (roll < 0.07) {
    const brand = random.pick(ENGLISH_BRANDS);
    const suffix = random.pick(ENGLISH_SUFFIXES[industry]);
    const form = random.next();
    const name =
      form < 0.4
        ? `${brand} ${suffix} K.K.`
        : form < 0.75
          ? `${brand} ${suffix} Japan株式会社`
          : `${brand} ${suffix} Inc.`;
    const label = `${brand}${suffix}`.toLowerCase() + (form >= 0.4 && form < 0.75 ? '-japan' : '');
    return { name, domainLabel: label, domainSuffix: form < 0.75 ? 'co.jp' : 'com', englishNamed: true };
  }
  if (employees >= 1000 && roll < 0.2) {
    const [ja, romaji] = japaneseStem(random);
    return {
      name: random.chance(0.5) ? `${ja}ホールディングス株式会社` : `株式会社${ja}ホールディングス`,
      domainLabel: `${romaji}-hd`,
      domainSuffix: 'co.jp',
      englishNamed: false,
    };
  }
  const katakanaWords = KATAKANA_WORDS[industry];
  if (roll < 0.3 || KANJI_WORDS[industry].length === 0) {
    const [brandJa, brandRomaji] = random.pick(KATAKANA_BRANDS);
    const [wordJa, wordRomaji] = random.pick(katakanaWords);
    return {
      name: withLegalForm(random, `${brandJa}${wordJa}`, employees),
      domainLabel: join(random, brandRomaji, wordRomaji),
      domainSuffix: corporateSuffix(random),
      englishNamed: false,
    };
  }
  if (roll < 0.45) {
    // Kanji stem with a katakana word: 東洋システムズ, 山田テック.
    const [stemJa, stemRomaji] = japaneseStem(random);
    const [wordJa, wordRomaji] = random.pick(katakanaWords);
    return {
      name: withLegalForm(random, `${stemJa}${wordJa}`, employees),
      domainLabel: join(random, stemRomaji, wordRomaji),
      domainSuffix: corporateSuffix(random),
      englishNamed: false,
    };
  }
  const [stemJa, stemRomaji] = japaneseStem(random);
  const [wordJa, wordRomaji] = random.pick(KANJI_WORDS[industry]);
  return {
    name: withLegalForm(random, `${stemJa}${wordJa}`, employees),
    domainLabel: join(random, stemRomaji, wordRomaji),
    domainSuffix: corporateSuffix(random),
    englishNamed: false,
  };
}
