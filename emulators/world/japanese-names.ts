import { type SeededRandom, WeightedChoice } from './seeded-random.ts';

/**
 * Person names with their romanization (for e-mail local parts). Surname weights follow the
 * published frequency rankings (roughly, in ten-thousands of bearers), so 佐藤 and 鈴木 show up as
 * often as they do in a real CRM. A small share of non-Japanese names appears, mostly at
 * English-named (foreign-affiliated) companies.
 */

export interface NamePart {
  kanji: string;
  romaji: string;
}

const SURNAMES: ReadonlyArray<readonly [string, string, number]> = [
  ['佐藤', 'sato', 187],
  ['鈴木', 'suzuki', 180],
  ['高橋', 'takahashi', 141],
  ['田中', 'tanaka', 134],
  ['伊藤', 'ito', 108],
  ['渡辺', 'watanabe', 107],
  ['山本', 'yamamoto', 107],
  ['中村', 'nakamura', 105],
  ['小林', 'kobayashi', 104],
  ['加藤', 'kato', 89],
  ['吉田', 'yoshida', 83],
  ['山田', 'yamada', 82],
  ['佐々木', 'sasaki', 68],
  ['山口', 'yamaguchi', 64],
  ['松本', 'matsumoto', 63],
  ['井上', 'inoue', 62],
  ['木村', 'kimura', 57],
  ['林', 'hayashi', 55],
  ['斎藤', 'saito', 54],
  ['清水', 'shimizu', 53],
  ['山崎', 'yamazaki', 48],
  ['森', 'mori', 47],
  ['池田', 'ikeda', 44],
  ['橋本', 'hashimoto', 44],
  ['阿部', 'abe', 44],
  ['石川', 'ishikawa', 43],
  ['山下', 'yamashita', 42],
  ['中島', 'nakajima', 42],
  ['石井', 'ishii', 41],
  ['小川', 'ogawa', 41],
  ['前田', 'maeda', 40],
  ['岡田', 'okada', 40],
  ['長谷川', 'hasegawa', 39],
  ['藤田', 'fujita', 39],
  ['後藤', 'goto', 38],
  ['近藤', 'kondo', 37],
  ['村上', 'murakami', 37],
  ['遠藤', 'endo', 35],
  ['青木', 'aoki', 34],
  ['坂本', 'sakamoto', 34],
  ['斉藤', 'saito', 33],
  ['福田', 'fukuda', 33],
  ['太田', 'ota', 33],
  ['西村', 'nishimura', 32],
  ['藤井', 'fujii', 32],
  ['金子', 'kaneko', 31],
  ['岡本', 'okamoto', 31],
  ['藤原', 'fujiwara', 31],
  ['中野', 'nakano', 31],
  ['三浦', 'miura', 30],
  ['原田', 'harada', 30],
  ['中川', 'nakagawa', 30],
  ['松田', 'matsuda', 30],
  ['竹内', 'takeuchi', 29],
  ['小野', 'ono', 29],
  ['田村', 'tamura', 29],
  ['中山', 'nakayama', 28],
  ['和田', 'wada', 28],
  ['石田', 'ishida', 28],
  ['森田', 'morita', 27],
  ['上田', 'ueda', 27],
  ['原', 'hara', 27],
  ['内田', 'uchida', 27],
  ['柴田', 'shibata', 26],
  ['酒井', 'sakai', 26],
  ['宮崎', 'miyazaki', 26],
  ['横山', 'yokoyama', 26],
  ['高木', 'takagi', 25],
  ['安藤', 'ando', 25],
  ['宮本', 'miyamoto', 25],
  ['大野', 'ono', 25],
  ['小島', 'kojima', 25],
  ['谷口', 'taniguchi', 24],
  ['今井', 'imai', 24],
  ['工藤', 'kudo', 24],
  ['高田', 'takada', 24],
  ['増田', 'masuda', 23],
  ['丸山', 'maruyama', 23],
  ['杉山', 'sugiyama', 23],
  ['村田', 'murata', 23],
  ['大塚', 'otsuka', 23],
  ['小山', 'koyama', 23],
  ['藤本', 'fujimoto', 22],
  ['平野', 'hirano', 22],
  ['新井', 'arai', 22],
  ['河野', 'kono', 22],
  ['上野', 'ueno', 22],
  ['野口', 'noguchi', 21],
  ['武田', 'takeda', 21],
  ['松井', 'matsui', 21],
  ['千葉', 'chiba', 21],
  ['岩崎', 'iwasaki', 21],
  ['菅原', 'sugawara', 21],
  ['木下', 'kinoshita', 20],
  ['久保', 'kubo', 20],
  ['佐野', 'sano', 20],
  ['野村', 'nomura', 20],
  ['松尾', 'matsuo', 20],
  ['市川', 'ichikawa', 20],
  ['菊地', 'kikuchi', 19],
];

const MALE_GIVEN: ReadonlyArray<readonly [string, string]> = [
  ['翔太', 'shota'],
  ['大輔', 'daisuke'],
  ['健太', 'kenta'],
  ['拓也', 'takuya'],
  ['直樹', 'naoki'],
  ['浩', 'hiroshi'],
  ['誠', 'makoto'],
  ['隆', 'takashi'],
  ['健一', 'kenichi'],
  ['和也', 'kazuya'],
  ['達也', 'tatsuya'],
  ['亮', 'ryo'],
  ['聡', 'satoshi'],
  ['哲也', 'tetsuya'],
  ['剛', 'tsuyoshi'],
  ['修', 'osamu'],
  ['学', 'manabu'],
  ['茂', 'shigeru'],
  ['清', 'kiyoshi'],
  ['雄一', 'yuichi'],
  ['慎也', 'shinya'],
  ['悠斗', 'yuto'],
  ['蓮', 'ren'],
  ['陽太', 'yota'],
  ['翼', 'tsubasa'],
  ['一郎', 'ichiro'],
  ['正人', 'masato'],
  ['康弘', 'yasuhiro'],
  ['秀樹', 'hideki'],
  ['弘樹', 'hiroki'],
  ['俊介', 'shunsuke'],
  ['勝', 'masaru'],
  ['豊', 'yutaka'],
  ['大樹', 'daiki'],
  ['洋平', 'yohei'],
  ['圭', 'kei'],
  ['優太', 'yuta'],
  ['浩二', 'koji'],
  ['明', 'akira'],
  ['賢治', 'kenji'],
];

const FEMALE_GIVEN: ReadonlyArray<readonly [string, string]> = [
  ['美咲', 'misaki'],
  ['陽子', 'yoko'],
  ['恵', 'megumi'],
  ['裕子', 'yuko'],
  ['直美', 'naomi'],
  ['真由美', 'mayumi'],
  ['由美', 'yumi'],
  ['愛', 'ai'],
  ['彩', 'aya'],
  ['さくら', 'sakura'],
  ['麻衣', 'mai'],
  ['智子', 'tomoko'],
  ['久美子', 'kumiko'],
  ['優子', 'yuko'],
  ['明美', 'akemi'],
  ['香織', 'kaori'],
  ['千尋', 'chihiro'],
  ['奈々', 'nana'],
  ['結衣', 'yui'],
  ['沙織', 'saori'],
  ['理恵', 'rie'],
  ['京子', 'kyoko'],
  ['幸子', 'sachiko'],
  ['真理', 'mari'],
  ['綾香', 'ayaka'],
  ['美穂', 'miho'],
  ['瞳', 'hitomi'],
  ['葵', 'aoi'],
  ['陽菜', 'hina'],
  ['早紀', 'saki'],
];

/** Written as the CRM would hold them: family name in lastName, given name in firstName. */
const FOREIGN_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['Smith', 'John'],
  ['Johnson', 'Emily'],
  ['Brown', 'Michael'],
  ['Miller', 'Sarah'],
  ['Wilson', 'David'],
  ['Taylor', 'Laura'],
  ['Martin', 'Thomas'],
  ['Garcia', 'Maria'],
  ['Lee', 'Minjun'],
  ['Kim', 'Jiyoung'],
  ['Wang', 'Wei'],
  ['Chen', 'Li'],
  ['Nguyen', 'Minh'],
  ['Kumar', 'Rahul'],
  ['Schmidt', 'Anna'],
  ['Dubois', 'Claire'],
];

const surnameChoice = new WeightedChoice<NamePart>(
  SURNAMES.map(([kanji, romaji, weight]) => [{ kanji, romaji }, weight] as const),
);
const maleGiven: readonly NamePart[] = MALE_GIVEN.map(([kanji, romaji]) => ({ kanji, romaji }));
const femaleGiven: readonly NamePart[] = FEMALE_GIVEN.map(([kanji, romaji]) => ({ kanji, romaji }));
const foreign: ReadonlyArray<{ last: NamePart; first: NamePart }> = FOREIGN_NAMES.map(([last, first]) => ({
  last: { kanji: last, romaji: last.toLowerCase() },
  first: { kanji: first, romaji: first.toLowerCase() },
}));

export interface PersonName {
  last: NamePart;
  first: NamePart;
}

/** Japanese surnames alone, e.g. as the stem of a company name (山田工業). */
export function pickSurname(random: SeededRandom): NamePart {
  return surnameChoice.pick(random);
}

/**
 * `foreignShare` is the chance of a non-Japanese name; B2B contacts in Japan are still mostly men,
 * so about a third of names are female.
 */
export function pickPersonName(random: SeededRandom, foreignShare: number): PersonName {
  if (random.chance(foreignShare)) return random.pick(foreign);
  const last = surnameChoice.pick(random);
  const first = random.chance(0.34) ? random.pick(femaleGiven) : random.pick(maleGiven);
  return { last, first };
}
