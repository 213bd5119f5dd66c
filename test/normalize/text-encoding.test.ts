import { describe, expect, it } from 'vitest';
import { decodeTextLines, TextDecodeError } from '../../src/normalize/text-encoding.ts';

// CP932 bytes of 会社名 and 取締役 (what Excel writes in Japan), written out so no encoder is needed.
const KAISHAMEI = [0x89, 0xef, 0x8e, 0xd0, 0x96, 0xbc];
const TORISHIMARIYAKU = [0x8e, 0xe6, 0x92, 0xf7, 0x96, 0xf0];

async function lines(chunks: Uint8Array[]): Promise<{ lines: string[]; encoding?: string }> {
  const out: string[] = [];
  let encoding: string | undefined;
  async function* source() {
    for (const c of chunks) yield c;
  }
  for await (const line of decodeTextLines(source(), (e) => {
    encoding = e;
  }))
    out.push(line);
  return { lines: out, encoding };
}

const ascii = (s: string) => new TextEncoder().encode(s);
const bytes = (...parts: Array<string | number[]>) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...ascii(p)] : p)));

describe('Function: decodeTextLines', () => {
  it('splits \\n, \\r\\n and \\r, also when \\r\\n is cut between chunks', async () => {
    expect((await lines([ascii('a\r'), ascii('\nb\nc\rd'), ascii('\r\n')])).lines).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);
  });

  it('reads Shift_JIS and joins a character cut between chunks', async () => {
    const all = bytes('id,', KAISHAMEI, '\nL1,', TORISHIMARIYAKU, '\n');
    const result = await lines([all.subarray(0, 4), all.subarray(4, 12), all.subarray(12)]);
    expect(result).toEqual({ lines: ['id,会社名', 'L1,取締役'], encoding: 'shift_jis' });
  });

  it('decides at the first non-ASCII byte, however far into the file it is', async () => {
    const prefix = ascii(`${'id,name\n'.repeat(20_000)}`);
    const result = await lines([prefix, bytes('L1,', TORISHIMARIYAKU, '\n')]);
    expect(result.encoding).toBe('shift_jis');
    expect(result.lines.at(-1)).toBe('L1,取締役');
    expect(result.lines).toHaveLength(20_001);
  });

  it('streams an ASCII file line by line instead of holding it until the encoding is known', async () => {
    let fed = 0;
    async function* source() {
      for (let i = 0; i < 1000; i++) {
        fed++;
        yield ascii(`{"id":"L${i}"}\n`);
      }
    }
    const iterator = decodeTextLines(source());
    expect((await iterator.next()).value).toBe('{"id":"L0"}');
    expect(fed).toBeLessThan(10);
  });

  it('keeps UTF-8 as UTF-8 and drops its BOM', async () => {
    expect(await lines([bytes([0xef, 0xbb, 0xbf], 'id\n'), ascii('取締役\n')])).toEqual({
      lines: ['id', '取締役'],
      encoding: 'utf-8',
    });
    expect((await lines([ascii('id\n取締役')])).lines).toEqual(['id', '取締役']);
  });

  it('stops at the line where the bytes stop being valid in the chosen encoding', async () => {
    const head = ascii(`id\n取締役\n${'x'.repeat(20_000)}\n`);
    const error = await lines([head, bytes('ok\nL1,', TORISHIMARIYAKU, '\n')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TextDecodeError);
    expect((error as TextDecodeError).line).toBe(5);
    expect((error as TextDecodeError).message).toContain('mixes encodings');
  });

  it('refuses Latin-1, NUL bytes and Excel workbooks', async () => {
    for (const input of [
      // "café\n" in Latin-1: 0xE9 then a line break is valid in neither UTF-8 nor Shift_JIS.
      Uint8Array.from([...ascii('caf'), 0xe9, 0x0a]),
      bytes('i', [0], 'd'),
      bytes([0x50, 0x4b, 0x03, 0x04], 'rest'),
      bytes([0xd0, 0xcf, 0x11, 0xe0], 'rest'),
    ])
      await expect(lines([input])).rejects.toBeInstanceOf(TextDecodeError);
  });

  it('reads an empty file and a file without a final line break', async () => {
    expect((await lines([])).lines).toEqual([]);
    expect((await lines([ascii('ab')])).lines).toEqual(['ab']);
  });
});
