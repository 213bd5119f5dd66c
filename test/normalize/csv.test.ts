import { describe, expect, it } from 'vitest';
import { type CsvRecordResult, type CsvRow, parseCsvRecords, parseCsvRows } from '../../src/normalize/csv.ts';

async function rows(lines: string[]): Promise<CsvRow[]> {
  const out: CsvRow[] = [];
  for await (const row of parseCsvRows(lines)) out.push(row);
  return out;
}

async function records(lines: string[]): Promise<CsvRecordResult[]> {
  const out: CsvRecordResult[] = [];
  for await (const record of parseCsvRecords(lines)) out.push(record);
  return out;
}

/** Lines as node:readline yields them: one at a time, asynchronously, terminators removed. */
async function* asyncLines(text: string): AsyncGenerator<string> {
  for (const line of text.split(/\r?\n/u)) yield line;
}

describe('Function: parseCsvRows', () => {
  it('splits plain fields and keeps empty ones', async () => {
    expect(await rows(['a,b,,d', ',,'])).toEqual([
      { ok: true, line: 1, fields: ['a', 'b', '', 'd'] },
      { ok: true, line: 2, fields: ['', '', ''] },
    ]);
  });

  it('reads quoted fields holding commas and doubled quotes', async () => {
    expect(await rows(['"a,b","say ""hi""",""'])).toEqual([
      { ok: true, line: 1, fields: ['a,b', 'say "hi"', ''] },
    ]);
  });

  it('joins a quoted field that spans lines with \\n and numbers the row by its first line', async () => {
    // Prepare
    const text = 'id,notes\nL-1,"first line\nsecond, line\n"\nL-2,x';
    // Act
    const result: CsvRow[] = [];
    for await (const row of parseCsvRows(asyncLines(text))) result.push(row);
    // Assess
    expect(result).toEqual([
      { ok: true, line: 1, fields: ['id', 'notes'] },
      { ok: true, line: 2, fields: ['L-1', 'first line\nsecond, line\n'] },
      { ok: true, line: 5, fields: ['L-2', 'x'] },
    ]);
  });

  it('keeps an empty line inside a quoted field and skips empty lines outside one', async () => {
    expect(await rows(['a', '', '"x', '', 'y"', ''])).toEqual([
      { ok: true, line: 1, fields: ['a'] },
      { ok: true, line: 3, fields: ['x\n\ny'] },
    ]);
  });

  it('drops a UTF-8 BOM and a stray carriage return', async () => {
    expect(await rows(['\uFEFFid,name\r', 'L-1,株式会社テスト\r'])).toEqual([
      { ok: true, line: 1, fields: ['id', 'name'] },
      { ok: true, line: 2, fields: ['L-1', '株式会社テスト'] },
    ]);
  });

  it('keeps stray quotes in unquoted fields as text', async () => {
    expect(await rows(['5" screen,"quoted"tail'])).toEqual([
      { ok: true, line: 1, fields: ['5" screen', 'quotedtail'] },
    ]);
  });

  it('reports a quoted field never closed on the line that opened it and reads the lines after it', async () => {
    const result = await rows(['id,notes', 'L-1,"never closed', 'L-2,x', '', 'L-3,y']);
    expect(result).toEqual([
      { ok: true, line: 1, fields: ['id', 'notes'] },
      { ok: false, line: 2, error: expect.stringContaining('opened at column 5 is never closed') },
      { ok: true, line: 3, fields: ['L-2', 'x'] },
      { ok: true, line: 5, fields: ['L-3', 'y'] },
    ]);
  });

  it('gives up on a quoted field longer than any CRM text field, so memory stays bounded', async () => {
    const long = 'x'.repeat(1000);
    const lines = ['id,notes', 'L-1,"open', ...Array.from({ length: 200 }, () => long), 'L-2,y'];
    const result = await rows(lines);
    expect(result[1]).toMatchObject({ ok: false, line: 2, error: expect.stringContaining('131,072') });
    expect(result.at(-1)).toEqual({ ok: true, line: 203, fields: ['L-2', 'y'] });
  });
});

describe('Function: parseCsvRecords', () => {
  it('keys each row by the header and pads short rows with blanks', async () => {
    expect(await records(['id, company.employees ,title', 'L-1,"1,200名",部長', 'L-2'])).toEqual([
      { ok: true, line: 2, record: { id: 'L-1', 'company.employees': '1,200名', title: '部長' } },
      { ok: true, line: 3, record: { id: 'L-2', 'company.employees': '', title: '' } },
    ]);
  });

  it('tolerates empty trailing fields but reports extra values', async () => {
    const result = await records(['id,title', 'L-1,部長,,', 'L-2,部長,営業部']);
    expect(result[0]).toEqual({ ok: true, line: 2, record: { id: 'L-1', title: '部長' } });
    expect(result[1]).toEqual({
      ok: false,
      line: 3,
      error: expect.stringContaining('quote fields that contain commas'),
    });
  });

  it('refuses a header naming a column twice', async () => {
    expect(await records(['id,title,title', 'L-1,a,b'])).toEqual([
      { ok: false, line: 1, error: expect.stringContaining('"title" twice') },
    ]);
  });

  it('streams: the first record is available before the input ends', async () => {
    // Prepare
    let released = false;
    async function* slowLines(): AsyncGenerator<string> {
      yield 'id';
      yield 'L-1';
      while (!released) await new Promise((resolve) => setImmediate(resolve));
      yield 'L-2';
    }
    const iterator = parseCsvRecords(slowLines());
    // Act
    const first = await iterator.next();
    released = true;
    const second = await iterator.next();
    // Assess
    expect(first.value).toEqual({ ok: true, line: 2, record: { id: 'L-1' } });
    expect(second.value).toEqual({ ok: true, line: 3, record: { id: 'L-2' } });
  });
});
