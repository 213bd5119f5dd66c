import { soqlError } from './soql-error.ts';

/**
 * SOQL lexer. Keywords are left as identifiers (the parser matches them case-insensitively), date
 * and datetime literals are recognised here because they are unquoted and would otherwise look
 * like arithmetic.
 */

export type TokenKind = 'ident' | 'string' | 'number' | 'date' | 'datetime' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Identifier text, punctuation, number text, date text, or the unescaped string value. */
  text: string;
  /** For strings: the text between the quotes with escapes untouched (LIKE needs `\%` and `\_`). */
  raw?: string;
  /** 0-based offset in the query, for error carets. */
  pos: number;
}

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})/;
const DATE = /^\d{4}-\d{2}-\d{2}(?![\dT])/;
const NUMBER = /^\d+(\.\d+)?(?![A-Za-z_])/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/;
const PUNCT = ['<=', '>=', '!=', '<>', '=', '<', '>', '(', ')', ',', ':', '-', '+'];

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  '"': '"',
  "'": "'",
  '\\': '\\',
  _: '_',
  '%': '%',
};

export function tokenize(soql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < soql.length) {
    const c = soql[i]!;
    if (c === ' ' || c === '\n' || c === '\r' || c === '\t') {
      i += 1;
      continue;
    }
    if (c === "'") {
      const start = i;
      i += 1;
      let value = '';
      let closed = false;
      while (i < soql.length) {
        const ch = soql[i]!;
        if (ch === '\\') {
          const next = soql[i + 1];
          if (next === 'u') {
            const hex = soql.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex))
              throw soqlError(soql, i, 'Invalid string literal: bad \\u escape');
            value += String.fromCharCode(Number.parseInt(hex, 16));
            i += 6;
            continue;
          }
          const mapped = next === undefined ? undefined : SIMPLE_ESCAPES[next];
          if (mapped === undefined) {
            throw soqlError(
              soql,
              i,
              `Invalid string literal '${soql.slice(start, i + 2)}'. Illegal character sequence '\\${next ?? ''}' in string literal.`,
            );
          }
          value += mapped;
          i += 2;
          continue;
        }
        if (ch === "'") {
          closed = true;
          break;
        }
        value += ch;
        i += 1;
      }
      if (!closed) throw soqlError(soql, start, 'unexpected token: unterminated string literal');
      tokens.push({ kind: 'string', text: value, raw: soql.slice(start + 1, i), pos: start });
      i += 1;
      continue;
    }
    const rest = soql.slice(i, i + 40);
    let m = DATETIME.exec(rest);
    if (m) {
      tokens.push({ kind: 'datetime', text: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    m = DATE.exec(rest);
    if (m) {
      tokens.push({ kind: 'date', text: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    m = NUMBER.exec(soql.slice(i, i + 64));
    if (m) {
      tokens.push({ kind: 'number', text: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    m = IDENT.exec(soql.slice(i, i + 256));
    if (m) {
      tokens.push({ kind: 'ident', text: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    const p = PUNCT.find((x) => soql.startsWith(x, i));
    if (p) {
      tokens.push({ kind: 'punct', text: p, pos: i });
      i += p.length;
      continue;
    }
    throw soqlError(soql, i, `unexpected token: '${c}'`);
  }
  tokens.push({ kind: 'eof', text: '<EOF>', pos: soql.length });
  return tokens;
}
