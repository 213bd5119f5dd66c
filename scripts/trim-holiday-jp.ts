import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as esbuild from 'esbuild';

/**
 * @holiday-jp/holiday_jp ships its table (1970–2050) as a 230 KB object literal that repeats every
 * field name and weekday/holiday name in each of ~1,300 records: 175 KB of every CRM bundle. The
 * bundle gets a module that builds the same object at load from a column-wise encoding (distinct
 * values once, rows as indices), about a fifth of the size.
 *
 * The encoding is derived from the table, not from a list of its fields, and the build evaluates
 * the generated module and stops unless it yields exactly the original (same keys, same records,
 * same field order: `JSON.stringify` equal), so a new package version cannot change the data.
 */
export class HolidayJpTrimError extends Error {
  constructor(message: string) {
    super(`scripts/trim-holiday-jp.ts: ${message}`);
    this.name = 'HolidayJpTrimError';
  }
}

type Table = Record<string, Record<string, unknown>>;

export function compactHolidayTable(table: Table): string {
  const keys = Object.keys(table);
  const first = table[keys[0]!];
  if (!first) throw new HolidayJpTrimError('the holiday table is empty');
  const fields = Object.keys(first);
  for (const key of keys) {
    const record = table[key]!;
    if (Object.keys(record).join('\u0000') !== fields.join('\u0000')) {
      throw new HolidayJpTrimError(
        `record ${key} does not have the fields ${fields.join(', ')} in that order`,
      );
    }
  }
  // A field equal to the record's key (here `date`) is not stored twice.
  const columns = fields.map((field) => {
    if (keys.every((key) => table[key]![field] === key)) return null;
    const values = [...new Set(keys.map((key) => table[key]![field]))];
    return { values, index: new Map(values.map((v, i) => [v, i])) };
  });
  const rows = keys.flatMap((key) =>
    columns.flatMap((column, j) => (column ? [column.index.get(table[key]![fields[j]!])!] : [])),
  );
  const code = `"use strict";
const keys = ${JSON.stringify(keys)};
const fields = ${JSON.stringify(fields)};
const values = ${JSON.stringify(columns.map((c) => c?.values ?? null))};
const rows = ${JSON.stringify(rows)};
const holidays = {};
let at = 0;
for (const key of keys) {
  const record = {};
  for (let j = 0; j < fields.length; j++) record[fields[j]] = values[j] === null ? key : values[j][rows[at++]];
  holidays[key] = record;
}
module.exports = holidays;
`;
  const module = { exports: {} as unknown };
  new Function('module', code)(module);
  if (JSON.stringify(module.exports) !== JSON.stringify(table)) {
    throw new HolidayJpTrimError('the compacted holiday table differs from the original');
  }
  return code;
}

export function trimHolidayJp(): esbuild.Plugin {
  const lib = join(
    dirname(createRequire(import.meta.url).resolve('@holiday-jp/holiday_jp/package.json')),
    'lib',
  );
  const tableFile = join(lib, 'holidays.js');
  let compact: string | undefined;
  return {
    name: 'tossup-trim-holiday-jp',
    setup(build) {
      build.onLoad({ filter: /[\\/]holiday_jp[\\/]lib[\\/]holidays\.js$/ }, (args) => {
        if (args.path !== tableFile) return undefined;
        compact ??= compactHolidayTable(createRequire(import.meta.url)(tableFile) as Table);
        return { contents: compact, loader: 'js' };
      });
    },
  };
}
