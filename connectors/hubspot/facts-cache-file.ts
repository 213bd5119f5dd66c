import { closeSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** What the facts cache file holds, its two large maps as maps (company-facts.ts has the schema). */
export interface FactsCacheDocument {
  head: Record<string, unknown>;
  companies: ReadonlyMap<string, unknown>;
  deals: ReadonlyMap<string, unknown>;
  memo: unknown;
}

/** Flushed to the file at about this many characters. */
const CHUNK_CHARS = 1 << 20;

/**
 * Writes `{...head, "companies": {...}, "deals": {...}, "memo": ...}` — the same text as
 * `JSON.stringify` of that object — a megabyte at a time, atomically (a temp file renamed over the
 * old one). One string of the whole cache (tens of MB at 100,000 contacts) plus its UTF-8 copy was
 * the sync's last and largest allocation.
 */
export function writeFactsCacheFile(file: string, doc: FactsCacheDocument): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    let out = JSON.stringify(doc.head);
    out = out === '{}' ? '{' : `${out.slice(0, -1)},`;
    const flush = () => {
      writeSync(fd, out);
      out = '';
    };
    const map = (name: string, entries: ReadonlyMap<string, unknown>) => {
      out += `${JSON.stringify(name)}:{`;
      let first = true;
      for (const [k, v] of entries) {
        const value = JSON.stringify(v);
        if (value === undefined) continue;
        out += `${first ? '' : ','}${JSON.stringify(k)}:${value}`;
        first = false;
        if (out.length >= CHUNK_CHARS) flush();
      }
      out += '}';
    };
    map('companies', doc.companies);
    out += ',';
    map('deals', doc.deals);
    const memo = JSON.stringify(doc.memo);
    out += memo === undefined ? '}' : `,"memo":${memo}}`;
    flush();
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}
