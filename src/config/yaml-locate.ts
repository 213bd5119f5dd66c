import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../domain/errors.ts';
import { closest } from './did-you-mean.ts';

/**
 * Admin-edited YAML files are validated with zod, but zod only knows paths (`pools[1].members[0].rep`);
 * an admin needs `routing.yaml:42:9`. This module keeps the parsed YAML document next to the plain data
 * so every schema issue can be pointed at the line that caused it. Shared by every YAML loader.
 */

export type YamlPath = readonly PropertyKey[];

export interface YamlSource {
  file: string;
  doc: Document;
  lineCounter: LineCounter;
}

export interface YamlPosition {
  /** 1-based; 0 when the document has no node at all (empty file). */
  line: number;
  column: number;
}

/** Parses YAML text; syntax errors become a `ConfigError` with the parser's own line and column. */
export function parseYamlSource(text: string, file: string): { source: YamlSource; data: unknown } {
  const lineCounter = new LineCounter();
  // `uniqueKeys` is on by default: a key typed twice is an error rather than a silent override.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    // The parser's messages ("Nested mappings are not allowed in compact mappings") rarely say that a
    // line is indented wrongly, which is the usual cause in hand-edited files: say so when it is.
    const indent = findIndentationError(text);
    const syntax = doc.errors.map((e): ConfigIssue => {
      const pos = lineCounter.linePos(e.pos[0]);
      return {
        file,
        line: pos.line,
        column: pos.col,
        path: '',
        message: `YAML syntax error: ${firstLine(e.message)}`,
        hint: yamlSyntaxHint(e.code),
      };
    });
    const near = indent && syntax.some((i) => Math.abs(i.line - indent.line) <= 2);
    throw new ConfigError(
      near
        ? [
            {
              file,
              line: indent.line,
              column: indent.column,
              path: '',
              message: indent.message,
              hint: indent.hint,
            },
          ]
        : syntax,
    );
  }
  return { source: { file, doc, lineCounter }, data: doc.toJS() };
}

/** `['pools', 1, 'members', 0, 'rep']` → `pools[1].members[0].rep`. */
export function formatYamlPath(path: YamlPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/**
 * Position of the node at `path`, or of the deepest existing ancestor when the path does not exist
 * (a missing key is reported at the mapping that should contain it). With `atKey`, a mapping entry is
 * reported at its key rather than its value (used for unknown keys).
 */
export function locateYamlPath(
  source: YamlSource,
  path: YamlPath,
  options?: { atKey?: boolean },
): YamlPosition {
  let node: unknown = source.doc.contents;
  let best = rangeStart(node);
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const isLast = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
      if (!pair) break;
      const keyStart = rangeStart(pair.key);
      const valueStart = rangeStart(pair.value);
      if (isLast && options?.atKey && keyStart !== undefined) {
        best = keyStart;
        break;
      }
      // An empty value (`key:`) has no useful range of its own; the key is where the admin looks.
      best = valueStart ?? keyStart ?? best;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      best = rangeStart(item) ?? best;
      node = item;
    } else {
      break;
    }
  }
  if (best === undefined) return { line: 0, column: 0 };
  const pos = source.lineCounter.linePos(best);
  return { line: pos.line, column: pos.col };
}

/** Orders issues by position (stable), so an admin reads a file's problems top to bottom. */
export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  return issues
    .map((issue, i) => ({ issue, i }))
    .sort((a, b) => a.issue.line - b.issue.line || a.issue.column - b.issue.column || a.i - b.i)
    .map((x) => x.issue);
}

/**
 * The first line whose indentation fits no block above it, e.g. a key indented by 5 spaces among keys
 * at 4, or a line indented deeper under a line that opens no block. Lines in block scalars (`|`, `>`)
 * and multi-line flow collections are skipped. Null when the indentation is consistent.
 */
export function findIndentationError(
  text: string,
): { line: number; column: number; message: string; hint: string } | null {
  const lines = text.split(/\r?\n/);
  const stack: number[] = [0];
  let opensBlock = false;
  let scalarIndent: number | null = null;
  let flowDepth = 0;
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n] ?? '';
    const content = raw.trim();
    if (content === '' || content.startsWith('#')) continue;
    const indent = raw.length - raw.trimStart().length;
    if (scalarIndent !== null) {
      if (indent > scalarIndent) continue;
      scalarIndent = null;
    }
    const code = stripComment(content);
    if (flowDepth > 0) {
      flowDepth = Math.max(0, flowDepth + bracketBalance(code));
      continue;
    }
    if (raw.slice(0, indent).includes('\t')) {
      return {
        line: n + 1,
        column: 1,
        message: 'indentation error: this line is indented with a tab',
        hint: 'YAML indentation must use spaces; replace the tab',
      };
    }
    const top = stack.at(-1) ?? 0;
    if (indent > top) {
      if (!opensBlock) {
        return {
          line: n + 1,
          column: indent + 1,
          message: `indentation error: this line is indented by ${indent} spaces, deeper than the line above, which does not open a block`,
          hint: `indent it by ${top} spaces like the lines of its block (or end the line above with ":")`,
        };
      }
      stack.push(indent);
    } else if (indent < top) {
      while ((stack.at(-1) ?? 0) > indent) stack.pop();
      const outer = stack.at(-1) ?? 0;
      if (outer !== indent) {
        return {
          line: n + 1,
          column: indent + 1,
          message: `indentation error: this line is indented by ${indent} spaces, which matches no block above (${outer} or ${top})`,
          hint: `indent it by ${top} spaces to stay in the block above, or by ${outer} to leave it`,
        };
      }
    }
    // A sequence item that starts a mapping (`- id: x`) continues at the column after "- ".
    const item = /^(-\s+)(?=[^\s#])/.exec(code);
    if (item && /^[^{["'].*?:(\s|$)/.test(code.slice(item[1]!.length))) stack.push(indent + item[1]!.length);
    opensBlock = /:$/.test(code) || /^-$/.test(code);
    if (/[:-]\s*[|>][-+0-9]*$/.test(code)) {
      scalarIndent = indent;
      opensBlock = false;
    }
    flowDepth = Math.max(0, bracketBalance(code));
  }
  return null;
}

function stripComment(line: string): string {
  // A '#' starts a comment at the line start or after a space, outside quotes.
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '#' && (i === 0 || line[i - 1] === ' ')) return line.slice(0, i).trimEnd();
  }
  return line;
}

function bracketBalance(code: string): number {
  let depth = 0;
  let quote: string | null = null;
  for (const ch of code) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') depth--;
  }
  return depth;
}

export type IssueHint = (issue: z.core.$ZodIssue, data: unknown) => string | undefined;

/** Turns zod issues into located `ConfigIssue`s; `hint` may supply schema-specific advice. */
export function zodIssuesToConfigIssues(
  issues: readonly z.core.$ZodIssue[],
  source: YamlSource,
  data: unknown,
  hint?: IssueHint,
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  // A misspelt key shows up twice in zod ("employes" unknown, "employees" required): report it once,
  // at the typo, whose hint names the intended key.
  const typoOf = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    for (const key of issue.keys) {
      for (const other of issues) {
        const wanted = other.path.at(-1);
        if (
          other.code === 'invalid_type' &&
          typeof wanted === 'string' &&
          other.path.length === issue.path.length + 1 &&
          formatYamlPath(other.path.slice(0, -1)) === formatYamlPath(issue.path) &&
          valueAt(data, other.path) === undefined &&
          closest(key, [wanted]) !== null
        )
          typoOf.add(formatYamlPath(other.path));
      }
    }
  }
  for (const issue of issues) {
    if (issue.code === 'invalid_type' && typoOf.has(formatYamlPath(issue.path))) continue;
    if (issue.code === 'unrecognized_keys') {
      // One issue per unknown key, each at the key itself, so a typo is easy to find.
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        const pos = locateYamlPath(source, path, { atKey: true });
        out.push({
          file: source.file,
          ...pos,
          path: formatYamlPath(path),
          message: `unknown key "${key}"`,
          hint: hint?.(issue, data) ?? 'remove it or fix its spelling (keys are case-sensitive)',
        });
      }
      continue;
    }
    const pos = locateYamlPath(source, issue.path);
    out.push({
      file: source.file,
      ...pos,
      path: formatYamlPath(issue.path),
      message: issueMessage(issue, data),
      hint: hint?.(issue, data) ?? defaultHint(issue, data),
    });
  }
  return sortIssues(out);
}

/**
 * Parse YAML text and validate it with `schema`. All problems of one stage are reported together as a
 * `ConfigError` (syntax, then field shapes, then the schema's cross-reference checks, which zod runs
 * only once the shapes are right), so an admin fixes a file in few passes.
 */
export function parseYamlWithSchema<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  hint?: IssueHint,
): z.output<S> {
  const { source, data } = parseYamlSource(text, file);
  if (data === null || data === undefined) {
    throw new ConfigError([
      {
        file,
        line: 0,
        column: 0,
        path: '',
        message: 'the file is empty',
        hint: 'start from the shipped example in mappings/ and edit it',
      },
    ]);
  }
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  throw new ConfigError(zodIssuesToConfigIssues(result.error.issues, source, data, hint));
}

function issueMessage(issue: z.core.$ZodIssue, data: unknown): string {
  const value = valueAt(data, issue.path);
  if (issue.code === 'invalid_type' && value === undefined) {
    return `"${String(issue.path.at(-1) ?? 'value')}" is required`;
  }
  if (issue.code === 'invalid_type' && issue.expected === 'number' && typeof value === 'string') {
    return `"${value}" is not a number`;
  }
  return issue.message;
}

function defaultHint(issue: z.core.$ZodIssue, data: unknown): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      const value = valueAt(data, issue.path);
      if (value === undefined)
        return `add "${String(issue.path.at(-1) ?? '')}:" with a ${issue.expected} value`;
      // `255文字`, "1,200", `90 days`: the number is there, with a unit or separators around it.
      const digits = typeof value === 'string' ? /\d[\d,]*(\.\d+)?/.exec(value)?.[0] : undefined;
      if (issue.expected === 'number' && digits)
        return `write ${digits.replaceAll(',', '')} as a plain number, without units, commas or quotes`;
      return `write a ${issue.expected} here`;
    }
    case 'invalid_value':
      return `use one of: ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'custom': {
      const h = (issue.params as { hint?: unknown } | undefined)?.hint;
      return typeof h === 'string' ? h : undefined;
    }
    default:
      return undefined;
  }
}

/** Reads the plain value at `path` (undefined when absent), to tell "missing" from "wrong type". */
function valueAt(data: unknown, path: YamlPath): unknown {
  let cur: unknown = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' ? key : undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

function yamlSyntaxHint(code: string): string {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'a key appears twice in the same mapping; keep one';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'check the indentation (spaces, not tabs) and closing brackets on this line';
    case 'TAB_AS_INDENT':
      return 'YAML indentation must use spaces; replace the tab';
    default:
      return 'check the YAML syntax on this line; quote values that contain ": " or start with special characters';
  }
}
