/**
 * The 47 prefectures, so that a CRM's free-text region ("東京都", "東京", "Tokyo", "tokyo-to", "ＴＯＫＹＯ")
 * and the names an admin writes in routing.yaml meet on one canonical name (`東京都`).
 */
const PREFECTURES: readonly (readonly [ja: string, romaji: string])[] = [
  ['北海道', 'hokkaido'],
  ['青森県', 'aomori'],
  ['岩手県', 'iwate'],
  ['宮城県', 'miyagi'],
  ['秋田県', 'akita'],
  ['山形県', 'yamagata'],
  ['福島県', 'fukushima'],
  ['茨城県', 'ibaraki'],
  ['栃木県', 'tochigi'],
  ['群馬県', 'gunma'],
  ['埼玉県', 'saitama'],
  ['千葉県', 'chiba'],
  ['東京都', 'tokyo'],
  ['神奈川県', 'kanagawa'],
  ['新潟県', 'niigata'],
  ['富山県', 'toyama'],
  ['石川県', 'ishikawa'],
  ['福井県', 'fukui'],
  ['山梨県', 'yamanashi'],
  ['長野県', 'nagano'],
  ['岐阜県', 'gifu'],
  ['静岡県', 'shizuoka'],
  ['愛知県', 'aichi'],
  ['三重県', 'mie'],
  ['滋賀県', 'shiga'],
  ['京都府', 'kyoto'],
  ['大阪府', 'osaka'],
  ['兵庫県', 'hyogo'],
  ['奈良県', 'nara'],
  ['和歌山県', 'wakayama'],
  ['鳥取県', 'tottori'],
  ['島根県', 'shimane'],
  ['岡山県', 'okayama'],
  ['広島県', 'hiroshima'],
  ['山口県', 'yamaguchi'],
  ['徳島県', 'tokushima'],
  ['香川県', 'kagawa'],
  ['愛媛県', 'ehime'],
  ['高知県', 'kochi'],
  ['福岡県', 'fukuoka'],
  ['佐賀県', 'saga'],
  ['長崎県', 'nagasaki'],
  ['熊本県', 'kumamoto'],
  ['大分県', 'oita'],
  ['宮崎県', 'miyazaki'],
  ['鹿児島県', 'kagoshima'],
  ['沖縄県', 'okinawa'],
];

const ALIASES = new Map<string, string>();
for (const [ja, romaji] of PREFECTURES) {
  ALIASES.set(ja, ja);
  // 北海道 is written in full; every other name is also used without its 都/府/県 suffix.
  if (ja !== '北海道') ALIASES.set(ja.slice(0, -1), ja);
  ALIASES.set(romaji, ja);
  for (const suffix of ['-to', '-fu', '-ken', ' prefecture', '-do']) ALIASES.set(`${romaji}${suffix}`, ja);
}
// Long-vowel spellings seen in CRM data.
for (const [alt, ja] of [
  ['tôkyô', '東京都'],
  ['tōkyō', '東京都'],
  ['toukyou', '東京都'],
  ['ôsaka', '大阪府'],
  ['ōsaka', '大阪府'],
  ['oosaka', '大阪府'],
  ['kyôto', '京都府'],
  ['kyōto', '京都府'],
  ['hyôgo', '兵庫県'],
  ['hyōgo', '兵庫県'],
  ['kôchi', '高知県'],
  ['kōchi', '高知県'],
  ['ôita', '大分県'],
  ['ōita', '大分県'],
  ['hokkaidô', '北海道'],
  ['hokkaidō', '北海道'],
] as const) {
  ALIASES.set(alt, ja);
}

/** Key used to compare names typed by people (regions, industries): NFKC (full-width → ASCII), trimmed, lower-case, single spaces. */
export function comparableText(value: string): string {
  return value.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ');
}

/** Canonical Japanese prefecture name for a region as typed, or null when it is not a prefecture. */
export function canonicalPrefecture(value: string): string | null {
  return ALIASES.get(comparableText(value)) ?? null;
}
