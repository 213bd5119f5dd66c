import type { DataIssue } from '../domain/lead.ts';

/**
 * What every normalizer returns: the clean value, or `null` with the reason it could not be used.
 * `null` without an issue means the source simply had nothing (blank, "-", "不明"), which is not a
 * data-quality problem; `null` with an issue is, and ends up in `lead.dataIssues`.
 */
export type ParseProblem = DataIssue['problem'];

/** Problems of fields that hold figures: a value that is not a figure, or an impossible one. */
export type FigureProblem = 'unparseable' | 'out_of_range';

export interface ParseResult<T, P extends ParseProblem = FigureProblem> {
  value: T | null;
  issue?: P;
}

export const EMPTY: ParseResult<never, never> = Object.freeze({ value: null });
export const UNPARSEABLE: ParseResult<never, 'unparseable'> = Object.freeze({
  value: null,
  issue: 'unparseable',
});
export const OUT_OF_RANGE: ParseResult<never, 'out_of_range'> = Object.freeze({
  value: null,
  issue: 'out_of_range',
});
export const UNKNOWN_VALUE: ParseResult<never, 'unknown_value'> = Object.freeze({
  value: null,
  issue: 'unknown_value',
});

export function parsed<T>(value: T): ParseResult<T, never> {
  return { value };
}
