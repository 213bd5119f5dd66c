import { type SeededRandom, WeightedChoice } from './seeded-random.ts';

/**
 * Industry codes and how companies in each are shaped. The mix is a sales-automation SaaS
 * vendor's market: manufacturing and IT lead, public sector is a thin slice. Size bands are
 * employee ranges; each industry weights them differently (finance and public skew large,
 * construction and "other" skew small), which yields many SMEs and few enterprises overall.
 */

export const INDUSTRY_CODES = [
  'manufacturing',
  'it_software',
  'finance',
  'retail',
  'healthcare',
  'logistics',
  'construction',
  'public',
  'other',
] as const;
export type IndustryCode = (typeof INDUSTRY_CODES)[number];

/** Employee bands, inclusive; sizes are log-uniform inside a band. */
export const SIZE_BANDS: ReadonlyArray<readonly [number, number]> = [
  [5, 29],
  [30, 99],
  [100, 299],
  [300, 999],
  [1000, 4999],
  [5000, 50_000],
];

interface IndustryProfile {
  code: IndustryCode;
  weight: number;
  bandWeights: readonly number[];
  /** Typical annual revenue per employee in JPY; `null` where revenue is not a meaningful field. */
  revenuePerEmployee: number | null;
}

const PROFILES: readonly IndustryProfile[] = [
  { code: 'manufacturing', weight: 24, bandWeights: [20, 26, 22, 16, 11, 5], revenuePerEmployee: 35e6 },
  { code: 'it_software', weight: 18, bandWeights: [28, 28, 20, 13, 8, 3], revenuePerEmployee: 20e6 },
  { code: 'finance', weight: 6, bandWeights: [8, 15, 22, 25, 20, 10], revenuePerEmployee: 45e6 },
  { code: 'retail', weight: 10, bandWeights: [30, 25, 18, 13, 9, 5], revenuePerEmployee: 40e6 },
  { code: 'healthcare', weight: 7, bandWeights: [25, 25, 25, 15, 8, 2], revenuePerEmployee: 13e6 },
  { code: 'logistics', weight: 7, bandWeights: [22, 28, 23, 15, 9, 3], revenuePerEmployee: 25e6 },
  { code: 'construction', weight: 9, bandWeights: [35, 28, 18, 11, 6, 2], revenuePerEmployee: 40e6 },
  { code: 'public', weight: 3, bandWeights: [5, 15, 25, 30, 18, 7], revenuePerEmployee: null },
  { code: 'other', weight: 16, bandWeights: [35, 27, 18, 11, 7, 2], revenuePerEmployee: 20e6 },
];

const industryChoice = new WeightedChoice<IndustryProfile>(PROFILES.map((p) => [p, p.weight] as const));
const bandChoices = new Map<IndustryCode, WeightedChoice<readonly [number, number]>>(
  PROFILES.map((p) => [
    p.code,
    new WeightedChoice(SIZE_BANDS.map((band, i) => [band, p.bandWeights[i] ?? 0] as const)),
  ]),
);

export function pickIndustry(random: SeededRandom): IndustryCode {
  return industryChoice.pick(random).code;
}

/** A company's true head count for its industry. */
export function pickEmployeeCount(random: SeededRandom, industry: IndustryCode): number {
  const band = (bandChoices.get(industry) as WeightedChoice<readonly [number, number]>).pick(random);
  return Math.round(random.logUniform(band[0], band[1] + 0.999));
}

/**
 * Annual revenue in JPY, correlated with size (revenue per employee times a log-normal spread),
 * rounded to the million as CRMs typically hold it (百万円 units). `null` for public bodies.
 */
export function estimateRevenueJpy(
  random: SeededRandom,
  industry: IndustryCode,
  employees: number,
): number | null {
  const perEmployee = PROFILES.find((p) => p.code === industry)?.revenuePerEmployee ?? null;
  if (perEmployee === null) return null;
  const revenue = employees * perEmployee * Math.exp(0.45 * random.normal());
  return Math.max(1, Math.round(revenue / 1e6)) * 1e6;
}
