/**
 * A streaming RFC 4180 CSV reader for lead files: fields may be quoted, and quoted fields may hold
 * commas, doubled quotes (`""`) and line breaks. It consumes LINES (what `node:readline` yields,
 * terminators removed) so a file of any size is read one record at a time; a quoted field that
 * spans lines gets `\n` where the line ended.
 *
 * Lenient where spreadsheets are sloppy, strict where data would be lost:
 * - a UTF-8 BOM (Excel's "CSV UTF-8") is dropped, blank lines are skipped;
 * - a quote inside an unquoted field, or text after a closing quote, is kept as text;
 * - rows shorter than the header are padded with blanks; trailing empty extra fields are dropped;
 * - a row with more non-empty fields than the header, duplicate header names and a quoted field
 *   still open at the end of the file are reported as errors naming the line.
 */

export type CsvRow =
  | { ok: true; line: number; fields: string[] }
  | { ok: false; line: number; error: string };

export type CsvRecordResult =
  | { ok: true; line: number; record: Record<string, string> }
  | { ok: false; line: number; error: string };

/** Rows as arrays of fields; `line` is the 1-based line the row starts on. */
export async function* parseCsvRows(lines: AsyncIterable<string> | Iterable<string>): AsyncGenerator<CsvRow> {
  let lineNumber = 0;
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let rowStart = 0;
  for await (const rawLine of lines) {
    lineNumber++;
    let line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (lineNumber === 1 && line.startsWith('\uFEFF')) line = line.slice(1);
    if (!inQuotes) {
      if (line === '') continue;
      rowStart = lineNumber;
    }
    let afterClosingQuote = false;
    for (let i = 0; i < line.length; i++) {
      const char = line[i]!;
      if (inQuotes) {
        if (char !== '"') field += char;
        else if (line[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          inQuotes = false;
          afterClosingQuote = true;
        }
      } else if (char === ',') {
        fields.push(field);
        field = '';
        afterClosingQuote = false;
      } else if (char === '"' && field === '' && !afterClosingQuote) {
        inQuotes = true;
      } else {
        field += char;
      }
    }
    if (inQuotes) {
      field += '\n';
      continue;
    }
    fields.push(field);
    yield { ok: true, line: rowStart, fields };
    fields = [];
    field = '';
  }
  if (inQuotes) {
    yield {
      ok: false,
      line: rowStart,
      error: `a quoted field opened on line ${rowStart} is never closed; close it with " (write "" for a quote inside a field)`,
    };
  }
}

/**
 * Records keyed by the header row's names, ready for `normalizeLead` (which maps dotted headers
 * such as `company.employees` and flat aliases such as `employees`). Cells are passed on as
 * typed; blank cells mean "no value".
 *
 * @example
 * for await (const row of parseCsvRecords(createInterface({ input: createReadStream(path, 'utf8') }))) {
 *   if (row.ok) normalizeLead(row.record);
 * }
 */
export async function* parseCsvRecords(
  lines: AsyncIterable<string> | Iterable<string>,
): AsyncGenerator<CsvRecordResult> {
  let header: string[] | null = null;
  for await (const row of parseCsvRows(lines)) {
    if (!row.ok) {
      yield row;
      return;
    }
    if (header === null) {
      header = row.fields.map((name) => name.trim());
      const duplicate = header.find((name, index) => name !== '' && header!.indexOf(name) !== index);
      if (duplicate !== undefined) {
        yield {
          ok: false,
          line: row.line,
          error: `the header names column "${duplicate}" twice; rename or remove one of them`,
        };
        return;
      }
      continue;
    }
    const extra = row.fields.slice(header.length);
    if (extra.some((value) => value.trim() !== '')) {
      yield {
        ok: false,
        line: row.line,
        error: `${row.fields.length} fields but the header has ${header.length}; quote fields that contain commas ("...")`,
      };
      continue;
    }
    const record: Record<string, string> = {};
    header.forEach((name, index) => {
      // `__proto__` is no lead field, and assigning it would not create a key.
      if (name !== '' && name !== '__proto__') record[name] = row.fields[index] ?? '';
    });
    yield { ok: true, line: row.line, record };
  }
}
