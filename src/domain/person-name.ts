/**
 * A person's display name from given and family name, in the order the person's own language writes
 * it: family name first for Japanese (and other CJK) names ("山田 太郎"), given name first otherwise
 * ("Jane Smith"). HubSpot keeps the two apart; Salesforce formats `Name` itself (crm-apis.md).
 */

/** Han, kana, Hangul and full-width forms: a name written in one of these is written family name first. */
const CJK =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff00-\uffef]/u;

export function isCjkName(text: string): boolean {
  return CJK.test(text);
}

/** `null` when both parts are blank. */
export function personDisplayName(
  given: string | null | undefined,
  family: string | null | undefined,
): string | null {
  const g = given?.trim() ?? '';
  const f = family?.trim() ?? '';
  if (g === '' && f === '') return null;
  if (g === '' || f === '') return g || f;
  return isCjkName(g) || isCjkName(f) ? `${f} ${g}` : `${g} ${f}`;
}
