import { InvalidArgumentError } from 'commander';

/** `--at`/`--since` values: ISO 8601 with an offset (a bare date means 00:00 in Asia/Tokyo). */
export function parseInstant(text: string): number {
  const withZone = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00+09:00` : text;
  const ms = Date.parse(withZone);
  if (Number.isNaN(ms) || !/(Z|[+-]\d{2}:?\d{2})$/.test(withZone)) {
    throw new InvalidArgumentError(
      `"${text}" is not an ISO time with an offset, e.g. 2026-11-21T09:00:00+09:00`,
    );
  }
  return ms;
}
