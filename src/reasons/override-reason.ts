import type { HumanOverride } from '../domain/human-override.ts';
import type { TossUpFlag } from '../domain/lead.ts';
import { crmLength, fitText } from '../domain/text-length.ts';
import type { Locale } from './messages.ts';
import { FLAG_LABELS } from './next-action-label.ts';

/**
 * The reason written while a person's override stands (issue 14): what they set, who and when, how
 * to hand the lead back, and what the rules would say. It starts with a fixed marker per locale,
 * which is how the next run knows that the CRM's reason is an override's (human-override.ts).
 */

export const OVERRIDE_MARKERS: Readonly<Record<Locale, string>> = {
  ja: '【手動設定】',
  en: '[Manual override] ',
};

const TEXT: Readonly<
  Record<Locale, { field: string; flagEdit: string; unknown: string; rules: (flag: string) => string }>
> = {
  ja: {
    field: 'トスアップ上書き項目で',
    flagEdit: 'フラグを直接変更',
    unknown: '変更者不明',
    rules: (flag) => `ルールの判定は「${flag}」: `,
  },
  en: {
    field: 'set in the toss-up override field',
    flagEdit: 'flag edited by hand',
    unknown: 'unknown user',
    rules: (flag) => `The rules say "${flag}": `,
  },
};

export interface OverrideReasonInput {
  override: HumanOverride;
  /** Who, as sales know them (the rep's name when routing.yaml lists the user), else the user id. */
  byName: string | null;
  /** When, already in the CRM's business time zone (`2026-12-01 10:00`). */
  time: string;
  /** What the rules decided, and their reasons as they would be written. */
  ruleFlag: TossUpFlag;
  ruleReasons: string;
}

/** The override reason, fitted to `maxLength` (the rules' reasons are cut first). */
export function renderOverrideReason(locale: Locale, input: OverrideReasonInput, maxLength: number): string {
  const t = TEXT[locale];
  const o = input.override;
  const flag = FLAG_LABELS[locale][o.flag];
  const how = o.source === 'field' ? t.field : t.flagEdit;
  const who = input.byName ?? t.unknown;
  const head =
    locale === 'ja'
      ? `${OVERRIDE_MARKERS.ja}「${flag}」（${how}・${who}・${input.time}）。上書きを解除するとルールの判定に戻ります。`
      : `${OVERRIDE_MARKERS.en}"${flag}" (${how}, ${who}, ${input.time}). Clear the override to hand the lead back to the rules.`;
  const tail = `${locale === 'en' ? ' ' : ''}${t.rules(FLAG_LABELS[locale][input.ruleFlag])}${input.ruleReasons}`;
  if (crmLength(head) >= maxLength) return fitText(head, maxLength);
  return fitText(`${head}${tail}`, maxLength);
}

/** Whether a reason in the CRM is an override's (written by the engine while an override stood). */
export function isOverrideReason(text: string | null | undefined): boolean {
  if (!text) return false;
  return Object.values(OVERRIDE_MARKERS).some((m) => text.startsWith(m));
}
