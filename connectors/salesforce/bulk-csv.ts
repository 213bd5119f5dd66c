/**
 * Parses one page of Bulk API 2.0 query results (RFC 4180, comma-delimited, header row first) into
 * rows keyed by column name. Blank cells become null (Bulk CSV has no other way to say null).
 * jsforce's own parser is not used: it splits on `,` `;` `|` `^` backquote AND tab at once, so an
 * unquoted value holding one of those would shift every column after it.
 */
export function parseBulkCsv(text: string): Record<string, string | null>[] {
  const rows = csvRows(text);
  const header = rows.shift();
  if (!header) return [];
  return rows
    .filter((cells) => !(cells.length === 1 && cells[0] === ''))
    .map((cells) => {
      const row: Record<string, string | null> = {};
      header.forEach((name, i) => {
        const v = cells[i];
        row[name] = v === undefined || v === '' ? null : v;
      });
      return row;
    });
}

function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
