import type { CompanyHoliday } from './sla-config.ts';

/**
 * Company holidays from sla.yaml: single dates or ranges, either for one year (YYYY-MM-DD) or
 * recurring every year (MM-DD; a recurring range may cross New Year, e.g. 12-29..01-03).
 * Returns the holiday's name (or "company holiday") when `date` falls on one, otherwise null.
 */
export function companyHolidayOn(date: string, holidays: readonly CompanyHoliday[]): string | null {
  const monthDay = date.slice(5);
  for (const h of holidays) {
    const from = h.date ?? h.from;
    const to = h.date ?? h.to;
    if (from === undefined || to === undefined) continue;
    if (from.length === 5 ? inRecurringRange(monthDay, from, to) : from <= date && date <= to) {
      return h.name ?? 'company holiday';
    }
  }
  return null;
}

function inRecurringRange(monthDay: string, from: string, to: string): boolean {
  // MM-DD strings compare correctly as text; a range with from > to wraps over the year end.
  return from <= to ? from <= monthDay && monthDay <= to : monthDay >= from || monthDay <= to;
}
