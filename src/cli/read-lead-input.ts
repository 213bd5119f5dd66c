import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import type { Lead } from '../domain/lead.ts';
import { parseCsvRecords } from '../normalize/csv.ts';
import { normalizeLead } from '../normalize/lead-input.ts';

export type InputItem = { line: number; ok: true; lead: Lead } | { line: number; ok: false; message: string };

/**
 * Streams leads from a JSON Lines or CSV file (`-` = JSON Lines on stdin), one at a time, so the
 * size of the file never matters. A record that cannot become a lead at all (not JSON, no id) is
 * yielded as an error with its line; everything else becomes a lead, bad values included.
 */
export async function* readLeadInput(path: string): AsyncGenerator<InputItem> {
  const stream = path === '-' ? process.stdin : createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  if (extname(path).toLowerCase() === '.csv') {
    for await (const rec of parseCsvRecords(lines)) {
      if (!rec.ok) {
        yield { line: rec.line, ok: false, message: rec.error };
        continue;
      }
      yield toItem(rec.line, rec.record);
    }
    return;
  }
  let n = 0;
  for await (const text of lines) {
    n++;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      yield { line: n, ok: false, message: `not valid JSON (${(e as Error).message})` };
      continue;
    }
    yield toItem(n, value);
  }
}

function toItem(line: number, value: unknown): InputItem {
  const r = normalizeLead(value);
  return r.ok ? { line, ok: true, lead: r.lead } : { line, ok: false, message: r.error.message };
}
