/**
 * The key two company names are compared by when a Lead (which has no Account) is matched to an
 * Account. Conservative on purpose: it removes only what never tells two companies apart, so two
 * names with the same key are the same company as written. Rules, in order:
 *
 * 1. NFKC: full-width letters and digits become ASCII ("ＡＢＣ" → "ABC"), half-width katakana become
 *    full-width, "㈱" becomes "(株)" and "（株）" becomes "(株)".
 * 2. Lower case.
 * 3. Japanese legal forms, wherever they stand (前株 and 後株 are the same company): 株式会社,
 *    有限会社, 合同会社, 合資会社, 合名会社 and the abbreviations (株), (有), (同), (資), (名).
 * 4. English legal forms at the end only, repeatedly: "Co., Ltd.", "Company Limited", "Co., Inc.",
 *    "Inc.", "Incorporated", "Corp.", "Corporation", "K.K.", "KK", "Kabushiki Kaisha", "Ltd.",
 *    "Limited", "LLC", "G.K.", "Co."; and "Kabushiki Kaisha" / "K.K." at the start.
 * 5. Spacing and punctuation: every space, punctuation mark and symbol ("・", ".", ",", "&", "-",
 *    brackets). The katakana long vowel "ー" is a letter and stays.
 *
 * Not folded, so they never match each other: words such as "Holdings", "Japan", "グループ" or a
 * branch name (group companies are different customers); katakana vs. romaji ("エービーシー" vs
 * "ABC"); abbreviations. A key shorter than two characters is no key (too weak to identify anyone).
 */

const JA_LEGAL_FORMS = /株式会社|有限会社|合同会社|合資会社|合名会社|\((?:株|有|同|資|名)\)/gu;

const EN_SUFFIX =
  /(?:^|[\s,]+)(?:co\.?\s*,?\s*ltd\.?|company\s+limited|co\.?\s*,?\s*inc\.?|inc\.?|incorporated|corp\.?|corporation|k\.\s?k\.?|kk|kabushiki\s+kaisha|ltd\.?|limited|llc|l\.l\.c\.|g\.\s?k\.|co\.?)\s*$/u;

const EN_PREFIX = /^(?:kabushiki\s+kaisha|k\.\s?k\.)\s+/u;

const SPACING_AND_PUNCTUATION = /[\s\p{P}\p{S}]/gu;

export function companyNameKey(raw: string | null | undefined): string | null {
  if (typeof raw !== 'string') return null;
  let s = raw.normalize('NFKC').toLowerCase().replace(JA_LEGAL_FORMS, ' ').trim();
  s = s.replace(EN_PREFIX, '');
  for (;;) {
    const next = s.replace(EN_SUFFIX, '').trim();
    // A name that IS a legal form ("Limited") keeps it rather than becoming empty.
    if (next === s || next === '') break;
    s = next;
  }
  const key = s.replace(SPACING_AND_PUNCTUATION, '');
  return key.length >= 2 ? key : null;
}
