import { createReadStream, statSync } from 'node:fs';
import { extname } from 'node:path';
import { closest } from '../config/did-you-mean.ts';
import { ConfigError } from '../domain/errors.ts';
import type { Lead } from '../domain/lead.ts';
import { parseCsvRecords } from '../normalize/csv.ts';
import { normalizeLead } from '../normalize/lead-input.ts';
import {
  INPUT_FIELD_ALIASES,
  INPUT_FIELD_PATHS,
  unknownInputColumns,
  unknownInputKeys,
} from '../normalize/lead-input-fields.ts';
import {
  decodeTextLines,
  ENCODING_LABEL,
  SAVE_AS_CSV_UTF8,
  TextDecodeError,
} from '../normalize/text-encoding.ts';

/**
 * What reading a lead file yields, in file order:
 * - `lead`: a record that became a lead (bad values included, as `lead.dataIssues`);
 * - `error`: a record that could not become a lead at all (not JSON, no id); it is skipped;
 * - `warning`: something the reader ignored that the author probably did not mean to (a misspelt
 *   column); `--strict` turns it into a stop;
 * - `note`: how the file was read (its encoding), for the log.
 * A problem with the whole file (missing, an Excel workbook, a JSON array) throws `LeadFileError`.
 */
export type InputItem =
  | { kind: 'lead'; line: number; lead: Lead }
  | { kind: 'error'; line: number; column?: number; message: string }
  | { kind: 'warning'; line: number; message: string }
  | { kind: 'note'; line: number; message: string };

/** The whole lead file cannot be read: one line naming the file (and line) and the fix; exit 2. */
export class LeadFileError extends ConfigError {
  constructor(file: string, line: number, message: string) {
    super([{ file, line, column: 0, path: '', message }]);
    this.name = 'LeadFileError';
    this.message = line > 0 ? `${file}:${line}: ${message}` : `${file}: ${message}`;
  }
}

const EXCEL_EXTENSIONS: Readonly<Record<string, string>> = {
  '.xlsx': 'an Excel workbook (.xlsx)',
  '.xlsm': 'an Excel workbook (.xlsm)',
  '.xls': 'an Excel 97-2003 workbook (.xls)',
  '.ods': 'an OpenDocument spreadsheet (.ods)',
  '.numbers': 'a Numbers spreadsheet',
};

/** Distinct unknown JSON keys reported per file; a file of 1M leads must not grow this set. */
const MAX_REPORTED_KEYS = 50;

/**
 * Streams leads from a JSON Lines or CSV file (`-` = JSON Lines on stdin), one at a time, so the
 * size of the file never matters. The encoding is detected (UTF-8, Shift_JIS/CP932, UTF-16 with
 * a BOM) and decoded strictly, so Japanese headers and values are never read as mojibake.
 */
export async function* readLeadInput(path: string): AsyncGenerator<InputItem> {
  const ext = extname(path).toLowerCase();
  const excel = EXCEL_EXTENSIONS[ext];
  if (excel) throw new LeadFileError(path, 0, `is ${excel}: save it ${SAVE_AS_CSV_UTF8} and pass the .csv`);
  if (path !== '-') checkReadable(path);
  const notes: InputItem[] = [];
  const stream = path === '-' ? process.stdin : createReadStream(path);
  const lines = decodeTextLines(stream, (encoding, bom) => {
    notes.push({
      kind: 'note',
      line: 0,
      message: `read as ${ENCODING_LABEL[encoding]}${bom ? ' (byte order mark)' : ''}`,
    });
  });
  const guarded = guardDecoding(lines, path);
  if (ext === '.csv') yield* readCsv(guarded, notes, path);
  else yield* readJsonLines(guarded, notes, path);
}

async function* readCsv(
  lines: AsyncIterable<string>,
  notes: InputItem[],
  path: string,
): AsyncGenerator<InputItem> {
  let headerChecked = false;
  for await (const rec of parseCsvRecords(lines)) {
    yield* notes.splice(0);
    if (!rec.ok) {
      yield { kind: 'error', line: rec.line, message: rec.error };
      continue;
    }
    if (!headerChecked) {
      headerChecked = true;
      checkSeparator(Object.keys(rec.record), path);
      for (const name of unknownInputColumns(Object.keys(rec.record)))
        yield {
          kind: 'warning',
          line: 1,
          message: `column "${name}" is not a lead field and is ignored; ${unknownInputKeyHint(name)}`,
        };
    }
    yield toItem(rec.line, rec.record);
  }
}

async function* readJsonLines(
  lines: AsyncIterable<string>,
  notes: InputItem[],
  path: string,
): AsyncGenerator<InputItem> {
  let n = 0;
  let first = true;
  const reported = new Set<string>();
  for await (const text of lines) {
    n++;
    yield* notes.splice(0);
    const trimmed = text.trim();
    if (trimmed === '') continue;
    if (first) {
      first = false;
      checkFirstJsonLine(trimmed, path, n);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      yield { kind: 'error', line: n, ...describeJsonError(e as Error) };
      continue;
    }
    if (isRecord(value) && reported.size < MAX_REPORTED_KEYS) {
      for (const key of unknownInputKeys(value)) {
        if (reported.has(key) || reported.size >= MAX_REPORTED_KEYS) continue;
        reported.add(key);
        yield {
          kind: 'warning',
          line: n,
          message: `key "${key}" is not a lead field and is ignored; ${unknownInputKeyHint(key)}`,
        };
      }
    }
    yield toItem(n, value);
  }
}

/** A header that is one column holding tabs or semicolons was not split by commas: say so once. */
function checkSeparator(header: readonly string[], path: string): void {
  if (header.length !== 1) return;
  const separator = header[0]!.includes('\t') ? 'tabs' : header[0]!.includes(';') ? 'semicolons' : null;
  if (separator === null) return;
  throw new LeadFileError(
    path,
    1,
    `the columns are separated by ${separator}, not commas (Excel "Unicode text" or a locale with ; as list separator): save it ${SAVE_AS_CSV_UTF8}`,
  );
}

/** A JSON document instead of JSON Lines is refused at once, with the command that converts it. */
function checkFirstJsonLine(trimmed: string, path: string, line: number): void {
  if (trimmed.startsWith('[')) {
    throw new LeadFileError(
      path,
      line,
      `the file holds a JSON array, but lead files hold one JSON object per line (JSON Lines); convert it with: jq -c '.[]' ${path} > leads.jsonl`,
    );
  }
  if (trimmed === '{') {
    throw new LeadFileError(
      path,
      line,
      `the file holds pretty-printed JSON, but lead files hold one JSON object per line (JSON Lines); convert it with: jq -c . ${path} > leads.jsonl`,
    );
  }
}

/**
 * The column and wording of a JSON.parse error on one line. JSON.parse numbers positions within
 * the string it was given, which is one line of the file: the file line is the item's line, the
 * column is the position + 1. Its quote of the input is left out, as it may hold personal data.
 */
export function describeJsonError(e: Error): { column?: number; message: string } {
  const text = e.message;
  const at =
    /\s*in JSON at position (\d+)(?: \(line \d+ column \d+\))?|\s*at position (\d+)(?: \(line \d+ column \d+\))?/u.exec(
      text,
    );
  const position = at ? Number(at[1] ?? at[2]) : undefined;
  let what = at ? text.slice(0, at.index) + text.slice(at.index + at[0].length) : text;
  what = what.replace(/^(Unexpected token '.+?'), ".*" is not valid JSON$/su, '$1');
  if (/^Unexpected end of JSON input$/u.test(what))
    what = 'the line ends inside the object; each lead must be one whole JSON object on one line';
  const message = `not valid JSON: ${what.charAt(0).toLowerCase()}${what.slice(1)}`;
  return position === undefined ? { message } : { column: position + 1, message };
}

function checkReadable(path: string): void {
  try {
    if (statSync(path).isDirectory())
      throw new LeadFileError(path, 0, 'is a directory; give a lead file (.jsonl or .csv)');
  } catch (e) {
    if (e instanceof LeadFileError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new LeadFileError(
      path,
      0,
      code === 'ENOENT'
        ? 'no such file; check the path (leads as .jsonl or .csv, or - for JSON Lines on stdin)'
        : `cannot be read (${code ?? (e as Error).message})`,
    );
  }
}

/** Decoding and read errors become one line naming the file, not a stack trace. */
async function* guardDecoding(lines: AsyncIterable<string>, path: string): AsyncGenerator<string> {
  try {
    yield* lines;
  } catch (e) {
    if (e instanceof TextDecodeError) throw new LeadFileError(path, e.line, e.message);
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string') throw new LeadFileError(path, 0, `cannot be read (${code})`);
    throw e;
  }
}

function toItem(line: number, value: unknown): InputItem {
  const r = normalizeLead(value);
  return r.ok ? { kind: 'lead', line, lead: r.lead } : { kind: 'error', line, message: r.error.message };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface InputLogOptions {
  file: string;
  strict: boolean;
  stderr?: NodeJS.WritableStream;
}

/**
 * Prints a non-lead item to stderr as `file:line[:column]: …` and returns how it counts. In
 * `--strict`, a warning stops the command (exit 2) before the lead it concerns is used.
 */
export function logInputItem(
  item: Exclude<InputItem, { kind: 'lead' }>,
  { file, strict, stderr = process.stderr }: InputLogOptions,
): 'error' | 'warning' | 'note' {
  const where = `${file}${item.line > 0 ? `:${item.line}` : ''}${item.kind === 'error' && item.column ? `:${item.column}` : ''}`;
  if (item.kind === 'warning' && strict)
    throw new LeadFileError(file, item.line, `${item.message} (--strict)`);
  const label = item.kind === 'error' ? 'skipped' : item.kind;
  stderr.write(`${where}: ${label}: ${item.message}\n`);
  return item.kind;
}

/** Every name a column or key may have: the paths and the flat aliases, for did-you-mean hints. */
const KNOWN_NAMES: readonly string[] = [
  ...INPUT_FIELD_PATHS,
  ...Object.values(INPUT_FIELD_ALIASES).flatMap((aliases) => aliases ?? []),
];

/** "did you mean …" for a misspelt column or key, else where the accepted names are listed. */
export function unknownInputKeyHint(name: string): string {
  const dot = name.indexOf('.');
  const section = dot > 0 ? name.slice(0, dot) : undefined;
  const candidates = section ? INPUT_FIELD_PATHS.filter((p) => p.startsWith(`${section}.`)) : KNOWN_NAMES;
  const close = closest(name, candidates);
  return close
    ? `did you mean "${close}"?`
    : 'if it should be read, rename it to a lead field (docs/lead-model.md lists the names)';
}
