import type { CompareOp, Condition, FieldRef, Literal, OrderKey, SelectItem, SelectQuery } from './ast.ts';
import { soqlError } from './soql-error.ts';
import { type Token, tokenize } from './tokenizer.ts';

/**
 * Recursive-descent parser for the supported SOQL subset. Unsupported but valid SOQL (GROUP BY,
 * aggregates, TYPEOF, semi-joins...) is rejected with MALFORMED_QUERY naming the construct, so the
 * emulator never answers a query it does not understand.
 */

const RESERVED = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'AND',
  'OR',
  'NOT',
  'IN',
  'LIKE',
  'ORDER',
  'BY',
  'ASC',
  'DESC',
  'NULLS',
  'FIRST',
  'LAST',
  'LIMIT',
  'OFFSET',
  'NULL',
  'TRUE',
  'FALSE',
  'GROUP',
  'HAVING',
  'WITH',
  'FOR',
  'USING',
  'INCLUDES',
  'EXCLUDES',
  'TYPEOF',
]);

const UNSUPPORTED_CLAUSES: Record<string, string> = {
  GROUP: 'GROUP BY',
  HAVING: 'HAVING',
  WITH: 'WITH',
  FOR: 'FOR VIEW/REFERENCE/UPDATE',
  USING: 'USING SCOPE',
};

/** Date literals with no parameter and with `:n`, as documented for SOQL. */
export const DATE_LITERALS = new Set([
  'TODAY',
  'YESTERDAY',
  'TOMORROW',
  'THIS_WEEK',
  'LAST_WEEK',
  'THIS_MONTH',
]);
export const DATE_LITERALS_N = new Set(['LAST_N_DAYS', 'NEXT_N_DAYS']);

const COMPARE_OPS = new Set(['=', '!=', '<>', '<', '<=', '>', '>=']);

class Parser {
  private i = 0;
  private readonly tokens: Token[];
  private readonly soql: string;

  constructor(soql: string) {
    this.soql = soql;
    this.tokens = tokenize(soql);
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i += 1;
    return t;
  }

  private isKeyword(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'ident' && t.text.toUpperCase() === word;
  }

  private isPunct(p: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === p;
  }

  private fail(t: Token, message?: string): never {
    throw soqlError(this.soql, t.pos, message ?? `unexpected token: '${t.text}'`);
  }

  private expectKeyword(word: string): Token {
    if (!this.isKeyword(word)) this.fail(this.peek());
    return this.next();
  }

  private expectPunct(p: string): Token {
    if (!this.isPunct(p)) this.fail(this.peek());
    return this.next();
  }

  parseQuery(nested: boolean): SelectQuery {
    this.expectKeyword('SELECT');
    const select = this.parseSelectList(nested);
    this.expectKeyword('FROM');
    const fromTok = this.peek();
    // `Group` is an object name as well as a keyword.
    const fromWord = fromTok.text.toUpperCase();
    if (fromTok.kind !== 'ident' || (RESERVED.has(fromWord) && fromWord !== 'GROUP')) this.fail(fromTok);
    if (fromTok.text.includes('.')) this.fail(fromTok, `unexpected token: '${fromTok.text}'`);
    this.next();
    const from = { name: fromTok.text, pos: fromTok.pos };
    // An alias (`FROM Lead l`) is valid SOQL the emulator does not implement.
    const maybeAlias = this.peek();
    if (maybeAlias.kind === 'ident' && !RESERVED.has(maybeAlias.text.toUpperCase())) {
      this.fail(
        maybeAlias,
        `object aliases are not supported by the Salesforce emulator: '${maybeAlias.text}'`,
      );
    }
    let where: Condition | undefined;
    if (this.isKeyword('WHERE')) {
      this.next();
      where = this.parseOr();
    }
    this.rejectUnsupportedClause();
    const orderBy: OrderKey[] = [];
    if (this.isKeyword('ORDER')) {
      this.next();
      this.expectKeyword('BY');
      do {
        orderBy.push(this.parseOrderKey());
      } while (this.isPunct(',') && this.next());
    }
    let limit: number | undefined;
    let offset: number | undefined;
    if (this.isKeyword('LIMIT')) {
      this.next();
      limit = this.parseInteger();
    }
    if (this.isKeyword('OFFSET')) {
      this.next();
      offset = this.parseInteger();
    }
    this.rejectUnsupportedClause();
    const end = this.peek();
    if (nested ? !(end.kind === 'punct' && end.text === ')') : end.kind !== 'eof') this.fail(end);
    return { select, from, where, orderBy, limit, offset };
  }

  private rejectUnsupportedClause(): void {
    const t = this.peek();
    if (t.kind !== 'ident') return;
    const clause = UNSUPPORTED_CLAUSES[t.text.toUpperCase()];
    if (clause) this.fail(t, `${clause} is not supported by the Salesforce emulator`);
  }

  private parseInteger(): number {
    const t = this.next();
    if (t.kind !== 'number' || t.text.includes('.')) this.fail(t);
    return Number(t.text);
  }

  private parseSelectList(nested: boolean): SelectItem[] {
    const items: SelectItem[] = [];
    do {
      const t = this.peek();
      if (t.kind === 'punct' && t.text === '(') {
        if (nested) this.fail(t, 'nested subqueries are not supported by the Salesforce emulator');
        this.next();
        if (!this.isKeyword('SELECT')) this.fail(this.peek());
        const query = this.parseQuery(true);
        this.expectPunct(')');
        items.push({ kind: 'subquery', query, pos: t.pos });
      } else if (t.kind === 'ident' && this.peek(1).kind === 'punct' && this.peek(1).text === '(') {
        const fn = t.text.toUpperCase();
        if (fn === 'COUNT' && this.peek(2).kind === 'punct' && this.peek(2).text === ')') {
          this.i += 3;
          items.push({ kind: 'count', pos: t.pos });
        } else {
          this.fail(
            t,
            `function '${t.text}(...)' is not supported by the Salesforce emulator (only COUNT())`,
          );
        }
      } else if (t.kind === 'ident' && t.text.toUpperCase() === 'TYPEOF') {
        this.fail(t, 'TYPEOF is not supported by the Salesforce emulator');
      } else if (t.kind === 'ident' && !RESERVED.has(t.text.toUpperCase())) {
        this.next();
        items.push({ kind: 'field', ref: { path: t.text.split('.'), pos: t.pos } });
        const alias = this.peek();
        if (alias.kind === 'ident' && !RESERVED.has(alias.text.toUpperCase())) this.fail(alias);
      } else {
        this.fail(t);
      }
    } while (this.isPunct(',') && this.next());
    return items;
  }

  private parseOrderKey(): OrderKey {
    const field = this.parseFieldRef();
    let descending = false;
    let nullsFirst: boolean | undefined;
    if (this.isKeyword('ASC')) this.next();
    else if (this.isKeyword('DESC')) {
      this.next();
      descending = true;
    }
    if (this.isKeyword('NULLS')) {
      this.next();
      if (this.isKeyword('FIRST')) nullsFirst = true;
      else if (this.isKeyword('LAST')) nullsFirst = false;
      else this.fail(this.peek());
      this.next();
    }
    return { field, descending, nullsFirst };
  }

  private parseFieldRef(): FieldRef {
    const t = this.peek();
    if (t.kind !== 'ident' || RESERVED.has(t.text.toUpperCase())) {
      if (t.kind === 'ident' && this.peek(1).kind === 'punct' && this.peek(1).text === '(') {
        this.fail(t, `function '${t.text}(...)' is not supported by the Salesforce emulator`);
      }
      this.fail(t);
    }
    if (this.peek(1).kind === 'punct' && this.peek(1).text === '(') {
      this.fail(t, `function '${t.text}(...)' is not supported by the Salesforce emulator`);
    }
    this.next();
    return { path: t.text.split('.'), pos: t.pos };
  }

  /** SOQL forbids mixing AND and OR at one level without parentheses; so does the emulator. */
  private parseOr(): Condition {
    const first = this.parseAnd();
    if (!this.isKeyword('OR')) return first;
    const items = [first];
    while (this.isKeyword('OR')) {
      this.next();
      items.push(this.parseNot());
      if (this.isKeyword('AND')) this.fail(this.peek());
    }
    return { kind: 'or', items };
  }

  private parseAnd(): Condition {
    const first = this.parseNot();
    if (!this.isKeyword('AND')) return first;
    const items = [first];
    while (this.isKeyword('AND')) {
      this.next();
      items.push(this.parseNot());
      if (this.isKeyword('OR')) this.fail(this.peek());
    }
    return { kind: 'and', items };
  }

  private parseNot(): Condition {
    if (this.isKeyword('NOT')) {
      this.next();
      return { kind: 'not', item: this.parseNot() };
    }
    if (this.isPunct('(')) {
      this.next();
      const inner = this.parseOr();
      this.expectPunct(')');
      return inner;
    }
    return this.parseCondition();
  }

  private parseCondition(): Condition {
    const field = this.parseFieldRef();
    const t = this.peek();
    if (t.kind === 'punct' && COMPARE_OPS.has(t.text)) {
      this.next();
      const op = (t.text === '<>' ? '!=' : t.text) as CompareOp;
      return { kind: 'compare', field, op, value: this.parseLiteral() };
    }
    if (this.isKeyword('LIKE')) {
      this.next();
      return { kind: 'like', field, pattern: this.parseLiteral() };
    }
    let negated = false;
    if (this.isKeyword('NOT') && this.isKeyword('IN', 1)) {
      this.next();
      negated = true;
    }
    if (this.isKeyword('IN')) {
      this.next();
      this.expectPunct('(');
      if (this.isKeyword('SELECT')) {
        this.fail(
          this.peek(),
          'semi-join subqueries (IN (SELECT ...)) are not supported by the Salesforce emulator',
        );
      }
      const values: Literal[] = [];
      do {
        values.push(this.parseLiteral());
      } while (this.isPunct(',') && this.next());
      this.expectPunct(')');
      return { kind: 'in', field, negated, values };
    }
    if (this.isKeyword('INCLUDES') || this.isKeyword('EXCLUDES')) {
      this.fail(t, `${t.text.toUpperCase()} is not supported by the Salesforce emulator`);
    }
    return this.fail(t);
  }

  private parseLiteral(): Literal {
    const t = this.next();
    switch (t.kind) {
      case 'string':
        return { kind: 'string', value: t.text, raw: t.raw ?? t.text, pos: t.pos };
      case 'number':
        return { kind: 'number', value: Number(t.text), text: t.text, pos: t.pos };
      case 'date':
        if (!isRealDate(t.text)) this.fail(t, `invalid date: ${t.text}`);
        return { kind: 'date', value: t.text, pos: t.pos };
      case 'datetime': {
        const ms = Date.parse(t.text);
        if (Number.isNaN(ms) || !isRealDate(t.text.slice(0, 10))) this.fail(t, `invalid dateTime: ${t.text}`);
        return { kind: 'datetime', value: ms, text: t.text, pos: t.pos };
      }
      case 'punct':
        if (t.text === '-' || t.text === '+') {
          const n = this.next();
          if (n.kind !== 'number') this.fail(n);
          const v = Number(n.text);
          return { kind: 'number', value: t.text === '-' ? -v : v, text: t.text + n.text, pos: t.pos };
        }
        if (t.text === ':') this.fail(t, 'bind variables are not supported by the Salesforce emulator');
        return this.fail(t);
      case 'ident': {
        const word = t.text.toUpperCase();
        if (word === 'NULL') return { kind: 'null', pos: t.pos };
        if (word === 'TRUE' || word === 'FALSE')
          return { kind: 'boolean', value: word === 'TRUE', pos: t.pos };
        if (DATE_LITERALS.has(word)) return { kind: 'dateLiteral', name: word, n: undefined, pos: t.pos };
        if (DATE_LITERALS_N.has(word)) {
          this.expectPunct(':');
          const n = this.next();
          if (n.kind !== 'number' || n.text.includes('.')) this.fail(n);
          return { kind: 'dateLiteral', name: word, n: Number(n.text), pos: t.pos };
        }
        if (/^[A-Z_]+$/.test(word) && (this.isPunct(':') || /^(LAST|NEXT|THIS)_/.test(word))) {
          this.fail(t, `date literal '${t.text}' is not supported by the Salesforce emulator`);
        }
        return this.fail(t);
      }
      default:
        return this.fail(t);
    }
  }
}

function isRealDate(text: string): boolean {
  const [y, m, d] = text.split('-').map(Number) as [number, number, number];
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

export function parseSoql(soql: string): SelectQuery {
  return new Parser(soql).parseQuery(false);
}
