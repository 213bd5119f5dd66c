import { isBlankText, toMatchText } from './match-text.ts';
import { EMPTY, OUT_OF_RANGE, type ParseResult, parsed, UNPARSEABLE } from './parse-result.ts';

/**
 * Date-times as both CRMs and hand-made files deliver them, normalized to ISO 8601 UTC
 * (`YYYY-MM-DDTHH:mm:ss.sssZ`).
 *
 * - Salesforce `2026-11-20T01:00:00.000+0000` (offset without colon) and any ISO form with
 *   `Z`, `±HH:MM`, `±HHMM` or `±HH`.
 * - HubSpot epoch milliseconds, as a number or a numeric string (`"1763600000000"`).
 * - `Date` objects (the HubSpot SDK converts `createdAt`/`updatedAt`).
 * - Texts without an offset are wall-clock time in Asia/Tokyo (UTC+9, no DST), because that is
 *   what a person in a Japanese sales team types: `2026/11/20 10:00`, `2026-11-20 10:00`,
 *   `2026年11月20日 10時`.
 * - A date without a time is the START of that business day in Tokyo: `2026-11-20` →
 *   `2026-11-19T15:00:00.000Z`, the same as `2026/11/20`. Use {@link parseCrmDate} for fields
 *   that are pure dates (Salesforce date fields, due dates) so no time zone is ever applied.
 *
 * Impossible calendar values (`2026-02-30`, `25:00`) and instants outside 1990–2099 (typically
 * epoch SECONDS where milliseconds were expected) are `out_of_range`; they are never rolled over
 * or rescaled.
 */
export function parseCrmDateTime(raw: unknown): ParseResult<string> {
  const instant = readInstant(raw);
  if (instant.value === null) return instant.issue ? { value: null, issue: instant.issue } : EMPTY;
  return parsed(new Date(instant.value).toISOString());
}

/**
 * A calendar date `YYYY-MM-DD`. Date-only texts are taken as written (a Salesforce date field is
 * midnight UTC by convention and must not be shifted); date-times are converted to the calendar
 * day they fall on in Asia/Tokyo (`2026-11-20T16:00:00Z` → `2026-11-21`).
 */
export function parseCrmDate(raw: unknown): ParseResult<string> {
  if (typeof raw === 'string') {
    const parts = readParts(raw);
    if (parts !== 'blank' && parts !== 'unparseable' && parts.time === null) {
      const issue = validate(parts);
      if (issue) return { value: null, issue };
      return parsed(formatDate(parts.year, parts.month, parts.day));
    }
  }
  const instant = readInstant(raw);
  if (instant.value === null) return instant.issue ? { value: null, issue: instant.issue } : EMPTY;
  return parsed(new Date(instant.value + TOKYO_OFFSET_MS).toISOString().slice(0, 10));
}

const TOKYO_OFFSET_MS = 9 * 60 * 60 * 1000;
/** Nothing a CRM holds for a lead predates 1990; anything earlier is epoch seconds read as ms. */
const EARLIEST = Date.UTC(1990, 0, 1);
const LATEST = Date.UTC(2100, 0, 1);

const EPOCH_MS = /^[+-]?\d+(?:\.\d+)?$/u;
const DATE_TIME =
  /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:(?:t|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(z|[+-]\d{2}(?::?\d{2})?)?)?$/u;
const WEEKDAY = /\s*\((?:月|火|水|木|金|土|日|mon|tue|wed|thu|fri|sat|sun)\)/gu;

interface DateTimeParts {
  year: number;
  month: number;
  day: number;
  time: { hour: number; minute: number; second: number; ms: number } | null;
  /** Minutes east of UTC; `null` = none given (Tokyo wall clock). */
  offsetMinutes: number | null;
}

function readInstant(raw: unknown): ParseResult<number> {
  if (raw === null || raw === undefined) return EMPTY;
  if (raw instanceof Date) return checkInstant(raw.getTime());
  if (typeof raw === 'number') return checkInstant(raw);
  if (typeof raw !== 'string') return UNPARSEABLE;
  const parts = readParts(raw);
  if (parts === 'blank') return EMPTY;
  if (parts === 'unparseable') {
    const text = raw.normalize('NFKC').trim();
    return EPOCH_MS.test(text) ? checkInstant(Number(text)) : UNPARSEABLE;
  }
  const issue = validate(parts);
  if (issue) return { value: null, issue };
  const time = parts.time ?? { hour: 0, minute: 0, second: 0, ms: 0 };
  const offsetMs = parts.offsetMinutes === null ? TOKYO_OFFSET_MS : parts.offsetMinutes * 60_000;
  const wallClock = Date.UTC(
    parts.year,
    parts.month - 1,
    parts.day,
    time.hour,
    time.minute,
    time.second,
    time.ms,
  );
  return checkInstant(wallClock - offsetMs);
}

function checkInstant(ms: number): ParseResult<number> {
  if (!Number.isFinite(ms)) return UNPARSEABLE;
  if (ms < EARLIEST || ms >= LATEST) return OUT_OF_RANGE;
  return parsed(Math.trunc(ms));
}

function readParts(raw: string): DateTimeParts | 'blank' | 'unparseable' {
  const match = toMatchText(raw);
  if (isBlankText(match)) return 'blank';
  const text = match
    .replace(WEEKDAY, '')
    // 2026年11月20日 10時05分 → 2026/11/20 10:05
    .replace(/(\d{4})年(\d{1,2})月(\d{1,2})日/u, '$1/$2/$3')
    .replace(/(\d{1,2})時(?:(\d{1,2})分)?(?:(\d{1,2})秒)?$/u, (_all, h: string, m?: string, s?: string) =>
      s === undefined
        ? `${h}:${(m ?? '0').padStart(2, '0')}`
        : `${h}:${(m ?? '0').padStart(2, '0')}:${s.padStart(2, '0')}`,
    )
    .trim();
  const m = DATE_TIME.exec(text);
  if (!m) return 'unparseable';
  const [, year, month, day, hour, minute, second, fraction, offset] = m;
  return {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    time:
      hour === undefined
        ? null
        : {
            hour: Number(hour),
            minute: Number(minute),
            second: Number(second ?? 0),
            ms: Number((fraction ?? '').slice(0, 3).padEnd(3, '0')),
          },
    offsetMinutes: offset === undefined ? null : readOffset(offset),
  };
}

function readOffset(offset: string): number {
  if (offset === 'z') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  // Out-of-range offsets are caught by `validate` through NaN.
  return hours > 14 || minutes > 59 ? Number.NaN : sign * (hours * 60 + minutes);
}

function validate(parts: DateTimeParts): 'out_of_range' | undefined {
  const { year, month, day, time } = parts;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return 'out_of_range';
  if (time && (time.hour > 23 || time.minute > 59 || time.second > 59)) return 'out_of_range';
  if (parts.offsetMinutes !== null && Number.isNaN(parts.offsetMinutes)) return 'out_of_range';
  const dayStart = Date.UTC(year, month - 1, day);
  if (dayStart < EARLIEST || dayStart >= LATEST) return 'out_of_range';
  return undefined;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function formatDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
