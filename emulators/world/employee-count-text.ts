import type { SeededRandom } from './seeded-random.ts';

/**
 * How a company's head count ends up in the CRM. Most records hold a clean number; some also have
 * the free-text field filled; a minority hold only free text typed by a person or imported from
 * a form (ranges, 約, 以上, full-width digits, English), and a few hold nothing or "不明".
 */

export interface RecordedEmployees {
  employees: number | null;
  employeesText: string | null;
}

/** Form-style bands, as web forms offer them. */
const FORM_BANDS: ReadonlyArray<readonly [number, number]> = [
  [1, 9],
  [10, 49],
  [50, 99],
  [100, 299],
  [300, 499],
  [500, 999],
  [1000, 4999],
];
const AT_LEAST_STEPS = [10_000, 5000, 1000, 300, 100, 50] as const;

function withThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Two significant figures, the way people round a head count they are unsure of. */
function roughly(n: number): number {
  if (n < 100) return Math.max(10, Math.round(n / 10) * 10);
  const magnitude = 10 ** (Math.floor(Math.log10(n)) - 1);
  return Math.round(n / magnitude) * magnitude;
}

function fullWidthDigits(text: string): string {
  return text.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
}

function formBand(n: number, random: SeededRandom): string {
  const band = FORM_BANDS.find(([lo, hi]) => n >= lo && n <= hi);
  if (!band) return '5000名以上';
  return random.chance(0.7) ? `${band[0]}-${band[1]}` : `${band[0]}〜${band[1]}名`;
}

/** Text that only a parser can turn back into a number (or that says nothing at all). */
function messyText(n: number, random: SeededRandom): string {
  const roll = random.next();
  if (roll < 0.2) return `${withThousands(n)}名`;
  if (roll < 0.36) return formBand(n, random);
  if (roll < 0.48) {
    const step = AT_LEAST_STEPS.find((s) => n >= s);
    return step ? `${step}人以上` : `${formBand(n, random)}`;
  }
  if (roll < 0.62) return `約${roughly(n)}名`;
  if (roll < 0.72) return random.chance(0.6) ? `about ${roughly(n)}` : `approx. ${withThousands(roughly(n))}`;
  if (roll < 0.8) return `${n}人`;
  if (roll < 0.87) return fullWidthDigits(`${n}名`);
  if (roll < 0.95) return '不明';
  return random.pick(['-', '未確認', '非公開']);
}

export function recordEmployees(random: SeededRandom, trueCount: number): RecordedEmployees {
  const roll = random.next();
  if (roll < 0.76) return { employees: trueCount, employeesText: null };
  if (roll < 0.84) {
    const text = random.chance(0.5) ? `${withThousands(trueCount)}名` : String(trueCount);
    return { employees: trueCount, employeesText: text };
  }
  if (roll < 0.94) return { employees: null, employeesText: messyText(trueCount, random) };
  if (roll < 0.98) return { employees: null, employeesText: '' };
  return { employees: null, employeesText: null };
}
