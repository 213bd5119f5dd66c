/**
 * The one escape for text printed to a terminal that may carry CRM data (dry-run plans, the sync
 * summary, error messages). A record's title or company name is written by anyone who can fill a
 * web form: raw ESC/CSI sequences would drive the admin's terminal (recolour, move the cursor,
 * rewrite earlier lines, set the window title), BEL rings, CR/LF forge extra plan lines, and bidi
 * overrides (U+202E) make text read differently from what it is. Those characters are shown as
 * visible escapes (`\x1b`, `\n`, `\u202e`) instead; everything else, Japanese and emoji included,
 * passes through unchanged.
 */

/**
 * C0 controls and DEL, C1 controls (U+0080–U+009F: 0x9B is a one-byte CSI), the bidi embeddings,
 * overrides, isolates and marks, and the Unicode line/paragraph separators.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function visible(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One value (or one line): every control, bidi and line-break character escaped. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, visible);
}

/** Multi-line output: each line made safe, the line breaks between them kept. */
export function terminalSafeLines(text: string): string {
  return text
    .split('\n')
    .map((line) => terminalSafe(line))
    .join('\n');
}
