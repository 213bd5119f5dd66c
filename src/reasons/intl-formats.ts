/**
 * `Intl` formatters built once per locale and options. Building one costs tens of microseconds
 * (`toLocaleString` builds one on every call), and a sync formats numbers and dates for every
 * lead of every page; the formatted text is the same. Each one also holds ICU memory outside the
 * JS heap until a collection frees it: built per lead, they were ~34 MB of the 55 MB native peak of
 * a 10,000-lead Salesforce sync (heaptrack, docs/benchmarks.md "The scale curve").
 */
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

function kept<F extends Intl.NumberFormat | Intl.DateTimeFormat>(key: string, make: () => F): F {
  let f = formatters.get(key) as F | undefined;
  if (!f) {
    f = make();
    formatters.set(key, f);
  }
  return f;
}

export function numberFormat(locale: string, options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  return kept(`number|${locale}|${JSON.stringify(options)}`, () => new Intl.NumberFormat(locale, options));
}

export function dateTimeFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return kept(`date|${locale}|${JSON.stringify(options)}`, () => new Intl.DateTimeFormat(locale, options));
}
