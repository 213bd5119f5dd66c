/**
 * `Intl` formatters built once per locale and options. Building one costs tens of microseconds
 * (`toLocaleString` builds one on every call), and a sync formats numbers and dates for every
 * lead of every page; the formatted text is the same. Each one also holds ICU memory outside the
 * JS heap until a collection frees it: built per lead, they were ~34 MB of the 55 MB native peak of
 * a 10,000-lead Salesforce sync (heaptrack, docs/benchmarks.md "The scale curve").
 */
const numberFormats = new Map<string, Intl.NumberFormat>();
const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

export function numberFormat(locale: string, options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = numberFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, options);
    numberFormats.set(key, f);
  }
  return f;
}

export function dateTimeFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = dateTimeFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, options);
    dateTimeFormats.set(key, f);
  }
  return f;
}
