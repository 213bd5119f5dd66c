import { closeSync, mkdirSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { IdOffsets } from './id-offsets.ts';

/** What the facts cache file holds (company-facts.ts has the schema of each part). */
export interface FactsCacheDocument {
  /** Version, portal, properties, watermarks and the portal memo: the first line. */
  head: Record<string, unknown>;
  companies: Iterable<readonly [string, unknown]>;
  deals: Iterable<readonly [string, unknown]>;
}

/**
 * One entry of the file: a company or a deal, by id, as written (`value`: the line's other fields),
 * with the byte offset of its line (none in a version-1 file).
 */
export type FactsCacheEntry = { kind: 'company' | 'deal'; id: string; value: unknown; offset?: number };

/** Written and read about this many characters (bytes) at a time. */
const CHUNK = 1 << 20;

/**
 * Writes the cache as JSON Lines — the head, then one line per company (`{"company": id, ...}`) and
 * per deal (`{"deal": id, ...}`) — a megabyte at a time, atomically (a temp file renamed over the
 * old one). Returns the written file, open for reading (the caller closes it), and where each
 * company's line starts (company-entries.ts reads them from there). Lines, so that it is read back one entry at a time too (`readFactsCacheFile`): the whole
 * document as one string (tens of MB at 100,000 contacts, UTF-16 for Japanese names), parsed whole
 * and validated with a copy, was the largest allocation of an incremental sync.
 */
export function writeFactsCacheFile(
  file: string,
  doc: FactsCacheDocument,
): { fd: number; companyOffsets: IdOffsets } {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w+');
  const companyOffsets = new IdOffsets();
  try {
    let out = `${JSON.stringify(doc.head)}\n`;
    let position = Buffer.byteLength(out);
    const entries = (kind: 'company' | 'deal', map: Iterable<readonly [string, unknown]>) => {
      for (const [id, v] of map) {
        const value = JSON.stringify(v);
        if (value === undefined || value === '{}' || !value.startsWith('{')) continue;
        const line = `{${JSON.stringify(kind)}:${JSON.stringify(id)},${value.slice(1)}\n`;
        if (kind === 'company') companyOffsets.set(id, position);
        position += Buffer.byteLength(line);
        out += line;
        if (out.length >= CHUNK) {
          writeSync(fd, out);
          out = '';
        }
      }
    };
    entries('company', doc.companies);
    entries('deal', doc.deals);
    writeSync(fd, out);
    renameSync(tmp, file);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return { fd, companyOffsets };
}

/**
 * The file's head and then its entries, one line at a time (a file of this build), or — a file an
 * earlier build wrote, one JSON document with `companies` and `deals` objects — that document read
 * whole once, its entries given the same way. Throws on a missing file or a line that is not JSON;
 * what the values hold is the caller's to check.
 */
export function* readFactsCacheFile(
  file: string | number,
): Generator<FactsCacheEntry | { kind: 'head'; head: unknown }> {
  let first = true;
  for (const { line, offset } of lines(file)) {
    if (line.trim() === '') continue;
    const parsed = JSON.parse(line) as Record<string, unknown>;
    if (first) {
      first = false;
      const { companies, deals, ...head } = parsed ?? {};
      yield { kind: 'head', head };
      if (head.version === 1) {
        // An earlier build's single document: its entries are in the head line.
        for (const [id, value] of Object.entries((companies as object) ?? {}))
          yield { kind: 'company', id, value };
        for (const [id, value] of Object.entries((deals as object) ?? {})) yield { kind: 'deal', id, value };
        return;
      }
      continue;
    }
    const { company, deal, ...value } = parsed;
    if (typeof company === 'string') yield { kind: 'company', id: company, value, offset };
    else if (typeof deal === 'string') yield { kind: 'deal', id: deal, value, offset };
    else throw new Error('a facts cache line names neither a company nor a deal');
  }
}

/** The lines of `file` (a path, or a descriptor read from its start and left open), a chunk at a time. */
function* lines(file: string | number): Generator<{ line: string; offset: number }> {
  const fd = typeof file === 'number' ? file : openSync(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    const decoder = new StringDecoder('utf8');
    let rest = '';
    let read = 0;
    let offset = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, read);
      if (n === 0) break;
      read += n;
      const parts = (rest + decoder.write(buffer.subarray(0, n))).split('\n');
      rest = parts.pop()!;
      for (const line of parts) {
        yield { line, offset };
        offset += Buffer.byteLength(line) + 1;
      }
    }
    rest += decoder.end();
    if (rest !== '') yield { line: rest, offset };
  } finally {
    if (typeof file !== 'number') closeSync(fd);
  }
}
