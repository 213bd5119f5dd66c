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
 * - a row with more non-empty fields than the header and duplicate header names are reported as
 *   errors naming the line;
 * - a quoted field never closed is reported on the line that opened it, and the lines after it are
 *   read as rows again, so one stray quote costs one row, not the rest of the file.
 */

export type CsvRow =
  | { ok: true; line: number; fields: string[] }
  | { ok: false; line: number; error: string };

export type CsvRecordResult =
  | { ok: true; line: number; record: Record<string, string> }
  | { ok: false; line: number; error: string };

/**
 * Longest quoted field read across lines: longer than any CRM text field (Salesforce long text
 * holds 131,072 characters, an Excel cell 32,767). A quote still open beyond it was never closed.
 */
export const MAX_QUOTED_FIELD_CHARS = 131_072;

/** Rows as arrays of fields; `line` is the 1-based line the row starts on. */
export async function* parseCsvRows(lines: AsyncIterable<string> | Iterable<string>): AsyncGenerator<CsvRow> {
  const parser = new RowParser();
  for await (const rawLine of lines) yield* parser.line(rawLine);
  yield* parser.end();
}

/**
 * The row state machine. While a quoted field is open, the raw lines are kept so that, if the quote
 * turns out never to be closed (end of file, or longer than any real field), only the row that
 * opened it is lost: it is reported, and the lines after it are read again as rows.
 */
class RowParser {
  private lineNumber = 0;
  private fields: string[] = [];
  private field = '';
  private inQuotes = false;
  private rowStart = 0;
  private quoteColumn = 0;
  /** Raw lines after the one that opened the quote, with their numbers, while a quote is open. */
  private held: Array<[number, string]> = [];
  private heldChars = 0;

  *line(rawLine: string): Generator<CsvRow> {
    this.lineNumber++;
    yield* this.parse(this.lineNumber, rawLine);
  }

  *end(): Generator<CsvRow> {
    if (this.inQuotes) yield* this.unclosed('it is still open at the end of the file');
  }

  private *parse(lineNumber: number, rawLine: string): Generator<CsvRow> {
    let line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (lineNumber === 1 && line.startsWith('\uFEFF')) line = line.slice(1);
    if (this.inQuotes) {
      this.held.push([lineNumber, rawLine]);
      this.heldChars += rawLine.length;
    } else {
      if (line === '') return;
      this.rowStart = lineNumber;
    }
    let afterClosingQuote = false;
    for (let i = 0; i < line.length; i++) {
      const char = line[i]!;
      if (this.inQuotes) {
        if (char !== '"') this.field += char;
        else if (line[i + 1] === '"') {
          this.field += '"';
          i++;
        } else {
          this.inQuotes = false;
          afterClosingQuote = true;
        }
      } else if (char === ',') {
        this.fields.push(this.field);
        this.field = '';
        afterClosingQuote = false;
      } else if (char === '"' && this.field === '' && !afterClosingQuote) {
        this.inQuotes = true;
        this.quoteColumn = i + 1;
      } else {
        this.field += char;
      }
    }
    if (this.inQuotes) {
      this.field += '\n';
      if (this.heldChars > MAX_QUOTED_FIELD_CHARS)
        yield* this.unclosed(
          `it runs on for more than ${MAX_QUOTED_FIELD_CHARS.toLocaleString('en-US')} characters`,
        );
      return;
    }
    this.fields.push(this.field);
    yield { ok: true, line: this.rowStart, fields: this.fields };
    this.reset();
  }

  private *unclosed(why: string): Generator<CsvRow> {
    const { rowStart, quoteColumn, held } = this;
    yield {
      ok: false,
      line: rowStart,
      error: `a quoted field opened at column ${quoteColumn} is never closed (${why}); this row is skipped and the lines after it are read as rows. Close the field with " (write "" for a quote inside a field)`,
    };
    this.reset();
    for (const [n, raw] of held) yield* this.parse(n, raw);
  }

  private reset(): void {
    this.fields = [];
    this.field = '';
    this.inQuotes = false;
    this.held = [];
    this.heldChars = 0;
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
      // Without its header row no later row can be read; any other broken row costs only itself.
      if (header === null) return;
      continue;
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
