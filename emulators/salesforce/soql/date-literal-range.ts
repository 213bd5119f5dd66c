/**
 * SOQL relative date literals as half-open UTC ranges [start, end) in epoch ms. The emulated org's
 * time zone is UTC; a real org evaluates them in the running user's zone.
 */
const DAY = 86_400_000;

export function dateLiteralRange(name: string, n: number | undefined, now: number): [number, number] {
  const today = Math.floor(now / DAY) * DAY;
  const dow = new Date(today).getUTCDay(); // weeks start on Sunday, as in the en_US locale
  const d = new Date(today);
  switch (name) {
    case 'TODAY':
      return [today, today + DAY];
    case 'YESTERDAY':
      return [today - DAY, today];
    case 'TOMORROW':
      return [today + DAY, today + 2 * DAY];
    case 'THIS_WEEK':
      return [today - dow * DAY, today + (7 - dow) * DAY];
    case 'LAST_WEEK':
      return [today - (dow + 7) * DAY, today - dow * DAY];
    case 'THIS_MONTH':
      return [
        Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
        Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
      ];
    case 'LAST_N_DAYS':
      // Includes today, as Salesforce documents.
      return [today - (n ?? 0) * DAY, today + DAY];
    case 'NEXT_N_DAYS':
      return [today + DAY, today + ((n ?? 0) + 1) * DAY];
    default:
      throw new Error(`unhandled date literal ${name}`);
  }
}
