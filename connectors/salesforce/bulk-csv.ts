import { detached } from './detached-string.ts';

/**
 * Parses one page of Bulk API 2.0 query results (RFC 4180, comma-delimited, header row first) into
 * rows keyed by column name, one at a time as they are asked for: a page is up to `bulkPageSize`
 * rows, and parsing it whole held every row of it at once while the sync went through it a page of
 * 10,000 leads at a time. Blank cells become null (Bulk CSV has no other way to say null). Cells are
 * detached copies, not slices of the page: a lead keeps a few (its id, owner, title…), and as slices
 * they kept every results page its hand-off page drew from alive until the page was done — six
 * pages' text (47 MB) at a 100k-person backfill's peak, both streams' pages interleaving.
 * jsforce's own parser is not used: it splits on `,` `;` `|` `^` backquote AND tab at once, so an
 * unquoted value holding one of those would shift every column after it.
 */
export function bulkCsvRows(text: string): Generator<Record<string, string | null>> {
  return rowsOf({ text });
}

/**
 * One page's text, held only here: the parser lets go of it once its last row is read. A generator
 * keeps its arguments and locals while suspended, and the stream suspended after a page's last row
 * (the hand-off page full) kept that page's text through the whole page's processing.
 */
interface PageText {
  text: string;
}

function* rowsOf(page: PageText): Generator<Record<string, string | null>> {
  let header: string[] | null = null;
  for (const cells of csvRows(page)) {
    if (!header) {
      header = cells;
      continue;
    }
    if (cells.length === 1 && cells[0] === '') continue;
    const row: Record<string, string | null> = {};
    header.forEach((name, i) => {
      const v = cells[i];
      row[name] = v === undefined || v === '' ? null : detached(v);
    });
    // The cells are slices of the page: emptied, so the row held while suspended here keeps none.
    cells.length = 0;
    yield row;
  }
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Cells are sliced out of the page in runs, never built a character at a time: `+=` per character
 * leaves a chain of one string object per character (tens of bytes each), which made a 10,000-row
 * page hold several times its text in memory.
 */
function* csvRows(page: PageText): Generator<string[]> {
  let text = page.text;
  page.text = '';
  let row: string[] = [];
  let parts: string[] = [];
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  /** Where the run of cell text not yet in `parts` starts. */
  let seg = i;
  const cut = (to: number) => {
    if (to > seg) parts.push(text.slice(seg, to));
  };
  const take = (): string => {
    const f = parts.length === 0 ? '' : parts.length === 1 ? parts[0]! : parts.join('');
    parts = [];
    return f;
  };
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c !== QUOTE) continue;
      cut(i);
      if (text.charCodeAt(i + 1) === QUOTE) {
        // A doubled quote is one quote: the next run starts at the second.
        seg = i + 1;
        i++;
      } else {
        quoted = false;
        seg = i + 1;
      }
    } else if (c === QUOTE) {
      cut(i);
      quoted = true;
      seg = i + 1;
    } else if (c === COMMA) {
      cut(i);
      row.push(take());
      seg = i + 1;
    } else if (c === LF || c === CR) {
      cut(i);
      if (c === CR && text.charCodeAt(i + 1) === LF) i++;
      row.push(take());
      seg = i + 1;
      // The page's last line: its text goes before the row is handed on (cells are copies).
      if (seg >= text.length) text = '';
      yield row;
      row = [];
    }
  }
  cut(text.length);
  const last = take();
  text = '';
  if (last !== '' || row.length > 0) {
    row.push(last);
    yield row;
  }
}
