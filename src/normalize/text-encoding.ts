/**
 * Reads a lead file's bytes as lines of text in whatever encoding the spreadsheet wrote, so a file
 * is never scored as mojibake. Excel in Japan saves "CSV (comma delimited)" as Shift_JIS (CP932),
 * "CSV UTF-8" as UTF-8 with a BOM, and "Unicode text" as UTF-16 with a BOM.
 *
 * - A BOM decides: UTF-8, UTF-16LE or UTF-16BE.
 * - Without one, the bytes up to the first non-ASCII byte are the same in every candidate; from
 *   there a window is tried as UTF-8, then as Shift_JIS (WHATWG `shift_jis`, which is CP932 with
 *   the NEC/IBM extensions such as ① and ㈱). Real Japanese Shift_JIS text is practically never
 *   valid UTF-8, and UTF-8 Japanese text is practically never valid Shift_JIS.
 * - Decoding is fatal: a byte sequence that is not valid in the chosen encoding stops the read
 *   with the line it is on, rather than turning into replacement characters.
 * - Excel workbooks (.xlsx zip, .xls OLE) and binary files are refused with the fix.
 */

export type TextEncodingName = 'utf-8' | 'shift_jis' | 'utf-16le' | 'utf-16be';

export const ENCODING_LABEL: Readonly<Record<TextEncodingName, string>> = {
  'utf-8': 'UTF-8',
  shift_jis: 'Shift_JIS (CP932)',
  'utf-16le': 'UTF-16LE',
  'utf-16be': 'UTF-16BE',
};

/** The fix every refusal names: what Excel calls the format we read best. */
export const SAVE_AS_CSV_UTF8 = 'in Excel: File > Save As > "CSV UTF-8 (comma delimited) (*.csv)"';

/** A file that cannot be read as text; `line` is 1-based, 0 when it concerns the whole file. */
export class TextDecodeError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(message);
    this.name = 'TextDecodeError';
    this.line = line;
  }
}

/** Bytes after the first non-ASCII byte that are looked at before choosing an encoding. */
const WINDOW_BYTES = 16 * 1024;

/**
 * Lines of a byte stream (terminators `\n`, `\r\n` or `\r` removed, a BOM dropped), decoded in the
 * detected encoding. `onEncoding` is told the encoding once it is known (not for pure ASCII).
 */
export async function* decodeTextLines(
  chunks: AsyncIterable<Uint8Array | string>,
  onEncoding?: (encoding: TextEncodingName, bom: boolean) => void,
): AsyncGenerator<string> {
  const lines = new LineSplitter();
  let decoder: InstanceType<typeof TextDecoder> | null = null;
  let encoding: TextEncodingName = 'utf-8';
  // Undecoded bytes while the encoding is still open (from the first non-ASCII byte on).
  let pending: Uint8Array = new Uint8Array(0);
  let atStart = true;

  const decodeChunk = (bytes: Uint8Array, end: boolean): string => {
    try {
      return decoder!.decode(bytes, { stream: !end });
    } catch {
      // Find the line of the first bad sequence from a lenient decode of the same bytes.
      const lenient = new TextDecoder(encoding).decode(bytes);
      const before = lenient.slice(0, Math.max(0, lenient.indexOf('\uFFFD')));
      const line = lines.count + 1 + countLineBreaks(lines.carry + before);
      throw new TextDecodeError(
        line,
        `line ${line} is not valid ${ENCODING_LABEL[encoding]} although the file was read as ${ENCODING_LABEL[encoding]}; the file mixes encodings: save it again ${SAVE_AS_CSV_UTF8}`,
      );
    }
  };

  const choose = (bytes: Uint8Array, end: boolean): boolean => {
    const found = detectEncoding(bytes, end, atStart);
    if (found === null) return false;
    encoding = found.encoding;
    decoder = new TextDecoder(encoding, { fatal: true });
    if (found.encoding !== 'utf-8' || found.bom) onEncoding?.(found.encoding, found.bom);
    return true;
  };

  for await (const raw of chunks) {
    const chunk = typeof raw === 'string' ? new TextEncoder().encode(raw) : raw;
    if (decoder !== null) {
      yield* lines.push(decodeChunk(chunk, false));
      continue;
    }
    const bytes = pending.length === 0 ? chunk : concat(pending, chunk);
    if (atStart && bytes.length < 4) {
      pending = bytes; // too short to check for a BOM or an Excel signature yet
      continue;
    }
    if (choose(bytes, false)) {
      pending = new Uint8Array(0);
      yield* lines.push(decodeChunk(bytes, false));
      continue;
    }
    atStart = false;
    // Still undecided: the ASCII prefix reads the same in every candidate, so emit it now and keep
    // only the rest (bounded by WINDOW_BYTES) for the decision.
    const firstHigh = firstNonAscii(bytes);
    const asciiEnd = firstHigh < 0 ? bytes.length : firstHigh;
    if (asciiEnd > 0) yield* lines.push(asciiText(bytes.subarray(0, asciiEnd)));
    pending = bytes.slice(asciiEnd);
  }
  // Decided at the end of the input (a short file): its pending bytes are still to be decoded.
  const tail = decoder === null && choose(pending, true) ? pending : new Uint8Array(0);
  yield* lines.push(decodeChunk(tail, true));
  yield* lines.end();
}

/**
 * The encoding of a file from its first bytes, or `null` when more bytes are needed. Throws
 * `TextDecodeError` for files that are not text. `atStart`: `bytes` begins at byte 0 of the file.
 */
export function detectEncoding(
  bytes: Uint8Array,
  end: boolean,
  atStart = true,
): { encoding: TextEncodingName; bom: boolean } | null {
  if (atStart) {
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: 'utf-8', bom: true };
    if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', bom: true };
    if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', bom: true };
    if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04)
      throw new TextDecodeError(
        0,
        `is an Excel workbook (.xlsx), not a CSV or JSON Lines file: save it ${SAVE_AS_CSV_UTF8} and pass the .csv`,
      );
    if (bytes[0] === 0xd0 && bytes[1] === 0xcf && bytes[2] === 0x11 && bytes[3] === 0xe0)
      throw new TextDecodeError(
        0,
        `is an Excel 97-2003 workbook (.xls), not a CSV or JSON Lines file: save it ${SAVE_AS_CSV_UTF8} and pass the .csv`,
      );
  }
  const zero = bytes.indexOf(0);
  if (zero >= 0)
    throw new TextDecodeError(
      0,
      `holds NUL bytes, so it is not a text file (or it is UTF-16 without a BOM): save it ${SAVE_AS_CSV_UTF8}`,
    );
  const firstHigh = firstNonAscii(bytes);
  if (firstHigh < 0) return end ? { encoding: 'utf-8', bom: false } : null;
  if (!end && bytes.length - firstHigh < WINDOW_BYTES) return null;
  if (decodes('utf-8', bytes, end)) return { encoding: 'utf-8', bom: false };
  if (decodes('shift_jis', bytes, end)) return { encoding: 'shift_jis', bom: false };
  throw new TextDecodeError(
    0,
    `is neither UTF-8 nor Shift_JIS (CP932) text, so its Japanese would be garbled: save it ${SAVE_AS_CSV_UTF8}`,
  );
}

function decodes(encoding: TextEncodingName, bytes: Uint8Array, end: boolean): boolean {
  try {
    // `stream` lets a character cut at the end of the window pass; the full read checks it later.
    new TextDecoder(encoding, { fatal: true }).decode(bytes, { stream: !end });
    return true;
  } catch {
    return false;
  }
}

const NON_ASCII = /[\u0080-\u00ff]/u;

/** Index of the first byte ≥ 0x80, or -1; a native regex search over the bytes read as Latin-1. */
function firstNonAscii(bytes: Uint8Array): number {
  return asciiText(bytes).search(NON_ASCII);
}

function asciiText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function countLineBreaks(text: string): number {
  return text.match(/\r\n|\n|\r/gu)?.length ?? 0;
}

/** Splits decoded text into lines across chunk boundaries (`\r\n` may be split between chunks). */
class LineSplitter {
  carry = '';
  /** Lines emitted so far. */
  count = 0;

  *push(text: string): Generator<string> {
    if (text === '') return;
    const s = this.carry + text;
    let start = 0;
    if (!s.includes('\r')) {
      // The usual case, searched natively: `\n` only.
      for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', start)) {
        this.count++;
        yield s.slice(start, i);
        start = i + 1;
      }
      this.carry = s.slice(start);
      return;
    }
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      if (c === 13) {
        if (i + 1 === s.length) break; // a `\r` at the end may be half of `\r\n`
        if (s.charCodeAt(i + 1) === 10) {
          this.count++;
          yield s.slice(start, i);
          i++;
          start = i + 1;
          continue;
        }
      }
      this.count++;
      yield s.slice(start, i);
      start = i + 1;
    }
    this.carry = s.slice(start);
  }

  *end(): Generator<string> {
    let rest = this.carry;
    this.carry = '';
    if (rest.endsWith('\r')) rest = rest.slice(0, -1);
    else if (rest === '') return;
    this.count++;
    yield rest;
  }
}
